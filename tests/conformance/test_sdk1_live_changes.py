"""The official SDK's 1.x API, unchanged, on what issue 12 added: a Qwen-Audio target through
``VoiceEnrollmentService`` (with ``audio`` and ``enable_volume_normalization`` passed as ``**kwargs``) and
``HttpSpeechSynthesizer``; ``SpeechSynthesizer.call`` (which turns SSML on for every text) with plain text that
holds an ampersand, and with real SSML."""

from __future__ import annotations

import base64

import pytest

from tests.conformance.conftest import SDK
from tests.conftest import AUDIO_FIXTURES
from tests.helpers.emulator_fixtures import SampleServer

dashscope = pytest.importorskip("dashscope")
from dashscope.audio.http_tts.http_speech_synthesizer import HttpSpeechSynthesizer  # noqa: E402
from dashscope.audio.tts_v2 import AudioFormat, SpeechSynthesizer, VoiceEnrollmentService  # noqa: E402

pytestmark = pytest.mark.conformance

QWEN = "qwen-audio-3.0-tts-flash"
GOOD = "good/librivox-reader-15s.wav"


def test_qwen_audio_clone_and_http_speech_with_the_1x_sdk(sdk: SDK, sample_server: SampleServer) -> None:
    service = VoiceEnrollmentService()
    voice_id = service.create_voice(
        target_model=QWEN, prefix="one", url=sample_server.url(GOOD), enable_volume_normalization="false"
    )
    assert voice_id.startswith(QWEN + "-one-")
    assert service.query_voice(voice_id)["status"] == "OK"
    result = HttpSpeechSynthesizer.call(model=QWEN, text="Hello there.", voice=voice_id)
    assert result.status_code == 200 and result.audio_url
    parts = list(HttpSpeechSynthesizer.call(model=QWEN, text="Hello there.", voice=voice_id, stream=True))
    assert parts[-1].audio_url and parts[-1].audio_data


def test_audio_beside_url_is_refused_through_sdk_kwargs(sdk: SDK) -> None:
    """The 1.x SDK always sends ``url``: given too, ``audio`` makes the request ambiguous, and it is refused."""
    service = VoiceEnrollmentService()
    inline = "data:audio/wav;base64," + base64.b64encode((AUDIO_FIXTURES / GOOD).read_bytes()).decode()
    with pytest.raises(Exception, match="audio"):
        service.create_voice(target_model=QWEN, prefix="two", url="https://example.invalid/a.wav", audio=inline)


def test_call_speaks_plain_text_with_an_ampersand_and_ssml(sdk: SDK) -> None:
    tenant = sdk.emulator.backend.tenant_of_key(sdk.api_key)
    voice = sdk.emulator.backend.seed_voice(tenant, target_model="cosyvoice-v3-flash").voice_id
    pcm = AudioFormat.PCM_16000HZ_MONO_16BIT
    plain = SpeechSynthesizer(model="cosyvoice-v3-flash", voice=voice, format=pcm).call("Tom & Jerry.")
    assert plain
    ssml = SpeechSynthesizer(model="cosyvoice-v3-flash", voice=voice, format=pcm).call(
        '<speak>Tom <break time="1s"/>and Jerry.</speak>'
    )
    assert len(ssml) / 32000 > len(plain) / 32000 + 0.8
