"""Pure measurements on synthetic signals with known answers (and a few real voices)."""

from __future__ import annotations

import numpy as np
import pytest

from cosyclone.audio import metrics as m
from cosyclone.audio.dsp import sos_filter_mono
from cosyclone.audio.io import decode
from tests.unit.audio.manifest import fixture_path
from tests.unit.audio.signals import sine, voiced

# ---------------------------------------------------------------------------------------------------- levels, clipping


def test_levels_of_a_minus_20_dbfs_tone() -> None:
    tone = sine(1000.0, seconds=1.0, rate=16000, amplitude=0.1)
    assert m.peak_dbfs(tone) == pytest.approx(-20.0, abs=0.01)
    assert m.rms_dbfs(tone) == pytest.approx(-23.01, abs=0.01)  # a sine's RMS is 3.01 dB under its peak
    assert m.peak_dbfs(np.zeros(100, dtype=np.float32)) == m.SILENCE_DBFS


def test_clipping_ratio_of_clean_and_clipped_sines() -> None:
    assert m.clipping_ratio(sine(440.0, seconds=1.0, rate=16000, amplitude=0.5)) == 0.0
    # amplitude 2 clipped to ±1: |2 sin| ≥ 1 for two thirds of every period
    clipped = np.clip(sine(50.0, seconds=1.0, rate=48000, amplitude=2.0), -1.0, 1.0)
    assert m.clipping_ratio(clipped) == pytest.approx(2 / 3, abs=0.005)


def test_isolated_full_scale_samples_are_not_clipping() -> None:
    x = np.zeros(16000, dtype=np.float32)
    x[::1000] = 1.0  # 16 lone peaks
    assert m.clipping_ratio(x) == 0.0
    x[5000:5010] = 1.0  # one flat top of 10 samples
    assert m.clipping_ratio(x) == pytest.approx(10 / 16000)
    stereo = np.stack([x, np.zeros_like(x)], axis=1)
    assert m.clipping_ratio(stereo) == pytest.approx(10 / 32000)


def test_clipped_regions_are_located() -> None:
    rate = 16000
    x = sine(200.0, seconds=3.0, rate=rate, amplitude=0.3)
    x[rate : int(1.5 * rate)] = np.clip(x[rate : int(1.5 * rate)] * 10, -1, 1)
    regions = m.clipped_regions_s(x, sample_rate_hz=rate)
    assert len(regions) == 1
    start, end = regions[0]
    assert start == pytest.approx(1.0, abs=0.01) and end == pytest.approx(1.5, abs=0.01)


# ---------------------------------------------------------------------------------------------------- loudness


def test_k_weighting_matches_bs1770_coefficients_at_48k() -> None:
    sos = m.k_weighting_sos(sample_rate_hz=48000)
    shelf = [1.53512485958697, -2.69169618940638, 1.19839281085285, 1.0, -1.69065929318241, 0.73248077421585]
    highpass = [1.0, -2.0, 1.0, 1.0, -1.99004745483398, 0.99007225036621]
    np.testing.assert_allclose(sos, [shelf, highpass], atol=1e-10)


@pytest.mark.parametrize("rate", [16000, 44100, 48000])
def test_ffmpeg_biquads_match_scipy(rate: int) -> None:
    from scipy.signal import sosfilt

    noise = np.random.default_rng(1).normal(0, 0.1, rate).astype(np.float32)
    sos = m.k_weighting_sos(sample_rate_hz=rate)
    ours = sos_filter_mono(noise, sos, rate_hz=rate)
    reference = sosfilt(sos, noise.astype(np.float64))
    assert ours.shape == noise.shape
    assert np.max(np.abs(ours - reference)) < 1e-3
    assert np.mean(ours.astype(np.float64) ** 2) / np.mean(reference**2) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("rate", [16000, 22050, 44100, 48000])
def test_loudness_of_a_minus_20_dbfs_997_hz_tone(rate: int) -> None:
    tone = sine(997.0, seconds=5.0, rate=rate, amplitude=0.1)
    assert m.loudness_lufs(tone, sample_rate_hz=rate) == pytest.approx(-23.0, abs=0.05)
    both = np.stack([tone, tone], axis=1)  # two channels weigh 1 each: +3 dB
    assert m.loudness_lufs(both, sample_rate_hz=rate) == pytest.approx(-20.0, abs=0.05)


def test_loudness_gates_ignore_silence() -> None:
    rate = 16000
    tone = sine(997.0, seconds=4.0, rate=rate, amplitude=0.1)
    padded = np.concatenate([np.zeros(5 * rate, dtype=np.float32), tone, np.zeros(5 * rate, dtype=np.float32)])
    # Ungated, 10 s of silence would pull it to -28.4 LUFS. Gated, only the 6 blocks straddling the tone's
    # edges (a quarter to three quarters tone) pass besides the 37 full ones: 10·log10(40/43) = -0.31 dB.
    assert m.loudness_lufs(padded, sample_rate_hz=rate) == pytest.approx(-23.0 + 10 * np.log10(40 / 43), abs=0.05)
    assert m.loudness_lufs(np.zeros(rate, dtype=np.float32), sample_rate_hz=rate) == m.SILENCE_DBFS
    short = sine(997.0, seconds=0.2, rate=rate, amplitude=0.1)  # shorter than one 400 ms block
    assert m.loudness_lufs(short, sample_rate_hz=rate) == pytest.approx(-23.0, abs=0.3)


# ---------------------------------------------------------------------------------------------------- speech and pauses


