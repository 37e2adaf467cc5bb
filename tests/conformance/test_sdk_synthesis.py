"""The official ``dashscope`` SDK, unchanged, synthesizing against the emulator: ``tts_v2.SpeechSynthesizer``
(``call``, ``streaming_call``/``streaming_flush``/``streaming_complete`` with a callback) and
``HttpSpeechSynthesizer`` (plain and SSE), with their error paths."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
import pytest

from cosyclone.audio.io import decode
from cosyclone.audio.metrics import median_f0_hz
from cosyclone.emulator.faults import Fault
from tests.conformance.conftest import SDK
from tests.helpers.emulator_fixtures import SampleServer

dashscope = pytest.importorskip("dashscope")
from dashscope.audio.http_tts.http_speech_synthesizer import HttpSpeechSynthesizer  # noqa: E402
from dashscope.audio.tts_v2 import AudioFormat, ResultCallback, SpeechSynthesizer, VoiceEnrollmentService  # noqa: E402
from dashscope.common.error import RequestFailure  # noqa: E402

pytestmark = pytest.mark.conformance

MODEL = "cosyvoice-v3-flash"
ENGINE_418 = "Engine return error code: 418"
TEXT = "你好，世界。This is the emulator speaking! Is it clear?"


def seed(sdk: SDK, *, model: str = MODEL, f0_hz: float | None = 150.0) -> str:
    tenant = sdk.emulator.backend.tenant_of_key(sdk.api_key)
    return sdk.emulator.backend.seed_voice(tenant, target_model=model, f0_hz=f0_hz).voice_id


class Recorder(ResultCallback):  # type: ignore[misc]
    """Collects everything the SDK hands to a callback."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.events: list[dict[str, Any]] = []
        self.data: list[bytes] = []
        self.errors: list[dict[str, Any]] = []
        self.closed = threading.Event()

    def on_open(self) -> None:
        self.calls.append("open")

    def on_event(self, message: str) -> None:
        self.events.append(json.loads(message))

    def on_data(self, data: bytes) -> None:
        self.data.append(data)

    def on_complete(self) -> None:
        self.calls.append("complete")

    def on_error(self, message: Any) -> None:
        self.errors.append(json.loads(message))

    def on_close(self) -> None:
        self.calls.append("close")
        self.closed.set()

    def texts(self, kind: str) -> list[str]:
        return [e["payload"]["output"]["original_text"] for e in self.events if e["payload"]["output"]["type"] == kind]


# ----- WebSocket: SpeechSynthesizer -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "audio_format",
    [
        AudioFormat.DEFAULT,
        AudioFormat.WAV_8000HZ_MONO_16BIT,
        AudioFormat.WAV_48000HZ_MONO_16BIT,
        AudioFormat.MP3_16000HZ_MONO_128KBPS,
        AudioFormat.MP3_44100HZ_MONO_256KBPS,
        AudioFormat.PCM_22050HZ_MONO_16BIT,
        AudioFormat.PCM_24000HZ_MONO_16BIT,
        AudioFormat.OGG_OPUS_16KHZ_MONO_32KBPS,
        AudioFormat.OGG_OPUS_48KHZ_MONO_64KBPS,
    ],
    ids=lambda f: f.name,
)
def test_call_returns_audio_in_the_asked_format(sdk: SDK, audio_format: Any) -> None:
    synthesizer = SpeechSynthesizer(model=MODEL, voice=seed(sdk), format=audio_format)
    audio = synthesizer.call(TEXT)
    assert isinstance(audio, bytes) and audio
    fmt = "mp3" if audio_format.format == "Default" else audio_format.format
    rate = audio_format.sample_rate or 22050
    if fmt == "pcm":
        seconds = len(audio) / 2 / rate
    else:
        decoded = decode(audio)
        assert decoded.info.codec == {"wav": "pcm_s16le", "mp3": "mp3", "opus": "opus"}[fmt]
        assert decoded.sample_rate == (48000 if fmt == "opus" else rate)
        seconds = decoded.samples.shape[0] / decoded.sample_rate
    assert 3.0 < seconds < 8.0
    assert synthesizer.get_last_request_id()


