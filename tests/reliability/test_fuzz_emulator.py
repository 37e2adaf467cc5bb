"""Bad input, generated, against the live emulator's request handlers (httpx and a WebSocket client).

Arbitrary JSON bodies and headers to the customization endpoint, ``getPolicy``, the upload form and HTTP
synthesis (plain and SSE), and arbitrary frames over the synthesis WebSocket. No fault is armed, so:

- HTTP: never a 5xx but the documented ones (500 ``InternalError`` for an unreachable/refused sample URL or an
  over-long sample, with the reason in ``X-Emulator-Detail``); every refusal on an API path is the DashScope
  envelope ``{request_id, code, message}``; upload refusals are OSS XML.
- WebSocket: every text frame the server sends is a DashScope event, bad frames are answered with
  ``task-failed``, the server never closes with 1011 (its own crash), and after the garbage it still answers a
  well-formed ``run-task``.

Generated URLs stay on this machine (the package's tripwire refuses DNS and non-loopback connections).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from cosyclone.catalog import TARGET_MODELS
from cosyclone.emulator.server import EmulatorServer
from cosyclone.schema.errors import ErrorEnvelope
from cosyclone.schema.synthesis import ServerEvent
from tests.helpers.emulator_fixtures import EMULATOR_API_KEY, SampleServer
from tests.reliability.conftest import EXPLORE, EXPLORE_FACTOR

FUZZ = settings(
    max_examples=30 * EXPLORE_FACTOR,
    deadline=None,
    derandomize=not EXPLORE,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
DOCUMENTED_500_DETAILS = ("sample download failed:", "preflight: too_long")
CUSTOMIZATION = "/api/v1/services/audio/tts/customization"
SYNTHESIS = "/api/v1/services/audio/tts/SpeechSynthesizer"

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=15,
)
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
auth_headers = st.sampled_from(
    [f"Bearer {EMULATOR_API_KEY}", "Bearer sk-other", "Bearer ", "Bearer nope", "Basic abc", "", "sk-raw"]
) | header_text.map(lambda t: f"Bearer {t}")


def _headers(auth: str, extra: dict[str, str]) -> dict[str, str]:
    """Headers as a client can send them (HTTP forbids leading/trailing blanks in a value)."""
    skip = ("content-length", "host", "transfer-encoding")
    headers = {k: v.strip() for k, v in extra.items() if k.lower() not in skip}
    if auth.strip():
        headers["Authorization"] = auth.strip()
    return headers


extra_headers = st.dictionaries(
    st.sampled_from(
        ["X-DashScope-OssResourceResolve", "X-DashScope-WorkSpace", "X-DashScope-SSE", "Accept", "Content-Type"]
    )
    | st.from_regex(r"X-[A-Za-z]{1,8}", fullmatch=True),
    st.sampled_from(["enable", "disable", "text/event-stream", "application/json", ""]) | header_text,
    max_size=3,
)


def assert_dashscope_reply(response: httpx.Response) -> None:
    """Documented status, and the envelope on every refusal."""
    detail = response.headers.get("x-emulator-detail", "")
    if response.status_code >= 500:
        assert detail.startswith(DOCUMENTED_500_DETAILS), (
            f"undocumented {response.status_code}: detail={detail!r} body={response.text[:300]!r}"
        )
    if response.status_code >= 400:
        envelope = ErrorEnvelope.model_validate(response.json())
        assert envelope.request_id and envelope.code and envelope.message, response.text
    else:
        assert response.status_code == 200, response.status_code
        assert response.json()["request_id"]


@pytest.fixture
def http(emulator: EmulatorServer) -> Any:
    with httpx.Client(base_url=emulator.base_url, timeout=30) as client:
        yield client


# ----- customization ----------------------------------------------------------------------------------------

ACTIONS = ["create_voice", "list_voice", "query_voice", "update_voice", "delete_voice"]


@st.composite
def enrollment_bodies(draw: st.DrawFn, voice_ids: list[str], urls: list[str]) -> Any:
    if draw(st.integers(0, 4)) == 0:
        return draw(json_values)
    field_values = {
        "action": st.sampled_from([*ACTIONS, "list_voices", ""]) | json_scalars,
        "target_model": st.sampled_from([*TARGET_MODELS, "x"]) | json_values,
        "prefix": st.from_regex(r"[A-Za-z0-9]{1,11}", fullmatch=True) | json_values,
        "url": st.sampled_from([*urls, "oss://nothing/here.wav", "ftp://x", "http://10.0.0.1/a.wav"]) | json_values,
        "voice_id": st.sampled_from([*voice_ids, "cosyvoice-v3.5-plus-x-0"]) | json_values,
        "page_index": st.integers(-2, 3) | json_values,
        "page_size": st.integers(-1, 1002) | json_values,
        "language_hints": st.lists(st.text(max_size=3), max_size=2) | json_values,
        "max_prompt_audio_length": st.floats(0, 40) | json_values,
        "enable_preprocess": json_values,
    }
    names = draw(st.lists(st.sampled_from(sorted(field_values)), unique=True, max_size=6))
    body_input = {name: draw(field_values[name]) for name in names}
    body: dict[str, Any] = {
        "model": draw(st.sampled_from(["voice-enrollment", "voice-enrollment", "other"]) | json_scalars),
        "input": body_input if draw(st.integers(0, 5)) else draw(json_values),
    }
    if draw(st.booleans()):
        body["parameters"] = draw(json_values)
    return body


@pytest.fixture
def seeded(emulator: EmulatorServer, sample_server: SampleServer) -> tuple[list[str], list[str]]:
    tenant = emulator.backend.tenant_of_key(EMULATOR_API_KEY)
    voice = emulator.backend.seed_voice(tenant, prefix="fuzz", f0_hz=110.0)
    urls = [sample_server.url("good/flite-awb.wav"), sample_server.url("bad/short-3s.wav"), sample_server.url("nope")]
    return [voice.voice_id], urls


@FUZZ
@given(data=st.data(), auth=auth_headers, extra=extra_headers)
@example(data=None, auth=f"Bearer {EMULATOR_API_KEY}", extra={})
def test_customization_answers_every_body(
    http: httpx.Client, seeded: tuple[list[str], list[str]], data: Any, auth: str, extra: dict[str, str]
) -> None:
    voice_ids, urls = seeded
    body = data.draw(enrollment_bodies(voice_ids, urls)) if data is not None else {"input": {"action": 7}}
    raw = data.draw(st.booleans()) if data is not None else False
    content = json.dumps(body).encode() if not raw else data.draw(st.binary(max_size=60))
    headers = {"Content-Type": "application/json", **_headers(auth, extra)}
    response = http.post(CUSTOMIZATION, content=content, headers=headers)
    assert_dashscope_reply(response)


# ----- uploads ----------------------------------------------------------------------------------------------


@FUZZ
@given(params=st.dictionaries(st.sampled_from(["action", "model", "x"]), header_text, max_size=3), auth=auth_headers)
def test_get_policy_answers_every_query(http: httpx.Client, params: dict[str, str], auth: str) -> None:
    response = http.get("/api/v1/uploads", params=params, headers=_headers(auth, {}))
    assert_dashscope_reply(response)


@FUZZ
@given(
    fields=st.dictionaries(
        st.sampled_from(
            ["OSSAccessKeyId", "Signature", "policy", "key", "success_action_status", "x-oss-forbid-overwrite"]
        )
        | header_text,
        header_text,
        max_size=6,
    ),
    file=st.none() | st.binary(max_size=200),
    raw=st.none() | st.binary(max_size=300),
    content_type=st.sampled_from(
        ["multipart/form-data; boundary=xyz", "multipart/form-data", "application/json", "text/plain"]
    ),
)
def test_upload_form_answers_every_post(
    http: httpx.Client, fields: dict[str, str], file: bytes | None, raw: bytes | None, content_type: str
) -> None:
    if raw is not None:
        response = http.post("/_emulator/oss", content=raw, headers={"Content-Type": content_type})
    else:
        files = {"file": ("a.wav", file, "audio/wav")} if file is not None else None
        response = http.post("/_emulator/oss", data=fields, files=files)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/xml")
        assert "<Error>" in response.text and "<Code>" in response.text


def test_an_upload_with_a_real_policy_and_a_forged_key_is_refused(http: httpx.Client) -> None:
    policy = http.get(
        "/api/v1/uploads",
        params={"action": "getPolicy", "model": "voice-enrollment"},
        headers={"Authorization": f"Bearer {EMULATOR_API_KEY}"},
    ).json()["data"]
    fields = {
        "OSSAccessKeyId": policy["oss_access_key_id"],
        "Signature": policy["signature"],
        "policy": policy["policy"],
        "key": "../../etc/passwd",
        "success_action_status": "200",
    }
    response = http.post("/_emulator/oss", data=fields, files={"file": ("x", b"data", "audio/wav")})
    assert response.status_code in (400, 403), response.text


# ----- HTTP synthesis ---------------------------------------------------------------------------------------


@st.composite
def synthesis_bodies(draw: st.DrawFn, voice_ids: list[str]) -> Any:
    if draw(st.integers(0, 4)) == 0:
        return draw(json_values)
    params = {
        "text": st.text(max_size=40)
        | st.sampled_from(["Hello there. How are you?", "<speak>Hi</speak>"])
        | json_values,
        "voice": st.sampled_from([*voice_ids, "longxiaochun", ""]) | json_values,
        "format": st.sampled_from(["mp3", "wav", "pcm", "opus", "Default", "flac"]) | json_values,
        "sample_rate": st.sampled_from([8000, 16000, 22050, 0, -1, 96000]) | json_values,
        "volume": st.integers(-10, 110) | json_values,
        "rate": st.floats(0, 3) | json_values,
        "pitch": st.floats(0, 3) | json_values,
        "enable_ssml": json_values,
        "word_timestamp_enabled": json_values,
        "seed": st.integers(-1, 70000) | json_values,
        "bit_rate": json_values,
        "language_hints": json_values,
        "instruction": json_values,
    }
    names = draw(st.lists(st.sampled_from(sorted(params)), unique=True, max_size=6))
    body_input: dict[str, Any] = {"text": "Hi.", "voice": "longxiaochun"} if draw(st.booleans()) else {}
    body_input.update({name: draw(params[name]) for name in names})
    model = draw(st.sampled_from([*TARGET_MODELS, "cosyvoice-v3-flash", "nope"]) | json_scalars)
    return {"model": model, "input": body_input}


@FUZZ
@given(data=st.data(), auth=auth_headers, sse=st.booleans())
def test_http_synthesis_answers_every_body(
    http: httpx.Client, seeded: tuple[list[str], list[str]], data: Any, auth: str, sse: bool
) -> None:
    voice_ids, _ = seeded
    body = data.draw(synthesis_bodies(voice_ids))
    headers = _headers(auth, {"X-DashScope-SSE": "enable"} if sse else {})
    with http.stream("POST", SYNTHESIS, json=body, headers=headers) as response:
        response.read()
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        frames = [line[5:] for line in response.text.splitlines() if line.startswith("data:")]
        assert frames, "an SSE stream carries at least one event"
        for frame in frames:
            assert json.loads(frame)["request_id"]
        return
    assert_dashscope_reply(response)


# ----- WebSocket --------------------------------------------------------------------------------------------

PROBE_MODEL = "cosyvoice-v3-flash"


def _run_task(task_id: str, *, parameters: Any = None, text: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "task_group": "audio",
        "task": "tts",
        "function": "SpeechSynthesizer",
        "model": PROBE_MODEL,
        "parameters": parameters if parameters is not None else {"voice": "longxiaochun", "format": "pcm"},
        "input": {"text": text} if text else {},
    }
    return {"header": {"action": "run-task", "task_id": task_id, "streaming": "duplex"}, "payload": payload}


@st.composite
def client_frames(draw: st.DrawFn, task_id: str) -> str | bytes:
    kind = draw(st.integers(0, 6))
    if kind == 0:
        return draw(st.binary(max_size=40))
    if kind == 1:
        return draw(st.text(max_size=60))
    if kind == 2:
        return json.dumps(draw(json_values))
    action = draw(st.sampled_from(["run-task", "continue-task", "finish-task"]) | json_scalars)
    header: Any = {"action": action, "task_id": draw(st.sampled_from([task_id, "other"]) | json_scalars)}
    if draw(st.integers(0, 5)) == 0:
        header = draw(json_values)
    if kind == 3 and action == "run-task":
        payload: Any = _run_task(task_id, parameters=draw(json_values | st.just(None)))["payload"]
    elif kind == 4:
        payload = {"input": draw(json_values | st.fixed_dictionaries({"text": st.text(max_size=30)}))}
    else:
        payload = draw(json_values)
    if isinstance(payload, dict) and not isinstance(payload.get("input", {}), dict) and payload["input"]:
        payload["input"] = {}  # the known crash, kept apart in test_finish_task_with_a_non_object_input
    return json.dumps({"header": header, "payload": payload})


def _events(ws: ClientConnection, *, until_task: str, timeout_s: float = 10.0) -> list[ServerEvent]:
    """Read frames until an event for ``until_task`` that ends or starts it; every text frame must parse."""
    events: list[ServerEvent] = []
    while True:
        frame = ws.recv(timeout=timeout_s)
        if isinstance(frame, bytes):
            continue
        event = ServerEvent.model_validate_json(frame)
        events.append(event)
        if event.header.task_id == until_task and event.header.event in ("task-started", "task-failed"):
            return events


def _survives(emulator: EmulatorServer, frames: list[str | bytes]) -> None:
    headers = {"Authorization": f"Bearer {EMULATOR_API_KEY}"}
    with connect(emulator.ws_url, additional_headers=headers, open_timeout=10, max_size=None) as ws:
        try:
            for frame in frames:
                ws.send(frame)
            probe = uuid.uuid4().hex
            ws.send(json.dumps(_run_task(probe)))
            events = _events(ws, until_task=probe)
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd is not None else None
            raise AssertionError(f"the emulator closed the WebSocket ({code}) after {frames!r}") from closed
    for event in events:
        if event.header.event == "task-failed":
            assert event.header.error_code and event.header.error_message


@settings(
    max_examples=30 * EXPLORE_FACTOR,
    deadline=None,
    derandomize=not EXPLORE,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_websocket_survives_any_frames(emulator: EmulatorServer, data: Any) -> None:
    task_id = uuid.uuid4().hex
    _survives(emulator, data.draw(st.lists(client_frames(task_id), min_size=1, max_size=5)))


@pytest.mark.parametrize("bad_input", ["x", ["cancel"], 1])
def test_finish_task_with_a_non_object_input(emulator: EmulatorServer, bad_input: Any) -> None:
    task_id = uuid.uuid4().hex
    finish = {"header": {"action": "finish-task", "task_id": task_id}, "payload": {"input": bad_input}}
    _survives(emulator, [json.dumps(_run_task(task_id)), json.dumps(finish)])


def test_websocket_refuses_a_bad_key_at_the_handshake(emulator: EmulatorServer) -> None:
    from websockets.exceptions import InvalidStatus

    with pytest.raises(InvalidStatus) as info:
        connect(emulator.ws_url, additional_headers={"Authorization": "Bearer nope"}, open_timeout=10)
    assert info.value.response.status_code in (401, 403)
