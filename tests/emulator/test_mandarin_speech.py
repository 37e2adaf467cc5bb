"""The emulator speaks Mandarin: a voice enrolled with the ``zh`` hint gets a Mandarin binding and reads Chinese
through WebSocket synthesis with the Mandarin engine (Kokoro), its characters timed; Latin text stays English."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import numpy as np
import pytest

from cosyclone.client import Client
from cosyclone.emulator.server import EmulatorServer
from cosyclone.emulator.voice import mandarin_engine, speech_engine
from cosyclone.emulator.voice.rendering import SpeechVoice
from tests.emulator._api import create_ok
from tests.helpers.emulator_fixtures import SampleServer

pytestmark = [
    pytest.mark.slow,
    # binding a sample to both engines takes a minute of CPU when the 2-core box is shared
    pytest.mark.timeout(900),
    pytest.mark.skipif(
        not (speech_engine.available() and mandarin_engine.available()), reason="the speech extra is not installed"
    ),
]

MODEL = "cosyvoice-v3-plus"
TEXT = "今天是2024年3月5日，我们用Python写了一个小程序。"


@pytest.fixture
def client(speaking_client: Client) -> Client:
    return speaking_client


def _pcm(audio: bytes) -> np.ndarray:
    return np.frombuffer(audio, dtype="<i2").astype(np.float32) / 32768.0


def _bound_zh_voice(speaking: EmulatorServer, sample_server: SampleServer) -> tuple[str, dict[str, Any]]:
    """A voice cloned from a Mandarin reader with the ``zh`` hint, and its voice print once bound."""
    voice = create_ok(speaking, sample_server.url("zh/thchs30-d4-8s.wav"), target_model=MODEL, language_hints=["zh"])
    assert speaking.backend.wait_for_bindings(timeout_s=300)
    bound = speaking.backend.voice_print(voice)
    assert bound is not None
    return voice, bound


def test_a_zh_voice_speaks_chinese_over_the_websocket_with_its_mandarin_binding(
    speaking: EmulatorServer, client: Client, sample_server: SampleServer
) -> None:
    voice, bound = _bound_zh_voice(speaking, sample_server)
    assert bound["zh"]["preset"] in mandarin_engine.BASE_VOICES
    result = client.speech.synthesize(
        TEXT, voice=voice, model=MODEL, format="pcm", sample_rate=16000, word_timestamps=True, protocol="websocket"
    )
    spoken = _pcm(result.audio)
    expected = mandarin_engine.render_speech(TEXT, voice=SpeechVoice.from_dict(bound["zh"]), sample_rate=16000)
    assert np.abs(spoken - expected.samples[: spoken.shape[0]]).max() < 2e-4 and 2.0 < spoken.shape[0] / 16000 < 12
    words = [w for s in result.sentences for w in s.words]
    texts = [w.text for w in words]
    assert texts[:3] == ["今", "天", "是"] and "2024" in texts and "Python" in texts and texts[-1] == "序"
    assert all(s.text[w.begin_index : w.end_index] == w.text for s in result.sentences for w in s.words)
    assert all(w.end_time > w.begin_time for w in words)
    assert all(b.begin_time >= a.begin_time for a, b in itertools.pairwise(words))


def test_digits_alone_are_read_in_mandarin_by_a_zh_voice_and_in_english_by_others(
    speaking: EmulatorServer, client: Client, sample_server: SampleServer
) -> None:
    zh_voice, bound = _bound_zh_voice(speaking, sample_server)
    said = _pcm(client.speech.synthesize("3:30", voice=zh_voice, model=MODEL, format="pcm", sample_rate=16000).audio)
    mandarin = mandarin_engine.render_speech("3:30", voice=SpeechVoice.from_dict(bound["zh"]), sample_rate=16000)
    assert np.abs(said - mandarin.samples[: said.shape[0]]).max() < 2e-4
    english = _pcm(
        client.speech.synthesize("3:30", voice="longanyang", model=MODEL, format="pcm", sample_rate=16000).audio
    )
    assert english.shape[0] > 8000 and english.shape[0] != said.shape[0]


def test_a_system_voice_speaks_chinese_too(client: Client) -> None:
    samples = _pcm(
        client.speech.synthesize(
            "你好，今天天气很好。", voice="longxiaochun_v3", model=MODEL, format="pcm", sample_rate=16000
        ).audio
    )
    assert 0.8 < samples.shape[0] / 16000 < 6 and np.max(np.abs(samples)) > 0.1


def test_the_emulator_says_which_languages_it_speaks(speaking: EmulatorServer) -> None:
    assert speaking.backend.settings()["speech_languages"] == ["en", "zh"]
    reply = httpx.get(f"{speaking.control_url}/settings", timeout=5)
    assert reply.status_code == 200 and reply.json()["speech_languages"] == ["en", "zh"]
