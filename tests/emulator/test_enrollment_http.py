"""The customization endpoint over real sockets: the five actions, their shapes, rules, errors and tenants."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest

from cosyclone.emulator.server import EmulatorServer
from cosyclone.schema.enrollment import SERVICE_TZ, parse_gmt
from tests.conftest import WIRE_FIXTURES
from tests.emulator._api import (
    GOOD_SAMPLE,
    assert_error,
    call,
    create,
    create_ok,
    list_voices,
    query,
)
from tests.helpers.emulator_fixtures import OTHER_API_KEY, SampleServer

VOICE_ID = re.compile(r"^cosyvoice-v3-plus-test-[0-9a-f]{32}$")
GMT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
INVALID = "InvalidParameter"


def wire_keys(name: str) -> set[str]:
    return set(json.loads((WIRE_FIXTURES / name).read_text())["output"])


def test_create_query_list_update_delete_round_trip(emulator: EmulatorServer, sample_server: SampleServer) -> None:
    url = sample_server.url(GOOD_SAMPLE)
    created = create(emulator, url)
    assert created.status_code == 200
    body = created.json()
    assert set(body) == {"request_id", "output", "usage"}
    assert body["usage"] == {"count": 1}
    voice_id = body["output"]["voice_id"]
    assert VOICE_ID.match(voice_id)

    queried = query(emulator, voice_id).json()["output"]
    assert set(queried) == wire_keys("query_voice.response.json")
    assert queried["status"] == "OK"  # ready delay 0: OK on the first query
    assert queried["resource_link"] == url
    assert queried["target_model"] == "cosyvoice-v3-plus"
    assert GMT.match(queried["gmt_create"]) and queried["gmt_create"] == queried["gmt_modified"]

    listed = list_voices(emulator).json()
    assert set(listed["output"]) == {"voice_list"}  # no pagination totals
    (entry,) = listed["output"]["voice_list"]
    assert set(entry) == {"voice_id", "gmt_create", "gmt_modified", "status"}
    assert entry["voice_id"] == voice_id

    other = sample_server.url("good/flite-awb.wav")
    updated = call(emulator, {"action": "update_voice", "voice_id": voice_id, "url": other})
    assert updated.status_code == 200 and updated.json()["output"] == {}
    assert query(emulator, voice_id).json()["output"]["resource_link"] == other

    deleted = call(emulator, {"action": "delete_voice", "voice_id": voice_id})
    assert deleted.status_code == 200 and deleted.json()["output"] == {}
    assert list_voices(emulator).json()["output"]["voice_list"] == []
    assert_error(query(emulator, voice_id), 400, "BadRequest.ResourceNotExist", "The Required resource not exist.")


def test_timestamps_are_utc_plus_8(emulator: EmulatorServer) -> None:
    moment = dt.datetime(2025, 1, 1, 20, 30, tzinfo=dt.timezone.utc)
    emulator.backend.clock = moment.timestamp
    record = emulator.backend.seed_voice(emulator.backend.tenant_of_key("sk-emulator-test-0123456789"))
    output = query(emulator, record.voice_id).json()["output"]
    assert output["gmt_create"] == "2025-01-02 04:30:00"
    assert parse_gmt(output["gmt_create"]) == moment.astimezone(SERVICE_TZ)


def test_extra_input_keys_from_sdk_kwargs_are_accepted(emulator: EmulatorServer, sample_server: SampleServer) -> None:
    response = create(
        emulator,
        sample_server.url(GOOD_SAMPLE),
        target_model="cosyvoice-v3-flash",
        enable_preprocess=True,
        language_hints=["en"],
        max_prompt_audio_length=12.5,
        something_new="ignored",
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"prefix": None}, "prefix"),
        ({"prefix": ""}, "prefix"),
        ({"prefix": "abcdefghijk"}, "prefix"),  # 11 characters
        ({"prefix": "my-voice"}, "prefix"),
        ({"prefix": "my_voice"}, "prefix"),
        ({"prefix": 123}, "prefix"),
        ({"target_model": "cosyvoice-v9"}, "target_model"),
        ({"target_model": None}, "target_model"),
        ({"url": None}, "url"),
        ({"url": "ftp://example.com/a.wav"}, "url"),
        ({"url": "/local/file.wav"}, "url"),
        ({"language_hints": "en"}, "language_hints"),
        ({"language_hints": []}, "language_hints"),
        ({"max_prompt_audio_length": 2.0}, "max_prompt_audio_length"),
        ({"max_prompt_audio_length": 31}, "max_prompt_audio_length"),
    ],
)
def test_create_voice_validation(emulator: EmulatorServer, overrides: dict[str, object], field: str) -> None:
    payload: dict[str, object] = {
        "action": "create_voice",
        "target_model": "cosyvoice-v3-plus",
        "prefix": "ok",
        "url": "http://127.0.0.1:9/never-fetched.wav",
    }
    payload.update(overrides)
    payload = {k: v for k, v in payload.items() if v is not None}
    body = assert_error(call(emulator, payload), 400, INVALID)
    assert body["message"] == f"Required parameter({field}) missing or invalid, please check the request parameters."


def test_prefix_of_ten_mixed_case_letters_and_digits_is_accepted(
    emulator: EmulatorServer, sample_server: SampleServer
) -> None:
    voice_id = create_ok(emulator, sample_server.url(GOOD_SAMPLE), prefix="AbCdE12345")
    assert voice_id.startswith("cosyvoice-v3-plus-AbCdE12345-")


@pytest.mark.parametrize("action", ["list_voices", "clone", "", None, 5])
def test_unknown_action(emulator: EmulatorServer, action: object) -> None:
    payload = {} if action is None else {"action": action}
    assert_error(call(emulator, payload), 400, INVALID)


def test_wrong_or_missing_model(emulator: EmulatorServer) -> None:
    assert_error(call(emulator, {"action": "list_voice"}, model="cosyvoice-v3-plus"), 400, INVALID, "Model not exist.")
    body = assert_error(call(emulator, {"action": "list_voice"}, model=None), 400, INVALID)
    assert "parameter(model)" in body["message"]


def test_body_not_json(emulator: EmulatorServer) -> None:
    import httpx

    response = httpx.post(
        f"{emulator.http_base_url}/services/audio/tts/customization",
        content=b"{not json",
        headers={"Authorization": "Bearer sk-x1", "Content-Type": "application/json"},
    )
    assert_error(response, 400, INVALID)


@pytest.mark.parametrize("action", ["query_voice", "update_voice", "delete_voice"])
def test_unknown_voice_id(emulator: EmulatorServer, sample_server: SampleServer, action: str) -> None:
    payload = {"action": action, "voice_id": "cosyvoice-v3-plus-nope-" + "0" * 32}
    if action == "update_voice":
        payload["url"] = sample_server.url(GOOD_SAMPLE)
    assert_error(call(emulator, payload), 400, "BadRequest.ResourceNotExist", "The Required resource not exist.")


@pytest.mark.parametrize("action", ["query_voice", "update_voice", "delete_voice"])
def test_voice_id_required(emulator: EmulatorServer, action: str) -> None:
    body = assert_error(call(emulator, {"action": action}), 400, INVALID)
    assert "parameter(voice_id)" in body["message"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic sk-abc"},
        {"Authorization": "Bearer sk-"},
        {"Authorization": "Bearer not-a-key"},
    ],
)
def test_bad_or_missing_key(emulator: EmulatorServer, headers: dict[str, str]) -> None:
    response = call(emulator, {"action": "list_voice"}, key=None, headers=headers)
    assert_error(response, 401, "InvalidApiKey", "Invalid API-key provided.")


def test_tenants_do_not_see_each_other(emulator: EmulatorServer, sample_server: SampleServer) -> None:
    voice_id = create_ok(emulator, sample_server.url(GOOD_SAMPLE))
    assert list_voices(emulator, key=OTHER_API_KEY).json()["output"]["voice_list"] == []
    assert_error(query(emulator, voice_id, key=OTHER_API_KEY), 400, "BadRequest.ResourceNotExist")
    other_delete = call(emulator, {"action": "delete_voice", "voice_id": voice_id}, key=OTHER_API_KEY)
    assert_error(other_delete, 400, "BadRequest.ResourceNotExist")
    assert query(emulator, voice_id).status_code == 200


def test_quota(emulator: EmulatorServer, sample_server: SampleServer) -> None:
    emulator.backend.voice_quota = 2
    url = sample_server.url(GOOD_SAMPLE)
    first = create_ok(emulator, url)
    create_ok(emulator, url)
    assert_error(create(emulator, url), 400, "Throttling.AllocationQuota", "Your current quota is 2")
    create_ok(emulator, url, key=OTHER_API_KEY)  # the cap is per key
    call(emulator, {"action": "delete_voice", "voice_id": first})
    create_ok(emulator, url)  # deleting frees quota


def test_list_paging_newest_first_and_prefix_filter(emulator: EmulatorServer) -> None:
    backend = emulator.backend
    tenant = backend.tenant_of_key("sk-emulator-test-0123456789")
    ids = [
        backend.seed_voice(tenant, prefix="alpha" if i % 2 else "beta", created_at=1000.0 + i).voice_id
        for i in range(5)
    ]
    page0 = list_voices(emulator, page_index=0, page_size=2).json()["output"]["voice_list"]
    page1 = list_voices(emulator, page_index=1, page_size=2).json()["output"]["voice_list"]
    page2 = list_voices(emulator, page_index=2, page_size=2).json()["output"]["voice_list"]
    page3 = list_voices(emulator, page_index=3, page_size=2).json()["output"]["voice_list"]
    assert [v["voice_id"] for v in page0 + page1 + page2] == ids[::-1]
    assert page3 == []
    alpha = list_voices(emulator, prefix="alpha").json()["output"]["voice_list"]
    assert [v["voice_id"] for v in alpha] == [ids[3], ids[1]]
    assert list_voices(emulator, prefix="alp").json()["output"]["voice_list"] == []  # exact prefix match


@pytest.mark.parametrize(("field", "value"), [("page_index", -1), ("page_size", 0), ("page_size", 1001)])
def test_list_paging_limits(emulator: EmulatorServer, field: str, value: int) -> None:
    params: dict[str, Any] = {field: value}
    body = assert_error(list_voices(emulator, **params), 400, INVALID)
    assert f"parameter({field})" in body["message"]


def test_list_defaults_when_paging_omitted(emulator: EmulatorServer) -> None:
    response = call(emulator, {"action": "list_voice"})
    assert response.status_code == 200 and response.json()["output"] == {"voice_list": []}


def test_deploying_then_ok_after_the_ready_delay(emulator: EmulatorServer, sample_server: SampleServer) -> None:
    now = [1_800_000_000.0]
    emulator.backend.clock = lambda: now[0]
    emulator.backend.ready_delay_s = 30
    voice_id = create_ok(emulator, sample_server.url(GOOD_SAMPLE))
    assert query(emulator, voice_id).json()["output"]["status"] == "DEPLOYING"
    assert list_voices(emulator).json()["output"]["voice_list"][0]["status"] == "DEPLOYING"
    now[0] += 29.9
    assert query(emulator, voice_id).json()["output"]["status"] == "DEPLOYING"
    now[0] += 0.2
    assert query(emulator, voice_id).json()["output"]["status"] == "OK"
    # update_voice restarts the review
    now[0] += 100
    call(emulator, {"action": "update_voice", "voice_id": voice_id, "url": sample_server.url("good/flite-rms.wav")})
    output = query(emulator, voice_id).json()["output"]
    assert output["status"] == "DEPLOYING"
    assert output["gmt_modified"] > output["gmt_create"]


def test_changing_the_delay_affects_only_new_voices(emulator: EmulatorServer, sample_server: SampleServer) -> None:
    voice_id = create_ok(emulator, sample_server.url(GOOD_SAMPLE))
    emulator.backend.ready_delay_s = 3600
    assert query(emulator, voice_id).json()["output"]["status"] == "OK"


# ----- samples are judged as the service does --------------------------------------------------------------


@pytest.mark.parametrize(
    ("sample", "status", "code", "message"),
    [
        ("bad/float32.wav", 400, "BadRequest.UnsupportedFileFormat", "File format unsupported."),
        ("bad/opus-named-as.mp3", 400, "BadRequest.UnsupportedFileFormat", "File format unsupported."),
        ("bad/not-audio.wav", 400, "Audio.DecoderError", "Decoder audio file failed."),
        ("bad/empty.wav", 400, "Audio.DecoderError", "Decoder audio file failed."),
        ("bad/truncated.mp3", 400, "Audio.DecoderError", "Decoder audio file failed."),
        ("bad/rate-8k.wav", 400, "Audio.AudioRateError", "File sample rate unsupported."),
        ("bad/silence-12s.wav", 400, "Audio.AudioSilentError", "silent audio error."),
        ("bad/white-noise-12s.wav", 400, "Audio.AudioSilentError", "silent audio error."),
        ("bad/stereo-speech-only-right.wav", 400, "Audio.AudioSilentError", "silent audio error."),
        ("bad/short-3s.wav", 400, "Audio.AudioShortError", "valid audio too short!"),
        ("bad/too-long-65s.wav", 500, "InternalError", "audio preprocess server error"),
    ],
)
def test_bad_samples_are_refused(
    emulator: EmulatorServer, sample_server: SampleServer, sample: str, status: int, code: str, message: str
) -> None:
    assert_error(create(emulator, sample_server.url(sample)), status, code, message)
    assert list_voices(emulator).json()["output"]["voice_list"] == []


@pytest.mark.parametrize("sample", ["bad/pause-3s.wav", "bad/clipped.wav"])
def test_review_level_problems_end_undeployed(
    emulator: EmulatorServer, sample_server: SampleServer, sample: str
) -> None:
    voice_id = create_ok(emulator, sample_server.url(sample))
    assert query(emulator, voice_id).json()["output"]["status"] == "UNDEPLOYED"


@pytest.mark.parametrize(
    "sample", ["good/librivox-reader-15s.mp3", "good/librivox-reader-15s.m4a", "warn/noisy-speech.wav"]
)
def test_good_and_warned_samples_are_accepted(
    emulator: EmulatorServer, sample_server: SampleServer, sample: str
) -> None:
    voice_id = create_ok(emulator, sample_server.url(sample))
    assert query(emulator, voice_id).json()["output"]["status"] == "OK"


def test_update_with_a_bad_sample_is_refused_and_keeps_the_voice(
    emulator: EmulatorServer, sample_server: SampleServer
) -> None:
    voice_id = create_ok(emulator, sample_server.url(GOOD_SAMPLE))
    response = call(
        emulator, {"action": "update_voice", "voice_id": voice_id, "url": sample_server.url("bad/short-3s.wav")}
    )
    assert_error(response, 400, "Audio.AudioShortError")
    assert query(emulator, voice_id).json()["output"]["resource_link"] == sample_server.url(GOOD_SAMPLE)


def test_median_pitch_is_kept_for_synthesis(emulator: EmulatorServer, sample_server: SampleServer) -> None:
    low = create_ok(emulator, sample_server.url(GOOD_SAMPLE))
    high = create_ok(emulator, sample_server.url("good/flite-slt.wav"))
    tenant = emulator.backend.authenticate("Bearer sk-emulator-test-0123456789")
    assert tenant is not None
    low_view = emulator.backend.find_voice(tenant, low)
    high_view = emulator.backend.find_voice(tenant, high)
    assert low_view is not None and high_view is not None
    assert low_view.status == "OK" and low_view.target_model == "cosyvoice-v3-plus"
    assert low_view.f0_hz is not None and high_view.f0_hz is not None
    assert 70 < low_view.f0_hz < 160 < high_view.f0_hz < 300
    assert emulator.backend.find_voice(tenant, "cosyvoice-v3-plus-x-" + "0" * 32) is None


def test_an_emulator_bug_still_answers_the_envelope(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(emulator.backend, "list_voices", broken)
    response = list_voices(emulator)
    assert_error(response, 500, "InternalError")
    assert "boom" in response.headers["x-emulator-detail"]
