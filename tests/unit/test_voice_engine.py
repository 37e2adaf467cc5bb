"""The emulator's voice engine: speech-like, deterministic, following pitch/rate/volume, much faster than real time."""

from __future__ import annotations

import time

import numpy as np
import pytest

from cosyclone.audio.metrics import median_f0_hz
from cosyclone.emulator.voice.engines import render_sentence, voice_for
from cosyclone.emulator.voice.formant_engine import CJK_CHARS_PER_S, LATIN_CHARS_PER_S, sentence_duration_s
from cosyclone.emulator.voice.rendering import VoiceTimbre, system_voice_f0_hz
from cosyclone.schema.synthesis import SAMPLE_RATES

TEXT = "Hello there, this is the emulator speaking to you today. 你好世界，今天天气很好。"


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


@pytest.mark.parametrize("f0", [90.0, 140.0, 230.0])
def test_output_pitch_is_the_voice_f0(f0: float) -> None:
    out = render_sentence(TEXT, voice=voice_for("v", f0), sample_rate=16000)
    measured = median_f0_hz(out.samples, sample_rate_hz=16000)
    assert measured is not None
    assert measured == pytest.approx(f0, rel=0.06)


def test_two_voices_with_different_f0_measurably_differ() -> None:
    low = render_sentence(TEXT, voice=voice_for("a", 110.0), sample_rate=22050)
    high = render_sentence(TEXT, voice=voice_for("b", 200.0), sample_rate=22050)
    f_low = median_f0_hz(low.samples, sample_rate_hz=22050)
    f_high = median_f0_hz(high.samples, sample_rate_hz=22050)
    assert f_low is not None and f_high is not None
    assert f_high / f_low == pytest.approx(200 / 110, rel=0.08)


def test_pitch_parameter_multiplies_f0() -> None:
    voice = voice_for("v", 120.0)
    base = median_f0_hz(render_sentence(TEXT, voice=voice, sample_rate=16000).samples, sample_rate_hz=16000)
    raised = median_f0_hz(
        render_sentence(TEXT, voice=voice, sample_rate=16000, pitch=1.5).samples, sample_rate_hz=16000
    )
    assert base is not None and raised is not None
    assert raised / base == pytest.approx(1.5, rel=0.06)


def test_same_inputs_same_samples_and_seed_changes_them() -> None:
    voice = voice_for("v", 150.0)
    a = render_sentence(TEXT, voice=voice, sample_rate=24000, seed=7)
    b = render_sentence(TEXT, voice=voice, sample_rate=24000, seed=7)
    c = render_sentence(TEXT, voice=voice, sample_rate=24000, seed=8)
    assert np.array_equal(a.samples, b.samples)
    assert not np.array_equal(a.samples, c.samples)
    assert len(a.samples) == len(c.samples)


def test_duration_follows_text_length_and_rate() -> None:
    voice = voice_for("v", 150.0)
    latin = "a" * 14 * 3  # one 42-letter word: 3 s
    assert render_sentence(latin, voice=voice, sample_rate=8000).duration_s == pytest.approx(42 / LATIN_CHARS_PER_S)
    cjk = "好" * 9
    assert render_sentence(cjk, voice=voice, sample_rate=8000).duration_s == pytest.approx(9 / CJK_CHARS_PER_S)
    normal = render_sentence(TEXT, voice=voice, sample_rate=8000).duration_s
    fast = render_sentence(TEXT, voice=voice, sample_rate=8000, rate=2.0).duration_s
    slow = render_sentence(TEXT, voice=voice, sample_rate=8000, rate=0.5).duration_s
    assert fast == pytest.approx(normal / 2, rel=0.01)
    assert slow == pytest.approx(normal * 2, rel=0.01)
    assert normal == pytest.approx(sentence_duration_s(TEXT), abs=0.01)


def test_volume_scales_the_level_and_zero_is_silence_of_the_same_length() -> None:
    voice = voice_for("v", 150.0)
    half = render_sentence(TEXT, voice=voice, sample_rate=16000, volume=50)
    full = render_sentence(TEXT, voice=voice, sample_rate=16000, volume=100)
    mute = render_sentence(TEXT, voice=voice, sample_rate=16000, volume=0)
    assert rms(full.samples) == pytest.approx(2 * rms(half.samples), rel=0.01)
    assert float(np.max(np.abs(full.samples))) <= 1.0
    assert len(mute.samples) == len(half.samples) and not np.any(mute.samples)


@pytest.mark.parametrize("sample_rate", SAMPLE_RATES)
def test_every_sample_rate_renders_speech_like_audio(sample_rate: int) -> None:
    out = render_sentence(TEXT, voice=voice_for("v", 160.0), sample_rate=sample_rate)
    assert out.samples.dtype == np.float32 and out.sample_rate == sample_rate
    assert len(out.samples) == round(sentence_duration_s(TEXT) * sample_rate)
    frames = out.samples[: len(out.samples) // 400 * 400].reshape(-1, 400)
    frame_rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))
    # Speech has both sound and pauses: the envelope moves (syllables, gaps between words).
    assert np.mean(frame_rms > 0.05) > 0.4
    assert np.mean(frame_rms < 0.01) > 0.05


def test_word_timings_index_the_text_and_grow_in_time() -> None:
    text = "Hello big world, 你好。"
    out = render_sentence(text, voice=voice_for("v", 150.0), sample_rate=16000)
    assert [w.text for w in out.words] == ["Hello", "big", "world", "你", "好"]
    for w in out.words:
        assert text[w.begin_index : w.end_index] == w.text
        assert 0 <= w.begin_s < w.end_s <= out.duration_s + 1e-9
    assert all(a.end_s <= b.begin_s for a, b in zip(out.words, out.words[1:], strict=False))


def test_text_without_words_still_gives_audio() -> None:
    out = render_sentence("...", voice=voice_for("v", 150.0), sample_rate=8000)
    assert out.duration_s >= 0.1 and out.words == ()


def test_system_voices_get_a_stable_pitch_from_their_name() -> None:
    assert system_voice_f0_hz("longxiaochun") == system_voice_f0_hz("longxiaochun")
    assert 95 <= system_voice_f0_hz("longanyang") <= 245
    assert voice_for("longxiaochun", None).f0_hz == system_voice_f0_hz("longxiaochun")
    assert voice_for("x", 123.0) == VoiceTimbre(f0_hz=123.0, formant_scale=voice_for("x", 123.0).formant_scale)


def test_rendering_is_far_faster_than_real_time() -> None:
    """A 200 000-character task (about 4 hours of speech) renders in seconds, sentence by sentence."""
    voice = voice_for("v", 150.0)
    sentence = "The quick brown fox jumps over the lazy dog near the quiet river bank today. "
    count = 200_000 // len(sentence)
    start = time.perf_counter()
    audio_s = sum(render_sentence(sentence + str(i), voice=voice, sample_rate=22050).duration_s for i in range(count))
    elapsed = time.perf_counter() - start
    assert audio_s > 3 * 3600
    assert elapsed < 30, f"{audio_s:.0f} s of audio took {elapsed:.1f} s"
    assert audio_s / elapsed > 300