def test_streaming_call_with_a_callback(sdk: SDK) -> None:
    recorder = Recorder()
    synthesizer = SpeechSynthesizer(
        model=MODEL, voice=seed(sdk), format=AudioFormat.PCM_16000HZ_MONO_16BIT, callback=recorder
    )
    for piece in ("Hello wor", "ld. How are ", "you today", "? 我很好。Bye"):
        synthesizer.streaming_call(piece)
    synthesizer.streaming_complete()
    assert recorder.calls == ["open", "complete", "close"]
    assert recorder.texts("sentence-begin") == ["Hello world.", "How are you today?", "我很好。", "Bye"]
    assert len(recorder.data) == 4 and not recorder.errors
    ends = [e for e in recorder.events if e["payload"]["output"]["type"] == "sentence-end"]
    assert ends[-1]["payload"]["usage"]["characters"] == len("Hello world.How are you today?Bye") + 8


def test_streaming_flush_speaks_the_unfinished_rest_at_once(sdk: SDK) -> None:
    recorder = Recorder()
    synthesizer = SpeechSynthesizer(model=MODEL, voice=seed(sdk), callback=recorder)
    synthesizer.streaming_call("no sentence end here")
    synthesizer.streaming_flush()
    synthesizer.streaming_call(" and then more.")
    synthesizer.streaming_complete()
    assert recorder.texts("sentence-begin") == ["no sentence end here", "and then more."]


def test_word_timestamps_reach_the_callback(sdk: SDK) -> None:
    recorder = Recorder()
    synthesizer = SpeechSynthesizer(
        model=MODEL, voice=seed(sdk), callback=recorder, additional_params={"word_timestamp_enabled": True}
    )
    synthesizer.streaming_call("Good morning.")
    synthesizer.streaming_complete()
    end = next(e for e in recorder.events if e["payload"]["output"]["type"] == "sentence-end")
    assert [w["text"] for w in end["payload"]["output"]["sentence"]["words"]] == ["Good", "morning"]


def test_an_enrolled_voice_speaks_at_the_pitch_of_its_sample(sdk: SDK, sample_server: SampleServer) -> None:
    service = VoiceEnrollmentService()
    voice_id = service.create_voice(target_model=MODEL, prefix="pitch", url=sample_server.url("good/flite-slt.wav"))
    tenant = sdk.emulator.backend.tenant_of_key(sdk.api_key)
    voice = sdk.emulator.backend.find_voice(tenant, voice_id)
    assert voice is not None and voice.f0_hz is not None
    audio = SpeechSynthesizer(model=MODEL, voice=voice_id, format=AudioFormat.WAV_16000HZ_MONO_16BIT).call(
        "A long enough sentence to measure the pitch of the cloned voice."
    )
    decoded = decode(audio)
    measured = median_f0_hz(decoded.samples[:, 0], sample_rate_hz=decoded.sample_rate)
    assert measured == pytest.approx(voice.f0_hz, rel=0.08)


@pytest.mark.parametrize("case", ["wrong model", "unknown voice", "v3.5 system voice"])
def test_refused_voices_raise_with_the_418_message(sdk: SDK, case: str) -> None:
    voice, model = {
        "wrong model": (seed(sdk), "cosyvoice-v3-plus"),
        "unknown voice": (f"{MODEL}-ghost-0123456789abcdef0123456789abcdef", MODEL),
        "v3.5 system voice": ("longanyang", "cosyvoice-v3.5-plus"),
    }[case]
    with pytest.raises(RequestFailure, match=ENGINE_418) as raised:
        SpeechSynthesizer(model=model, voice=voice).call("Hello.")
    assert "InvalidParameter" in str(raised.value)
    with pytest.raises(RequestFailure, match=ENGINE_418):  # callback mode: the SDK raises at start too
        SpeechSynthesizer(model=model, voice=voice, callback=Recorder()).streaming_call("Hello.")


def test_a_task_failing_midway_reaches_on_error(sdk: SDK) -> None:
    sdk.emulator.backend.faults.add(
        Fault(target="synthesis_ws", kind="task_failed", after_sentences=1, code="InternalError")
    )
    recorder = Recorder()
    synthesizer = SpeechSynthesizer(model=MODEL, voice=seed(sdk), callback=recorder)
    synthesizer.streaming_call("One. Two. Three.")
    synthesizer.streaming_complete()
    assert recorder.closed.wait(5)
    assert [e["header"]["error_code"] for e in recorder.errors] == ["InternalError"]
    assert len(recorder.data) == 1


