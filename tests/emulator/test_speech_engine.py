"""The speech voice engine through the running emulator: words, a voice bound to the sample, every parameter.

Skipped when the ``cosyclone[speech]`` extra is not installed (the dev extra installs it).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cosyclone.audio.io import decode
from cosyclone.audio.metrics import median_f0_hz
from cosyclone.client import Client
from cosyclone.emulator.server import EmulatorServer
from cosyclone.emulator.voice import speech_engine
from tests.conftest import AUDIO_FIXTURES
from tests.emulator._api import create_ok
from tests.helpers.emulator_fixtures import SampleServer

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not speech_engine.available(), reason="the speech extra is not installed"),
]

TEXT = "The quick brown fox jumps over the lazy dog."
MODEL = "cosyvoice-v3-plus"


@pytest.fixture
def client(speaking_client: Client) -> Client:
    return speaking_client


def _pcm(client: Client, voice: str, text: str = TEXT, **params: object) -> np.ndarray:
    result = client.speech.synthesize(text, voice=voice, model=MODEL, format="pcm", sample_rate=16000, **params)
    return np.frombuffer(result.audio, dtype="<i2").astype(np.float32) / 32768.0


def test_the_emulator_reports_its_engine(speaking: EmulatorServer) -> None:
    assert speaking.backend.voice_engine == "speech"
    assert speaking.backend.settings()["voice_engine"] == "speech"


def test_a_cloned_voice_is_bound_at_enrollment_and_the_same_sample_gives_the_same_voice(
    speaking: EmulatorServer, client: Client, sample_server: SampleServer
) -> None:
    first = create_ok(speaking, sample_server.url("good/flite-slt.wav"), target_model=MODEL)
    again = create_ok(speaking, sample_server.url("good/flite-slt.wav"), target_model=MODEL)
    other = create_ok(speaking, sample_server.url("good/flite-kal16.wav"), target_model=MODEL)
    assert speaking.backend.wait_for_bindings()  # bound in the background, after create answered
    prints = [speaking.backend.voice_print(v) for v in (first, again, other)]
    assert prints[0] is not None and prints[0] == prints[1]
    assert prints[2] is not None and prints[2] != prints[0]
    assert np.array_equal(_pcm(client, first), _pcm(client, again))
    high, low = (
        median_f0_hz(_pcm(client, first), sample_rate_hz=16000),
        median_f0_hz(_pcm(client, other), sample_rate_hz=16000),
    )
    assert high is not None and low is not None and high > 1.4 * low  # slt speaks higher than kal16


def test_system_voices_are_stable_and_distinct(client: Client) -> None:
    a1, a2 = _pcm(client, "longxiaochun_v3"), _pcm(client, "longxiaochun_v3")
    b = _pcm(client, "longanyang")
    assert np.array_equal(a1, a2)
    assert a1.shape != b.shape or not np.allclose(a1, b, atol=1e-3)


def test_rate_pitch_volume_and_seed_keep_working(client: Client) -> None:
    voice = "longxiaochun_v3"
    base = _pcm(client, voice)
    assert len(_pcm(client, voice, rate=2.0)) < 0.7 * len(base) < len(_pcm(client, voice, rate=0.5)) * 0.7
    f0 = median_f0_hz(base, sample_rate_hz=16000)
    raised = median_f0_hz(_pcm(client, voice, pitch=1.5), sample_rate_hz=16000)
    assert f0 is not None and raised is not None and raised == pytest.approx(1.5 * f0, rel=0.12)
    assert np.max(np.abs(_pcm(client, voice, volume=0))) == 0
    loud = np.max(np.abs(_pcm(client, voice, volume=100)))
    assert loud == pytest.approx(2 * np.max(np.abs(base)), rel=0.05)
    assert np.array_equal(_pcm(client, voice, seed=7), _pcm(client, voice, seed=7))
    assert len(_pcm(client, voice, seed=7)) != len(_pcm(client, voice, seed=8)) or not np.array_equal(
        _pcm(client, voice, seed=7), _pcm(client, voice, seed=8)
    )


@pytest.mark.parametrize("fmt", ["mp3", "wav", "opus", "pcm"])
def test_every_format_carries_the_speech(client: Client, fmt: str) -> None:
    result = client.speech.synthesize(TEXT, voice="longanyang", model=MODEL, format=fmt, sample_rate=48000)
    duration = len(result.audio) / 2 / 48000 if fmt == "pcm" else decode(result.audio).info.duration_s
    assert 1.5 < duration < 6.0


def test_word_timestamps_follow_the_words(client: Client) -> None:
    text = "Dr. Smith paid $5 for 2024 apples, then walked home."
    result = client.speech.synthesize(
        text, voice="longanyang", model=MODEL, format="wav", sample_rate=22050, word_timestamps=True
    )
    words = [w for s in result.sentences for w in s.words]
    assert [w.text for w in words] == ["Dr", "Smith", "paid", "5", "for", "2024", "apples", "then", "walked", "home"]
    duration_ms = decode(result.audio).info.duration_s * 1000
    ends = [0] + [w.end_time for w in words]
    assert all(w.begin_time >= ends[k] - 1 and w.end_time > w.begin_time for k, w in enumerate(words))
    assert words[-1].end_time <= duration_ms + 1
    assert all(s.text[w.begin_index : w.end_index] == w.text for s in result.sentences for w in s.words)


def test_text_the_engine_does_not_read_falls_back_to_the_formant_voice(client: Client) -> None:
    samples = _pcm(client, "longxiaochun_v3", text="안녕하세요, 오늘 날씨가 좋네요.")
    assert len(samples) > 16000 and np.max(np.abs(samples)) > 0.1


def test_the_binding_survives_a_restart(tmp_path: Path, sample_server: SampleServer) -> None:
    with EmulatorServer(port=0, voice_engine="speech", data_dir=tmp_path) as first:
        voice_id = create_ok(first, sample_server.url("good/flite-awb.wav"), target_model=MODEL)
        assert first.backend.wait_for_bindings()
        bound = first.backend.voice_print(voice_id)
    with EmulatorServer(port=0, voice_engine="speech", data_dir=tmp_path) as again:
        assert bound is not None and again.backend.voice_print(voice_id) == bound


@pytest.mark.skipif(shutil.which("unshare") is None, reason="no unshare(1) to cut the network")
def test_binding_and_speaking_need_no_network() -> None:
    code = (
        "from cosyclone.audio.io import decode; from cosyclone.emulator.voice import speech_engine as se; "
        "from cosyclone.emulator.voice.binding import SpeechVoice, measure_sample; "
        f"d = decode({str(AUDIO_FIXTURES / 'good' / 'flite-rms.wav')!r}); "
        "v = SpeechVoice.from_dict(measure_sample(d.samples[:, 0], d.sample_rate, f0_hz=None)); "
        "r = se.render_speech('No network here.', voice=v, sample_rate=16000); print(len(r.words))"
    )
    proc = subprocess.run(["unshare", "-n", sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    if proc.returncode != 0 and "unshare" in proc.stderr:
        pytest.skip(f"cannot make a network namespace here: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "3"
