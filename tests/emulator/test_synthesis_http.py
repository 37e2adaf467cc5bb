"""HTTP synthesis (contract §6) against the in-process emulator, plain JSON and SSE, with httpx."""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from cosyclone.audio.io import decode
from cosyclone.emulator.faults import Fault
from cosyclone.emulator.server import EmulatorServer
from cosyclone.schema.synthesis import HttpSynthesisResponse, billed_characters
from tests.helpers.emulator_fixtures import EMULATOR_API_KEY

MODEL = "cosyvoice-v3-flash"
ENGINE_418 = "[cosyvoice:]Engine return error code: 418"
TEXT = "Hello there. 你好世界。Last part"
AUTH = {"Authorization": f"Bearer {EMULATOR_API_KEY}"}
SSE = {**AUTH, "X-DashScope-SSE": "enable"}


@dataclass
class Frame:
    lines: list[str]

    @property
    def event(self) -> str:
        return next(line[len("event:") :] for line in self.lines if line.startswith("event:"))

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(next(line[len("data:") :] for line in self.lines if line.startswith("data:")))
        return data


def frames_of(body: str) -> list[Frame]:
    return [Frame(block.split("\n")) for block in body.split("\n\n") if block.strip()]


def seed(emulator: EmulatorServer, *, model: str = MODEL, **kw: Any) -> str:
    tenant = emulator.backend.tenant_of_key(EMULATOR_API_KEY)
    return emulator.backend.seed_voice(tenant, target_model=model, **kw).voice_id


def synthesize(
    emulator: EmulatorServer,
    voice: str,
    text: str = TEXT,
    *,
    headers: dict[str, str] = AUTH,
    model: str = MODEL,
    **inputs: Any,
) -> httpx.Response:
    body = {"model": model, "input": {"text": text, "voice": voice, **inputs}}
    return httpx.post(f"{emulator.http_base_url}/services/audio/tts/SpeechSynthesizer", json=body, headers=headers)


def test_bad_key_is_401_invalid_api_key(emulator: EmulatorServer) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}):
        response = synthesize(emulator, "longanyang", headers=headers)
        assert response.status_code == 401
        assert response.json()["code"] == "InvalidApiKey" and response.json()["request_id"]


def test_plain_request_returns_a_url_to_one_complete_file(emulator: EmulatorServer) -> None:
    voice = seed(emulator)
    response = synthesize(emulator, voice, format="wav", sample_rate=24000)
    assert response.status_code == 200
    body = HttpSynthesisResponse.model_validate(response.json())
    assert body.output.finish_reason == "stop" and body.output.audio is not None
    audio = body.output.audio
    assert audio.data == "" and audio.id == f"audio_{body.request_id}"
    assert audio.expires_at is not None and abs(audio.expires_at - (time.time() + 86400)) < 60
    assert body.usage is not None and body.usage.characters == billed_characters(TEXT.replace(" 你", "你"))
    assert audio.url is not None and audio.url.startswith(emulator.base_url + "/")
    download = httpx.get(audio.url)
    assert download.status_code == 200
    decoded = decode(download.content)
    assert (decoded.info.codec, decoded.sample_rate) == ("pcm_s16le", 24000)
    assert decoded.samples.shape[0] / 24000 > 2.0


def test_server_defaults_are_mp3_at_22050(emulator: EmulatorServer) -> None:
    url = synthesize(emulator, seed(emulator)).json()["output"]["audio"]["url"]
    decoded = decode(httpx.get(url).content)
    assert (decoded.info.codec, decoded.sample_rate) == ("mp3", 22050)


@pytest.mark.parametrize(("fmt", "rate"), [("pcm", 16000), ("wav", 8000), ("mp3", 44100), ("opus", 48000)])
def test_sse_streams_sentences_then_a_final_event(emulator: EmulatorServer, fmt: str, rate: int) -> None:
    voice = seed(emulator)
    response = synthesize(emulator, voice, headers=SSE, format=fmt, sample_rate=rate)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    frames = frames_of(response.text)
    for number, frame in enumerate(frames, start=1):
        assert frame.lines == [f"id:{number}", "event:result", ":HTTP_STATUS/200", frame.lines[3]]
        HttpSynthesisResponse.model_validate(frame.data)
    *middle, final = [f.data for f in frames]
    assert [m["output"]["type"] for m in middle] == ["sentence-begin", "sentence-synthesis", "sentence-end"] * 3
    assert all(m["output"]["finish_reason"] == "null" for m in middle)
    assert [m["output"]["original_text"] for m in middle if m["output"]["type"] == "sentence-begin"] == [
        "Hello there.",
        "你好世界。",
        "Last part",
    ]
    chunks = [base64.b64decode(m["output"]["audio"]["data"]) for m in middle]
    assert [bool(c) for c in chunks] == [False, True, False] * 3
    assert final["output"]["finish_reason"] == "stop" and final["output"]["audio"]["data"] == ""
    assert final["usage"]["characters"] == middle[-1]["usage"]["characters"] == 31
    streamed = b"".join(chunks)
    stored = httpx.get(final["output"]["audio"]["url"]).content
    if fmt == "pcm":
        assert streamed == stored
        return
    for data in (streamed, stored):
        decoded = decode(data)
        assert decoded.sample_rate == (48000 if fmt == "opus" else rate)
        assert decoded.samples.shape[0] / decoded.sample_rate > 2.0