def test_idle_timeout_fails_the_sdk_task(sdk: SDK) -> None:
    sdk.emulator.backend.idle_timeout_s = 0.3
    recorder = Recorder()
    synthesizer = SpeechSynthesizer(model=MODEL, voice=seed(sdk), callback=recorder)
    synthesizer.streaming_call("Waiting for")
    assert recorder.closed.wait(5)
    assert recorder.errors[0]["header"]["error_message"] == "request timeout after 0.3 seconds."


def test_the_sdk_websocket_library_sees_the_refused_handshake_as_401(sdk: SDK) -> None:
    websocket = pytest.importorskip("websocket")  # websocket-client, what the SDK connects with
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(sdk.emulator.ws_url, header={"Authorization": "Bearer not-a-valid-key"})
    assert refused.value.status_code == 401


@pytest.mark.slow
def test_a_refused_key_fails_the_connection(sdk: SDK) -> None:
    dashscope.api_key = "not-a-valid-key"
    with pytest.raises(TimeoutError):  # the SDK waits 5 s for a socket the refused handshake never opens
        SpeechSynthesizer(model=MODEL, voice="longanyang").call("Hello.")


# ----- HTTP: HttpSpeechSynthesizer ----------------------------------------------------------------------------------


def test_http_plain_call_returns_a_downloadable_url(sdk: SDK) -> None:
    result = HttpSpeechSynthesizer.call(model=MODEL, text=TEXT, voice=seed(sdk))
    assert result.status_code == 200 and result.audio_id == f"audio_{result.request_id}"
    assert result.audio_url and result.expires_at
    assert result.usage["characters"] > 0
    decoded = decode(httpx.get(result.audio_url).content)
    assert (decoded.info.codec, decoded.sample_rate) == ("pcm_s16le", 24000)  # the SDK's defaults: wav, 24 kHz


@pytest.mark.parametrize(("audio_format", "rate"), [("wav", 24000), ("mp3", 22050), ("pcm", 16000)])
def test_http_stream_yields_sentences_then_the_whole(sdk: SDK, audio_format: str, rate: int) -> None:
    parts = list(
        HttpSpeechSynthesizer.call(
            model=MODEL, text=TEXT, voice=seed(sdk), audio_format=audio_format, sample_rate=rate, stream=True
        )
    )
    *sentences, final = parts
    assert len(sentences) == 3 and all(p.audio_data for p in sentences)
    assert final.audio_url and final.audio_data == b"".join(p.audio_data for p in sentences)
    if audio_format != "pcm":
        decoded = decode(final.audio_data)
        assert decoded.sample_rate == rate and decoded.samples.shape[0] / rate > 3.0


def test_http_errors_reach_the_sdk(sdk: SDK) -> None:
    voice = seed(sdk)
    mismatch = HttpSpeechSynthesizer.call(model="cosyvoice-v3-plus", text="Hi.", voice=voice)
    assert mismatch.status_code == 400 and mismatch.code == "InvalidParameter" and ENGINE_418 in mismatch.message
    with pytest.raises(RuntimeError, match=ENGINE_418):
        list(HttpSpeechSynthesizer.call(model="cosyvoice-v3-plus", text="Hi.", voice=voice, stream=True))
    refused = HttpSpeechSynthesizer.call(model=MODEL, text="Hi.", voice=voice, api_key="not-a-valid-key")
    assert (refused.status_code, refused.code) == (401, "InvalidApiKey")


def test_http_stream_error_midway_is_read_as_an_error_event(sdk: SDK) -> None:
    sdk.emulator.backend.faults.add(
        Fault(target="synthesis_http", kind="task_failed", after_sentences=1, status=503, code="ServiceUnavailable")
    )
    stream = HttpSpeechSynthesizer.call(model=MODEL, text=TEXT, voice=seed(sdk), stream=True)
    first = next(stream)
    assert first.audio_data
    with pytest.raises(RuntimeError, match="Request failed: 503"):
        next(stream)
