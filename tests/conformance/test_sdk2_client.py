"""The official SDK's 2.x API (``dashscope.Client``, PyPI ``dashscope`` 2.0.2), unchanged, against the emulator:
``audio.voices`` create/get/list/update/delete for a CosyVoice and a Qwen-Audio target, ``audio.tts``
synthesize/stream over the WebSocket in wav/mp3/pcm with and without SSML, ``audio.tts.http`` plain and SSE
(contract §10, issue 12). Beside the 1.x tests (``test_sdk_enrollment.py``, ``test_sdk_synthesis.py``)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from cosyclone.audio.io import decode
from cosyclone.emulator.server import EmulatorServer
from tests.helpers.emulator_fixtures import EMULATOR_API_KEY, SampleServer

dashscope = pytest.importorskip("dashscope")
if not hasattr(dashscope, "Client"):
    pytest.skip("dashscope 2.x is not installed", allow_module_level=True)
from dashscope.v2.errors import APIStatusError  # noqa: E402

pytestmark = pytest.mark.conformance

GOOD = "good/librivox-reader-15s.wav"
COSYVOICE = "cosyvoice-v3-flash"
QWEN_AUDIO = "qwen-audio-3.0-tts-flash"
TEXT = "Hello from the emulator. Is it clear?"
SSML = '<speak>Hello <break time="800ms"/> from the emulator.</speak>'
PLAIN = "Hello from the emulator."


@pytest.fixture
def client(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``dashscope.Client`` as a user configures it: base URL and WebSocket URL from the environment."""
    monkeypatch.setenv("DASHSCOPE_WEBSOCKET_BASE_URL", emulator.ws_url)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the 2.x audio API announces itself as a preview
        sdk_client = dashscope.Client(api_key=EMULATOR_API_KEY, base_url=emulator.http_base_url)
        sdk_client.audio  # noqa: B018 (the property warns once; take it here)
    yield sdk_client
    sdk_client.close()


def seed(emulator: EmulatorServer, model: str) -> str:
    tenant = emulator.backend.tenant_of_key(EMULATOR_API_KEY)
    return emulator.backend.seed_voice(tenant, target_model=model, f0_hz=140.0).voice_id


@pytest.mark.parametrize("model", [COSYVOICE, QWEN_AUDIO])
def test_voices_every_method(client: Any, sample_server: SampleServer, model: str) -> None:
    voices = client.audio.voices
    created = voices.create(target_model=model, prefix="sdktwo", url=sample_server.url(GOOD))
    assert re.fullmatch(rf"{re.escape(model)}-sdktwo-[0-9a-f]{{32}}", created.voice_id)
    got = voices.get(created.voice_id)
    assert got.status == "OK"
    listed = voices.list(prefix="sdktwo", page_size=5)
    assert [v["voice_id"] for v in listed.voices] == [created.voice_id]
    voices.update(created.voice_id, url=sample_server.url("good/flite-kal16.wav"))
    voices.delete(created.voice_id)
    assert voices.list(prefix="sdktwo").voices == []
    with pytest.raises(APIStatusError):
        voices.get(created.voice_id)


def test_voices_create_with_inline_audio_and_new_fields(client: Any, sample_server: SampleServer) -> None:
    """``extra_input`` carries what 2.0.2 has no argument for: ``enable_volume_normalization`` (a string, as 3P sends
    it) and ``audio`` instead of ``url`` is refused when both are given."""
    created = client.audio.voices.create(
        target_model=QWEN_AUDIO,
        prefix="extra",
        url=sample_server.url(GOOD),
        extra_input={"enable_volume_normalization": "true", "enable_preprocess": True},
    )
    assert created.voice_id.startswith(QWEN_AUDIO)
    with pytest.raises(APIStatusError) as caught:
        client.audio.voices.create(
            target_model=QWEN_AUDIO,
            prefix="both",
            url=sample_server.url(GOOD),
            extra_input={"audio": sample_server.url(GOOD)},
        )
    assert "audio" in str(caught.value)


