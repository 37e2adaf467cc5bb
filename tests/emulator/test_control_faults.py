"""The control plane over HTTP, and the HTTP fault kinds as a client sees them."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
import requests

from cosyclone.emulator.faults import Fault
from cosyclone.emulator.server import EmulatorServer
from tests.emulator._api import GOOD_SAMPLE, assert_error, auth, call, create, create_ok, list_voices, query
from tests.helpers.emulator_fixtures import EMULATOR_API_KEY, OTHER_API_KEY, SampleServer


def control(emu: EmulatorServer, method: str, path: str, body: Any = None) -> httpx.Response:
    return httpx.request(method, emu.control_url + path, json=body)


def voices_of(emu: EmulatorServer, key: str = EMULATOR_API_KEY) -> list[str]:
    return [v["voice_id"] for v in list_voices(emu, key=key).json()["output"]["voice_list"]]


# ----- control plane ----------------------------------------------------------------------------------------


def test_health_and_state(emulator: EmulatorServer) -> None:
    assert control(emulator, "GET", "/health").json() == {"ok": True}
    state = control(emulator, "GET", "/state").json()
    assert state["tenants"] == {} and state["faults"] == [] and state["settings"]["ready_delay_s"] == 0


def test_seed_voices_and_set_status(emulator: EmulatorServer) -> None:
    seeded = control(
        emulator,
        "POST",
        "/voices",
        {
            "api_key": EMULATOR_API_KEY,
            "voices": [
                {"target_model": "cosyvoice-v3-flash", "prefix": "seeded", "f0_hz": 180},
                {"voice_id": "cosyvoice-v2-fixed-" + "a" * 32, "target_model": "cosyvoice-v2", "status": "DEPLOYING"},
            ],
        },
    )
    assert seeded.status_code == 200, seeded.text
    first, second = seeded.json()["voices"]
    assert first["voice_id"].startswith("cosyvoice-v3-flash-seeded-") and first["status"] == "OK"
    assert second == {"voice_id": "cosyvoice-v2-fixed-" + "a" * 32, "status": "DEPLOYING"}
    assert query(emulator, second["voice_id"]).json()["output"]["status"] == "DEPLOYING"

    changed = control(emulator, "POST", f"/voices/{second['voice_id']}/status", {"status": "UNDEPLOYED"})
    assert changed.status_code == 200 and changed.json()["status"] == "UNDEPLOYED"
    assert query(emulator, second["voice_id"]).json()["output"]["status"] == "UNDEPLOYED"

    # 1 s, not less: on a loaded machine the query below can come 0.3 s after the change.
    ripening = control(
        emulator, "POST", f"/voices/{first['voice_id']}/status", {"status": "DEPLOYING", "ready_in_s": 1.0}
    )
    assert ripening.json()["status"] == "DEPLOYING"
    assert query(emulator, first["voice_id"]).json()["output"]["status"] == "DEPLOYING"
    time.sleep(1.05)
    assert query(emulator, first["voice_id"]).json()["output"]["status"] == "OK"


def test_control_refusals(emulator: EmulatorServer) -> None:
    assert control(emulator, "POST", "/voices/nope/status", {"status": "OK"}).status_code == 404
    assert control(emulator, "POST", "/voices", {"voices": []}).status_code == 400  # whose?
    assert (
        control(emulator, "POST", "/voices", {"api_key": "sk-a1", "voices": [{"status": "READY"}]}).status_code == 400
    )
    assert control(emulator, "POST", "/faults", {"target": "create_voice", "kind": "explode"}).status_code == 400
    assert control(emulator, "POST", "/settings", {"ready_delay_s": -1}).status_code == 400
    assert httpx.post(emulator.control_url + "/reset", content=b"{oops").status_code == 400


def test_settings(emulator: EmulatorServer) -> None:
    updated = control(emulator, "POST", "/settings", {"ready_delay_s": 5, "idle_timeout_s": 1.5, "voice_quota": 3})
    assert updated.status_code == 200
    assert emulator.backend.ready_delay_s == 5 and emulator.backend.idle_timeout_s == 1.5
    assert control(emulator, "GET", "/settings").json()["voice_quota"] == 3
    control(emulator, "POST", "/settings", {"sentence_latency_s": 0.25})
    assert emulator.backend.sentence_latency_s == 0.25
    control(emulator, "POST", "/reset")
    assert emulator.backend.ready_delay_s == 0 and emulator.backend.voice_quota == 1000


def test_reset_one_tenant_or_all(emulator: EmulatorServer) -> None:
    for key in (EMULATOR_API_KEY, OTHER_API_KEY):
        control(emulator, "POST", "/voices", {"api_key": key})
    control(emulator, "POST", "/faults", {"target": "query_voice", "kind": "latency"})
    control(emulator, "POST", "/reset", {"api_key": OTHER_API_KEY})
    assert voices_of(emulator, OTHER_API_KEY) == [] and len(voices_of(emulator)) == 1
    assert len(control(emulator, "GET", "/faults").json()["pending"]) == 1
    tenant = emulator.backend.tenant_of_key(EMULATOR_API_KEY)
    assert tenant in control(emulator, "GET", "/state").json()["tenants"]
    control(emulator, "POST", "/reset")
    assert voices_of(emulator) == []
    assert control(emulator, "GET", "/faults").json()["pending"] == []


def test_fault_queue(emulator: EmulatorServer) -> None:
    armed = control(
        emulator,
        "POST",
        "/faults",
        [
            {"target": "list_voice", "kind": "http_error", "status": 503, "times": 2},
            {"target": "get_policy", "kind": "latency"},
        ],
    )
    assert [f["target"] for f in armed.json()["pending"]] == ["list_voice", "get_policy"]
    assert list_voices(emulator).status_code == 503
    assert control(emulator, "GET", "/faults").json()["pending"][0]["times"] == 1
    assert list_voices(emulator).status_code == 503
    assert list_voices(emulator).status_code == 200
    assert control(emulator, "DELETE", "/faults").json() == {"pending": []}


# ----- fault kinds ------------------------------------------------------------------------------------------


def test_http_error_with_retry_after_does_not_act(emulator: EmulatorServer, sample_server: SampleServer) -> None:
    emulator.backend.faults.add(Fault(target="create_voice", kind="http_error", status=429, retry_after_s=2))
    response = create(emulator, sample_server.url(GOOD_SAMPLE))
    assert_error(response, 429, "Throttling.RateQuota", "Requests rate limit exceeded, please try again later.")
    assert response.headers["retry-after"] == "2"
    assert voices_of(emulator) == []


def test_http_error_with_own_code_and_message(emulator: EmulatorServer) -> None:
    emulator.backend.faults.add(
        Fault(target="query_voice", kind="http_error", status=500, code="InternalError.Timeout", message="slow")
    )
    assert_error(query(emulator, "x"), 500, "InternalError.Timeout", "slow")


def test_latency(emulator: EmulatorServer) -> None:
    emulator.backend.faults.add(Fault(target="list_voice", kind="latency", delay_s=0.3))
    started = time.monotonic()
    assert list_voices(emulator).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_drop_before_does_not_act(emulator: EmulatorServer, sample_server: SampleServer) -> None:
    emulator.backend.faults.add(Fault(target="create_voice", kind="drop_before"))
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        create(emulator, sample_server.url(GOOD_SAMPLE))
    assert voices_of(emulator) == []


def test_drop_after_acts(emulator: EmulatorServer, sample_server: SampleServer) -> None:
    emulator.backend.faults.add(Fault(target="create_voice", kind="drop_after"))
    with pytest.raises(httpx.RemoteProtocolError):
        create(emulator, sample_server.url(GOOD_SAMPLE))
    assert len(voices_of(emulator)) == 1


def test_drop_after_on_delete(emulator: EmulatorServer, sample_server: SampleServer) -> None:
    voice_id = create_ok(emulator, sample_server.url(GOOD_SAMPLE))
    emulator.backend.faults.add(Fault(target="delete_voice", kind="drop_after", drop_style="truncate"))
    with pytest.raises(httpx.RemoteProtocolError, match=r"complete message body"):
        call(emulator, {"action": "delete_voice", "voice_id": voice_id})
    assert voices_of(emulator) == []


@pytest.mark.parametrize(
    ("style", "exception"),
    [("close", requests.ConnectionError), ("truncate", requests.exceptions.ChunkedEncodingError)],
)
def test_drop_styles_as_requests_sees_them(emulator: EmulatorServer, style: str, exception: type[Exception]) -> None:
    emulator.backend.faults.add(Fault(target="list_voice", kind="drop_before", drop_style=style))
    with pytest.raises(exception):
        requests.post(
            f"{emulator.http_base_url}/services/audio/tts/customization",
            json={"model": "voice-enrollment", "input": {"action": "list_voice"}},
            headers=auth(),
            timeout=10,
        )
    assert list_voices(emulator).status_code == 200  # the server is fine afterwards


def test_faults_on_get_policy_and_upload(emulator: EmulatorServer) -> None:
    emulator.backend.faults.add(Fault(target="get_policy", kind="http_error", status=429))
    params = {"action": "getPolicy", "model": "voice-enrollment"}
    assert httpx.get(f"{emulator.http_base_url}/uploads", params=params, headers=auth()).status_code == 429
    data = httpx.get(f"{emulator.http_base_url}/uploads", params=params, headers=auth()).json()["data"]
    emulator.backend.faults.add(Fault(target="upload", kind="drop_before"))
    fields = {
        "OSSAccessKeyId": data["oss_access_key_id"],
        "Signature": data["signature"],
        "policy": data["policy"],
        "key": data["upload_dir"] + "/a.wav",
        "x-oss-forbid-overwrite": "true",
        "success_action_status": "200",
    }
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(data["upload_host"], data=fields, files={"file": ("a.wav", b"RIFF")})
    assert httpx.post(data["upload_host"], data=fields, files={"file": ("a.wav", b"RIFF")}).status_code == 200


def test_faults_apply_per_target(emulator: EmulatorServer) -> None:
    emulator.backend.faults.add(Fault(target="delete_voice", kind="http_error"))
    assert list_voices(emulator).status_code == 200
    assert len(emulator.backend.faults.pending()) == 1
