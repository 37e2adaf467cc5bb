"""One encoder per task: a streamed multi-sentence MP3 or Opus result is one stream that decoders read whole.

Before, each sentence was encoded on its own: an Opus result was a chained Ogg file of which libsndfile
(soundfile) reads only the first sentence, and every MP3 sentence brought its own priming and padding. Over real
sockets (WebSocket and HTTP/SSE), each result is decoded with soundfile and with PyAV and must last as long as the
PCM of the same request (same voice, text and seed).
"""

from __future__ import annotations

import base64
import io
import json
import uuid
from typing import Any

import av
import httpx
import pytest
import soundfile as sf
from websockets.sync.client import connect

from cosyclone.emulator.server import EmulatorServer
from tests.helpers.emulator_fixtures import EMULATOR_API_KEY

MODEL = "cosyvoice-v3-flash"
AUTH = {"Authorization": f"Bearer {EMULATOR_API_KEY}"}
#: Eight sentences, Latin and CJK.
TEXT = (
    "The first sentence is here. A second one follows! Is this the third? Yes, and a fourth. "
    "第五句话。第六句话！Seven comes next. And eight ends it."
)
SENTENCES = 8
#: What an MP3 stream adds, once per task: the encoder's priming and padding (a stream has no Info tag to trim
#: them); the most at 8 kHz, ≈ 0.21 s.
MP3_SLACK_S = 0.25
OPUS_SLACK_S = 0.01


def seed(emulator: EmulatorServer) -> str:
    tenant = emulator.backend.tenant_of_key(EMULATOR_API_KEY)
    return emulator.backend.seed_voice(tenant, target_model=MODEL).voice_id


def ws_task(emulator: EmulatorServer, voice: str, **parameters: Any) -> tuple[list[str], list[bytes]]:
    """Run one task over the WebSocket: the order of what came (event types and "audio") and the binary frames."""
    task_id = uuid.uuid4().hex
    header = {"task_id": task_id, "streaming": "duplex"}
    params = {"text_type": "PlainText", "voice": voice, **parameters}
    run = {"task_group": "audio", "task": "tts", "function": "SpeechSynthesizer", "model": MODEL}
    order: list[str] = []
    frames: list[bytes] = []
    with connect(emulator.ws_url, additional_headers=AUTH) as conn:
        conn.send(json.dumps({"header": {**header, "action": "run-task"}, "payload": {**run, "parameters": params}}))
        conn.send(json.dumps({"header": {**header, "action": "continue-task"}, "payload": {"input": {"text": TEXT}}}))
        conn.send(json.dumps({"header": {**header, "action": "finish-task"}, "payload": {"input": {}}}))
        while not order or order[-1] not in ("task-finished", "task-failed"):
            message = conn.recv(timeout=20)
            if isinstance(message, bytes):
                frames.append(message)
                order.append("audio")
            else:
                event = json.loads(message)
                order.append(event["payload"].get("output", {}).get("type") or event["header"]["event"])
    assert order[-1] == "task-finished", order
    return order, frames


def sse_task(emulator: EmulatorServer, voice: str, **inputs: Any) -> tuple[list[bytes], str]:
    """HTTP synthesis with SSE: the audio chunks of the sentence-synthesis events, and the final event's URL."""
    body = {"model": MODEL, "input": {"text": TEXT, "voice": voice, **inputs}}
    response = httpx.post(
        f"{emulator.http_base_url}/services/audio/tts/SpeechSynthesizer",
        json=body,
        headers={**AUTH, "X-DashScope-SSE": "enable"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    events = [json.loads(line[len("data:") :]) for line in response.text.split("\n") if line.startswith("data:")]
    chunks = [base64.b64decode(e["output"]["audio"]["data"]) for e in events[:-1]]
    assert events[-1]["output"]["finish_reason"] == "stop"
    return [c for c in chunks if c], events[-1]["output"]["audio"]["url"]


def pcm_seconds(emulator: EmulatorServer, voice: str, rate: int) -> float:
    _, frames = ws_task(emulator, voice, format="pcm", sample_rate=rate)
    return len(b"".join(frames)) / 2 / rate


def soundfile_seconds(data: bytes) -> float:
    samples, rate = sf.read(io.BytesIO(data))
    return float(len(samples) / rate)


def pyav_seconds(data: bytes) -> float:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        return sum(frame.samples for frame in container.decode(stream)) / stream.rate


def ogg_streams(data: bytes) -> int:
    """How many logical Ogg streams begin in ``data`` (pages with the beginning-of-stream flag)."""
    count, at = 0, data.find(b"OggS")
    while at >= 0:
        count += bool(data[at + 5] & 0x02)
        at = data.find(b"OggS", at + 4)
    return count


def assert_full_length(fmt: str, data: bytes, expected_s: float) -> None:
    slack = MP3_SLACK_S if fmt == "mp3" else OPUS_SLACK_S
    for seconds in (soundfile_seconds(data), pyav_seconds(data)):
        assert expected_s - OPUS_SLACK_S <= seconds <= expected_s + slack, (seconds, expected_s)
    if fmt == "opus":
        assert ogg_streams(data) == 1


@pytest.mark.parametrize(("fmt", "rate"), [("opus", 24000), ("opus", 12000), ("mp3", 22050), ("mp3", 8000)])
def test_websocket_result_is_one_stream_of_the_full_length(emulator: EmulatorServer, fmt: str, rate: int) -> None:
    voice = seed(emulator)
    expected_s = pcm_seconds(emulator, voice, rate)
    assert expected_s > 5
    order, frames = ws_task(emulator, voice, format=fmt, sample_rate=rate)
    assert order.count("sentence-synthesis") == SENTENCES and len(frames) == SENTENCES + 1
    assert order[-2:] == ["audio", "task-finished"]  # the encoder's tail, after the last sentence-end
    assert_full_length(fmt, b"".join(frames), expected_s)


@pytest.mark.parametrize(("fmt", "rate"), [("opus", 48000), ("mp3", 24000)])
def test_sse_result_is_one_stream_of_the_full_length(emulator: EmulatorServer, fmt: str, rate: int) -> None:
    voice = seed(emulator)
    expected_s = pcm_seconds(emulator, voice, rate)
    chunks, url = sse_task(emulator, voice, format=fmt, sample_rate=rate)
    assert len(chunks) == SENTENCES  # the tail rides on the last sentence: HTTP knows which one is last
    streamed = b"".join(chunks)
    assert_full_length(fmt, streamed, expected_s)
    assert httpx.get(url).content == streamed


@pytest.mark.parametrize("fmt", ["opus", "mp3"])
def test_plain_http_result_has_the_full_length(emulator: EmulatorServer, fmt: str) -> None:
    voice = seed(emulator)
    expected_s = pcm_seconds(emulator, voice, 16000)
    body = {"model": MODEL, "input": {"text": TEXT, "voice": voice, "format": fmt, "sample_rate": 16000}}
    response = httpx.post(
        f"{emulator.http_base_url}/services/audio/tts/SpeechSynthesizer", json=body, headers=AUTH, timeout=30
    )
    data = httpx.get(response.json()["output"]["audio"]["url"]).content
    # A whole file (seekable while written): MP3 carries an Info tag, so decoders trim the priming exactly.
    assert_full_length(fmt, data, expected_s)