@pytest.mark.parametrize("audio_format", ["wav", "mp3", "pcm"])
@pytest.mark.parametrize("text", [PLAIN, SSML], ids=["plain", "ssml"])
def test_tts_websocket_synthesize_and_stream(
    client: Any, emulator: EmulatorServer, audio_format: str, text: str
) -> None:
    voice = seed(emulator, COSYVOICE)
    ssml = text.startswith("<speak>")
    audio = client.audio.tts.synthesize(
        text, model=COSYVOICE, voice=voice, format=audio_format, sample_rate=16000, enable_ssml=ssml or None
    )
    chunks = list(
        client.audio.tts.stream(
            text, model=COSYVOICE, voice=voice, format=audio_format, sample_rate=16000, enable_ssml=ssml or None
        )
    )
    assert audio and b"".join(chunks) == audio
    duration_s = len(audio) / 2 / 16000 if audio_format == "pcm" else decode(audio).info.duration_s
    assert duration_s > 0.5
    if ssml:  # the break is silence: the SSML version is longer than the same words without it
        plain = client.audio.tts.synthesize(PLAIN, model=COSYVOICE, voice=voice, format="pcm", sample_rate=16000)
        assert duration_s > len(plain) / 2 / 16000 + 0.6


def test_tts_websocket_refuses_malformed_ssml(client: Any, emulator: EmulatorServer) -> None:
    voice = seed(emulator, COSYVOICE)
    with pytest.raises(Exception, match=r"InvalidParameter|SSML"):
        client.audio.tts.synthesize("<speak>Hello <break", model=COSYVOICE, voice=voice, enable_ssml=True)


@pytest.mark.parametrize("model", [COSYVOICE, QWEN_AUDIO])
def test_tts_http_synthesize_and_stream(client: Any, emulator: EmulatorServer, model: str) -> None:
    voice = seed(emulator, model)
    result = client.audio.tts.http.synthesize(TEXT, model=model, voice=voice, format="wav", sample_rate=24000)
    assert result.audio_url and result.usage["characters"] > 0
    wav = httpx.get(result.audio_url).content
    assert decode(wav).info.duration_s > 0.5
    stream = client.audio.tts.http.stream(TEXT, model=model, voice=voice, format="mp3")
    parts = list(stream)
    assert parts[-1].is_final and parts[-1].audio_url
    assert sum(len(p.audio or b"") for p in parts) > 1000


def test_tts_websocket_takes_qwen_audio_too(client: Any, emulator: EmulatorServer) -> None:
    """Contract §10.1: whether the WebSocket takes Qwen-Audio voices is UNCERTAIN; the emulator accepts both."""
    voice = seed(emulator, QWEN_AUDIO)
    assert client.audio.tts.synthesize(PLAIN, model=QWEN_AUDIO, voice=voice, format="mp3")


def test_tts_http_ssml_and_instruction_for_qwen_audio(client: Any, emulator: EmulatorServer) -> None:
    """Contract §11.4: qwen-audio reads no SSML (its inline tags are plain text); CosyVoice does, tags billing 0."""
    voice = seed(emulator, QWEN_AUDIO)
    with pytest.raises(Exception, match="SSML text is not supported"):
        client.audio.tts.http.synthesize(SSML, model=QWEN_AUDIO, voice=voice, extra_input={"enable_ssml": True})
    result = client.audio.tts.http.synthesize(
        "[whispers] Hello from the emulator.",
        model=QWEN_AUDIO,
        voice=voice,
        format="wav",
        extra_input={"instruction": "speak slowly"},
    )
    assert result.usage["characters"] == len("[whispers] Hello from the emulator.")
    cosy = seed(emulator, COSYVOICE)
    result = client.audio.tts.http.synthesize(
        SSML, model=COSYVOICE, voice=cosy, format="wav", extra_input={"enable_ssml": True}
    )
    assert result.usage["characters"] == len("Hello  from the emulator.")  # tags and breaks bill 0