def test_accept_event_stream_also_selects_sse(emulator: EmulatorServer) -> None:
    response = synthesize(emulator, seed(emulator), headers={**AUTH, "Accept": "text/event-stream"})
    assert frames_of(response.text)[-1].data["output"]["finish_reason"] == "stop"


def test_voice_model_mismatch_is_400_with_the_418_message(emulator: EmulatorServer) -> None:
    voice = seed(emulator)
    for headers in (AUTH, SSE):  # refused before streaming: a plain envelope either way
        response = synthesize(emulator, voice, model="cosyvoice-v3-plus", headers=headers)
        assert response.status_code == 400
        assert (response.json()["code"], response.json()["message"]) == ("InvalidParameter", ENGINE_418)
    unknown = synthesize(emulator, f"{MODEL}-ghost-{uuid.uuid4().hex}")
    assert unknown.status_code == 400 and unknown.json()["message"] == ENGINE_418


@pytest.mark.parametrize(
    ("model", "inputs"),
    [
        ("cosyvoice-v1", {}),  # not served over HTTP
        (MODEL, {"text": ""}),
        (MODEL, {"text": "好" * 10_001}),
        (MODEL, {"format": "aac"}),
        (MODEL, {"sample_rate": 32000}),
        (MODEL, {"volume": -1}),
    ],
)
def test_invalid_requests_are_400_invalid_parameter(
    emulator: EmulatorServer, model: str, inputs: dict[str, Any]
) -> None:
    response = synthesize(emulator, "longanyang", model=model, **inputs)
    assert response.status_code == 400 and response.json()["code"] == "InvalidParameter"


def test_body_that_is_not_json_is_400(emulator: EmulatorServer) -> None:
    url = f"{emulator.http_base_url}/services/audio/tts/SpeechSynthesizer"
    response = httpx.post(url, content=b"not json", headers=AUTH)
    assert response.status_code == 400 and response.json()["code"] == "InvalidParameter"


def test_fault_http_error_answers_its_status_and_retry_after(emulator: EmulatorServer) -> None:
    emulator.backend.faults.add(Fault(target="synthesis_http", kind="http_error", status=429, retry_after_s=2))
    response = synthesize(emulator, seed(emulator))
    assert response.status_code == 429 and response.headers["retry-after"] == "2"
    assert response.json()["code"] == "Throttling.RateQuota"


def test_fault_task_failed_mid_stream_is_an_sse_error_event(emulator: EmulatorServer) -> None:
    emulator.backend.faults.add(
        Fault(target="synthesis_http", kind="task_failed", after_sentences=1, status=500, code="InternalError")
    )
    frames = frames_of(synthesize(emulator, seed(emulator), headers=SSE).text)
    assert [f.event for f in frames] == ["result"] * 3 + ["error"]
    error = frames[-1]
    assert error.lines[:4] == ["id:4", "event:error", ":HTTP_STATUS/500", "status:500"]
    assert error.data["code"] == "InternalError" and error.data["request_id"]


def test_fault_task_failed_on_a_plain_request_is_an_envelope(emulator: EmulatorServer) -> None:
    emulator.backend.faults.add(Fault(target="synthesis_http", kind="task_failed", status=503, message="down"))
    response = synthesize(emulator, seed(emulator))
    assert response.status_code == 503 and response.json()["message"] == "down"


@pytest.mark.parametrize("headers", [AUTH, SSE])
def test_fault_ws_close_cuts_the_connection(emulator: EmulatorServer, headers: dict[str, str]) -> None:
    emulator.backend.faults.add(Fault(target="synthesis_http", kind="ws_close", after_sentences=1))
    with pytest.raises(httpx.RemoteProtocolError):
        synthesize(emulator, seed(emulator), headers=headers)


def test_fault_latency_and_sentence_latency_delay_the_reply(emulator: EmulatorServer) -> None:
    emulator.backend.faults.add(Fault(target="synthesis_http", kind="latency", delay_s=0.2))
    emulator.backend.sentence_latency_s = 0.1
    start = time.monotonic()
    assert synthesize(emulator, seed(emulator)).status_code == 200
    assert time.monotonic() - start >= 0.2 + 3 * 0.1


def test_sse_carries_word_timestamps_when_enabled(emulator: EmulatorServer) -> None:
    frames = frames_of(
        synthesize(emulator, seed(emulator), "Good morning. Fine day.", headers=SSE, word_timestamp_enabled=True).text
    )
    ends = [f.data["output"] for f in frames if f.data["output"].get("type") == "sentence-end"]
    words = [w for end in ends for w in end["sentence"]["words"]]
    assert [w["text"] for w in words] == ["Good", "morning", "Fine", "day"]
    assert words[2]["begin_time"] > words[1]["end_time"] > 0