def test_regions_bridge_short_gaps_and_measure_pauses() -> None:
    mask = np.concatenate([np.ones(100), np.zeros(5), np.ones(100), np.zeros(100), np.ones(50), np.zeros(10)]).astype(
        bool
    )  # 30 ms frames: 3 s, 0.15 s gap, 3 s, a 3 s pause, 1.5 s
    regions = m.speech_regions_s(mask, frame_s=0.03, bridge_gap_s=0.3)
    assert regions == [(pytest.approx(0.0), pytest.approx(6.15)), (pytest.approx(9.15), pytest.approx(10.65))]
    assert m.longest_speech_s(regions) == pytest.approx(6.15)
    assert m.pauses_s(regions) == [(pytest.approx(6.15), pytest.approx(9.15))]
    assert m.longest_pause_s(regions) == pytest.approx(3.0)
    assert m.longest_pause_s([]) == 0.0 and m.longest_speech_s([]) == 0.0


def _speech() -> tuple[np.ndarray, int]:
    decoded = decode(fixture_path("good/flite-awb.wav"))
    return decoded.samples[:, 0], decoded.sample_rate


def test_known_pause_inside_real_speech() -> None:
    x, rate = _speech()
    cut = int(5.0 * rate)
    with_pause = np.concatenate([x[:cut], np.zeros(int(2.5 * rate), dtype=np.float32), x[cut:]])
    regions = m.speech_regions_s(m.voice_activity(with_pause, sample_rate_hz=rate))
    assert m.longest_pause_s(regions) == pytest.approx(2.5, abs=0.3)


def test_white_noise_and_silence_are_not_speech() -> None:
    rate = 16000
    noise = np.random.default_rng(7).normal(0, 0.1, 10 * rate).astype(np.float32)
    assert m.longest_speech_s(m.speech_regions_s(m.voice_activity(noise, sample_rate_hz=rate))) == 0.0
    activity = m.frame_activity(noise, sample_rate_hz=rate)
    assert activity.webrtc_speech.mean() > 0.5  # webrtcvad alone would call it speech: the gates are what stop it
    silence = np.zeros(5 * rate, dtype=np.float32)
    assert not m.voice_activity(silence, sample_rate_hz=rate).any()


@pytest.mark.parametrize("rate", [8000, 16000, 44100, 48000])
def test_real_speech_is_speech_at_any_rate(rate: int) -> None:
    from cosyclone.audio.io import resample

    x, source_rate = _speech()
    y = resample(x, from_hz=source_rate, to_hz=rate)
    activity = m.voice_activity(y, sample_rate_hz=rate)
    assert activity.mean() > 0.6
    assert m.longest_speech_s(m.speech_regions_s(activity)) > 8.0


def test_noise_floor_between_words() -> None:
    x, rate = _speech()
    noise = np.random.default_rng(3).normal(0, 10 ** (-40 / 20), x.shape[0]).astype(np.float32)  # RMS -40 dBFS
    activity = m.frame_activity(x + noise, sample_rate_hz=rate)
    floor = m.noise_floor_dbfs(level_dbfs=activity.level_dbfs, speech=activity.speech)
    assert floor == pytest.approx(-40.0, abs=2.0)
    speech_level = m.speech_level_dbfs(level_dbfs=activity.level_dbfs, speech=activity.speech)
    assert speech_level > floor + 15


def test_noise_floor_on_hand_made_frames() -> None:
    level = np.array([-90.0] * 5 + [-20.0] * 10 + [-50.0] * 10 + [-20.0] * 10 + [-90.0] * 5)
    speech = level > -30
    assert m.noise_floor_dbfs(level_dbfs=level, speech=speech) == -50.0  # inside the speech span only
    assert m.speech_level_dbfs(level_dbfs=level, speech=speech) == -20.0
    assert m.noise_floor_dbfs(level_dbfs=np.zeros(0), speech=np.zeros(0, dtype=bool)) == m.SILENCE_DBFS


# ---------------------------------------------------------------------------------------------------- pitch


@pytest.mark.parametrize("rate", [16000, 22050, 44100])
@pytest.mark.parametrize("f0", [95.0, 150.0, 240.0])
def test_median_f0_of_a_harmonic_tone(f0: float, rate: int) -> None:
    assert m.median_f0_hz(voiced(f0, seconds=2.0, rate=rate), sample_rate_hz=rate) == pytest.approx(f0, rel=0.02)


def test_median_f0_of_silence_and_noise_is_none() -> None:
    assert m.median_f0_hz(np.zeros(32000, dtype=np.float32), sample_rate_hz=16000) is None
    noise = np.random.default_rng(5).normal(0, 0.1, 32000).astype(np.float32)
    assert m.median_f0_hz(noise, sample_rate_hz=16000) is None
    assert m.median_f0_hz(np.zeros(10, dtype=np.float32), sample_rate_hz=16000) is None


def test_median_f0_tells_speakers_apart() -> None:
    def f0(name: str) -> float:
        decoded = decode(fixture_path(name))
        value = m.median_f0_hz(decoded.samples[:, 0], sample_rate_hz=decoded.sample_rate)
        assert value is not None
        return value

    awb, slt = f0("good/flite-awb.wav"), f0("good/flite-slt.wav")
    assert slt - awb > 25  # a low and a high voice
    assert f0("good/flite-awb-other-text.wav") == pytest.approx(awb, rel=0.05)  # same speaker, other words
    assert 70 < awb < 300 and 70 < slt < 300
