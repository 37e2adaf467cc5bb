"""Pure measurements on decoded samples: levels, loudness, clipping, voice activity, pauses, pitch.

Every function is pure and keyword-only past its signal, with units in the names (``_s``, ``_hz``, ``_db``,
``_dbfs``, ``_lufs``) in the librosa style. Signals are float32 in [-1, 1]; "mono" means shape (frames,).

Voice activity (no torch): a frame of 30 ms counts as speech when all three agree —
  1. webrtcvad (aggressiveness 3) says speech;
  2. its level is at least ``gate_margin_db`` above the recording's own floor (5th percentile of frame levels)
     and above ``min_level_dbfs`` — steady noise never rises above its own floor, so white noise is not speech;
     quiet channels are raised first (up to 30 dB), because webrtcvad has energy thresholds of its own;
  3. its spectral flatness is below ``max_flatness`` (voiced speech is tonal, noise is flat).
Regions of speech are then joined across gaps shorter than ``bridge_gap_s`` (0.3 s).

Who may import it: ``cosyclone.audio`` (preflight, fix, plot), the emulator's voice engine, tests.
It needs numpy, webrtcvad and PyAV (through ``dsp``: resampling and the K-weighting filter run in FFmpeg,
because importing scipy.signal alone takes longer than a whole check).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]
Region = tuple[float, float]

#: Frame length of the voice activity detector (webrtcvad accepts 10, 20 or 30 ms).
VAD_FRAME_S = 0.03
#: Gaps shorter than this inside speech are bridged (breaths, stop closures, short word gaps).
BRIDGE_GAP_S = 0.3
#: Level reported for digital silence (log of zero).
SILENCE_DBFS = -120.0
#: Where the voice activity detector wants a channel's loud frames (95th percentile of frame levels).
_LOUD_FRAMES_DBFS = -20.0

__all__ = [
    "BRIDGE_GAP_S",
    "SILENCE_DBFS",
    "VAD_FRAME_S",
    "FrameActivity",
    "clipped_regions_s",
    "clipping_ratio",
    "frame_activity",
    "k_weighting_sos",
    "longest_pause_s",
    "longest_speech_s",
    "loudness_lufs",
    "median_f0_hz",
    "noise_floor_dbfs",
    "pauses_s",
    "peak_dbfs",
    "rms_dbfs",
    "speech_level_dbfs",
    "speech_regions_s",
    "voice_activity",
]


def _db(power: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    return np.asarray(np.maximum(10.0 * np.log10(np.maximum(power, 1e-12)), SILENCE_DBFS), dtype=np.float64)


# ---------------------------------------------------------------------------------------------------- levels


def peak_dbfs(samples: npt.NDArray[Any]) -> float:
    """Highest absolute sample value in dBFS (0 dBFS = full scale; SILENCE_DBFS for all zeros)."""
    x = np.asarray(samples)
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    return float(_db(np.array(peak**2)))


def rms_dbfs(samples: npt.NDArray[Any]) -> float:
    """Root-mean-square level in dBFS over all samples (a full-scale sine reads -3.01 dBFS)."""
    x = np.asarray(samples, dtype=np.float64)
    return float(_db(np.array(np.mean(x**2) if x.size else 0.0)))


def clipping_ratio(samples: npt.NDArray[Any], *, threshold: float = 0.999, min_run: int = 3) -> float:
    """Fraction of samples that sit at full scale in runs of at least ``min_run`` consecutive samples.

    A single sample touching full scale is not clipping; a flat top is. Multichannel input counts every
    channel's samples. A sine of amplitude 2 clipped to [-1, 1] gives 2/3.
    """
    x = np.asarray(samples)
    if x.size == 0:
        return 0.0
    columns = x.reshape(x.shape[0], -1)
    clipped = sum(int(np.sum(_run_mask(np.abs(columns[:, c]) >= threshold, min_run))) for c in range(columns.shape[1]))
    return clipped / x.size


def clipped_regions_s(
    samples_mono: npt.NDArray[Any],
    *,
    sample_rate_hz: int,
    threshold: float = 0.999,
    min_run: int = 3,
    merge_gap_s: float = 0.05,
) -> list[Region]:
    """Time spans (start_s, end_s) where the signal is clipped, joined across gaps < ``merge_gap_s``."""
    mask = _run_mask(np.abs(np.asarray(samples_mono)) >= threshold, min_run)
    return _merge(_mask_regions(mask, 1.0 / sample_rate_hz), merge_gap_s)


def _run_mask(mask: BoolArray, min_run: int) -> BoolArray:
    """Keep only True runs of at least ``min_run`` samples."""
    if min_run <= 1 or not mask.any():
        return mask
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    keep = np.zeros(mask.shape[0] + 1, dtype=np.int32)
    long = (ends - starts) >= min_run
    np.add.at(keep, starts[long], 1)
    np.add.at(keep, ends[long], -1)
    return np.cumsum(keep[:-1]) > 0


# ---------------------------------------------------------------------------------------------------- loudness


def k_weighting_sos(*, sample_rate_hz: int) -> npt.NDArray[np.float64]:
    """BS.1770 K-weighting (high shelf + high pass) as second-order sections for ``scipy.signal.sosfilt``.

    Designed for any rate from the analogue prototype (the constants are those that reproduce the
    48 kHz coefficients printed in ITU-R BS.1770-4 exactly). Rows are b0 b1 b2 a0 a1 a2.
    """
    fs = float(sample_rate_hz)
    # stage 1: high shelf, +4 dB above ~1.7 kHz (head as a rigid sphere)
    gain_db, q, fc = 3.999843853973347, 0.7071752369554196, 1681.974450955533
    k = np.tan(np.pi * fc / fs)
    vh = 10 ** (gain_db / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = [
        (vh + vb * k / q + k * k) / a0,
        2 * (k * k - vh) / a0,
        (vh - vb * k / q + k * k) / a0,
        1.0,
        2 * (k * k - 1) / a0,
        (1 - k / q + k * k) / a0,
    ]
    # stage 2: high pass at ~38 Hz (RLB weighting)
    q2, fc2 = 0.5003270373238773, 38.13547087602444
    k2 = np.tan(np.pi * fc2 / fs)
    d = 1 + k2 / q2 + k2 * k2
    highpass = [1.0, -2.0, 1.0, 1.0, 2 * (k2 * k2 - 1) / d, (1 - k2 / q2 + k2 * k2) / d]
    return np.array([shelf, highpass], dtype=np.float64)


def loudness_lufs(samples: npt.NDArray[Any], *, sample_rate_hz: int) -> float:
    """Integrated loudness (ITU-R BS.1770-4: K-weighting, 400 ms blocks, -70 LUFS and -10 LU gates).

    ``samples``: (frames,) or (frames, channels); every channel weighs 1 (no surround weights). A 997 Hz
    sine at -20 dBFS peak in one channel reads -23.0 LUFS. Returns SILENCE_DBFS when nothing passes the gates.
    """
    from cosyclone.audio.dsp import sos_filter_mono

    x = np.asarray(samples)
    if x.ndim == 1:
        x = x[:, None]
    frames = x.shape[0]
    if frames == 0:
        return SILENCE_DBFS
    hop = max(1, round(0.1 * sample_rate_hz))  # blocks are 4 hops (400 ms) with 75 % overlap
    hops = frames // hop
    sos = k_weighting_sos(sample_rate_hz=sample_rate_hz)
    # Energy per 100 ms hop, summed over channels (each weighs 1); float32 squares, float64 sums, no
    # signal-length float64 arrays (a minute of 48 kHz stereo would need 100+ MB).
    hop_energy = np.zeros(max(hops, 1), dtype=np.float64)
    total = 0.0
    for channel in range(x.shape[1]):
        weighted = sos_filter_mono(x[:, channel], sos, rate_hz=sample_rate_hz)
        np.square(weighted, out=weighted)
        total += float(np.sum(weighted, dtype=np.float64))
        if hops:
            hop_energy += weighted[: hops * hop].reshape(hops, hop).sum(axis=1, dtype=np.float64)
        del weighted
    if hops < 4:
        z = np.array([total / frames])
    else:
        windows = np.lib.stride_tricks.sliding_window_view(hop_energy, 4)
        z = windows.sum(axis=1) / (4 * hop)
    loud = -0.691 + _db(z)
    kept = z[loud > -70.0]
    if kept.size == 0:
        return SILENCE_DBFS
    relative_gate = -0.691 + float(_db(np.array(np.mean(kept)))) - 10.0
    kept = z[(loud > -70.0) & (loud > relative_gate)]
    return float(-0.691 + _db(np.array(np.mean(kept))))


# ---------------------------------------------------------------------------------------------------- voice activity


@dataclass(frozen=True)
class FrameActivity:
    """Per-frame measurements of one channel (frame i covers [i·frame_s, (i+1)·frame_s))."""

    frame_s: float
    level_dbfs: npt.NDArray[np.float64]
    flatness: npt.NDArray[np.float64]
    webrtc_speech: BoolArray
    gate_dbfs: float
    speech: BoolArray


def _vad_signal(samples_mono: npt.NDArray[Any], sample_rate_hz: int) -> tuple[npt.NDArray[np.float64], int]:
    """The channel at a rate webrtcvad takes: 8 kHz stays, everything else goes to 16 kHz."""
    if sample_rate_hz in (8000, 16000):
        return np.asarray(samples_mono, dtype=np.float64).reshape(-1), sample_rate_hz
    from cosyclone.audio.dsp import resample_mono

    return resample_mono(samples_mono, from_hz=sample_rate_hz, to_hz=16000).astype(np.float64), 16000


def frame_activity(
    samples_mono: npt.NDArray[Any],
    *,
    sample_rate_hz: int,
    aggressiveness: int = 3,
    gate_margin_db: float = 6.0,
    min_level_dbfs: float = -60.0,
    max_flatness: float = 0.3,
    max_boost_db: float = 30.0,
) -> FrameActivity:
    """Measure each 30 ms frame (level, flatness, webrtcvad) and decide speech (see the module docstring).

    webrtcvad has energy thresholds of its own, so a quiet channel is first raised (by at most
    ``max_boost_db``, never lowered) until its loud frames sit near -20 dBFS; ``min_level_dbfs`` applies
    after that raise. ``level_dbfs`` and ``gate_dbfs`` are reported at the channel's real level.
    """
    import webrtcvad

    x, rate = _vad_signal(samples_mono, sample_rate_hz)
    n = round(rate * VAD_FRAME_S)
    count = x.shape[0] // n
    frames = x[: count * n].reshape(count, n)
    level = _db(np.mean(frames**2, axis=1)) if count else np.zeros(0)
    if count:
        spectrum = np.abs(np.fft.rfft(frames * np.hanning(n), axis=1)) ** 2 + 1e-12
        flatness = np.exp(np.mean(np.log(spectrum), axis=1)) / np.mean(spectrum, axis=1)
    else:
        flatness = np.zeros(0)
    boost_db = float(np.clip(_LOUD_FRAMES_DBFS - np.percentile(level, 95), 0.0, max_boost_db)) if count else 0.0
    vad = webrtcvad.Vad(aggressiveness)
    pcm = np.round(np.clip(frames * 10 ** (boost_db / 20), -1.0, 1.0) * 32767.0).astype("<i2")
    webrtc = np.fromiter((vad.is_speech(row.tobytes(), rate) for row in pcm), dtype=np.bool_, count=count)
    floor = float(np.percentile(level, 5)) if count else SILENCE_DBFS
    gate = max(min_level_dbfs - boost_db, floor + gate_margin_db)
    speech = webrtc & (level > gate) & (flatness < max_flatness)
    return FrameActivity(VAD_FRAME_S, level, flatness, webrtc, gate, speech)


def voice_activity(samples_mono: npt.NDArray[Any], *, sample_rate_hz: int) -> BoolArray:
    """Speech (True) or not for each 30 ms frame of one channel."""
    return frame_activity(samples_mono, sample_rate_hz=sample_rate_hz).speech


def _mask_regions(mask: npt.NDArray[np.bool_], step_s: float) -> list[Region]:
    edges = np.diff(np.concatenate(([0], np.asarray(mask, dtype=np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [(float(s * step_s), float(e * step_s)) for s, e in zip(starts, ends, strict=False)]


def _merge(regions: list[Region], gap_s: float) -> list[Region]:
    merged: list[Region] = []
    for start, end in regions:
        if merged and start - merged[-1][1] < gap_s:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def speech_regions_s(
    activity: npt.NDArray[np.bool_], *, frame_s: float = VAD_FRAME_S, bridge_gap_s: float = BRIDGE_GAP_S
) -> list[Region]:
    """Continuous speech as (start_s, end_s) spans: frames marked True, joined across gaps < ``bridge_gap_s``."""
    return _merge(_mask_regions(activity, frame_s), bridge_gap_s)


def longest_speech_s(regions: list[Region]) -> float:
    """Duration of the longest continuous speech region (0.0 if none)."""
    return max((end - start for start, end in regions), default=0.0)


def pauses_s(regions: list[Region]) -> list[Region]:
    """The pauses between consecutive speech regions (leading and trailing silence excluded)."""
    return [(regions[i][1], regions[i + 1][0]) for i in range(len(regions) - 1)]


def longest_pause_s(regions: list[Region]) -> float:
    """Duration of the longest pause inside the speech (0.0 if the speech is one region or none)."""
    return max((end - start for start, end in pauses_s(regions)), default=0.0)


def noise_floor_dbfs(*, level_dbfs: npt.NDArray[Any], speech: npt.NDArray[np.bool_]) -> float:
    """Background level between words: 25th percentile of the non-speech frames inside the speech span.

    A low percentile rather than the median, because gaps between words also hold word onsets and tails.
    Falls back to the non-speech frames outside it, then to the 5th percentile of all frames, when there
    are fewer than 5 frames (0.15 s) to go by.
    """
    level = np.asarray(level_dbfs, dtype=np.float64)
    if level.size == 0:
        return SILENCE_DBFS
    idx = np.flatnonzero(speech)
    quiet = ~np.asarray(speech, dtype=np.bool_)
    if idx.size:
        inside = quiet.copy()
        inside[: idx[0]] = False
        inside[idx[-1] + 1 :] = False
        if inside.sum() >= 5:
            return float(np.percentile(level[inside], 25))
    if quiet.sum() >= 5:
        return float(np.percentile(level[quiet], 25))
    return float(np.percentile(level, 5))


def speech_level_dbfs(*, level_dbfs: npt.NDArray[Any], speech: npt.NDArray[np.bool_]) -> float:
    """Median level of the speech frames (SILENCE_DBFS if there are none)."""
    level = np.asarray(level_dbfs, dtype=np.float64)[np.asarray(speech, dtype=np.bool_)]
    return float(np.median(level)) if level.size else SILENCE_DBFS


# ---------------------------------------------------------------------------------------------------- pitch


def median_f0_hz(
    samples_mono: npt.NDArray[Any],
    *,
    sample_rate_hz: int,
    fmin_hz: float = 60.0,
    fmax_hz: float = 500.0,
    threshold: float = 0.15,
    max_frames: int = 400,
) -> float | None:
    """Median fundamental frequency of the voiced frames (YIN), or None if nothing is voiced.

    Analyses at most ``max_frames`` of the loudest 40 ms frames (evenly chosen) so that a minute of audio
    costs a few milliseconds.
    """
    x, rate = _vad_signal(samples_mono, sample_rate_hz)
    window = int(0.025 * rate)
    tau_min, tau_max = max(2, int(rate / fmax_hz)), int(rate / fmin_hz) + 1
    length = window + tau_max
    hop = int(0.02 * rate)
    if x.shape[0] < length:
        return None
    starts = np.arange(0, x.shape[0] - length + 1, hop)
    frames = x[starts[:, None] + np.arange(length)]
    energy = np.mean(frames[:, :window] ** 2, axis=1)
    loud = energy > max(1e-7, float(np.max(energy)) * 10 ** (-30 / 10))
    frames = frames[loud]
    if frames.shape[0] == 0:
        return None
    if frames.shape[0] > max_frames:
        frames = frames[np.linspace(0, frames.shape[0] - 1, max_frames).astype(int)]
    frames = frames - frames.mean(axis=1, keepdims=True)
    nfft = 1 << int(np.ceil(np.log2(length + window)))
    head = np.fft.rfft(frames[:, :window], nfft, axis=1)
    full = np.fft.rfft(frames, nfft, axis=1)
    corr = np.fft.irfft(np.conj(head) * full, nfft, axis=1)[:, :tau_max]  # r(τ) = Σ x[j]·x[j+τ], j < window
    cumsq = np.concatenate((np.zeros((frames.shape[0], 1)), np.cumsum(frames**2, axis=1)), axis=1)
    taus = np.arange(tau_max)
    energy_tau = cumsq[:, taus + window] - cumsq[:, taus]
    diff = cumsq[:, [window]] + energy_tau - 2 * corr  # YIN difference function d(τ)
    diff[:, 0] = 0.0
    running = np.cumsum(diff[:, 1:], axis=1) / np.arange(1, tau_max)
    cmnd = np.ones_like(diff)
    cmnd[:, 1:] = diff[:, 1:] / np.maximum(running, 1e-12)
    f0s: list[float] = []
    for row in cmnd:
        below = np.flatnonzero(row[tau_min:] < threshold)
        if below.size == 0:
            continue
        tau = int(below[0]) + tau_min
        while tau + 1 < tau_max and row[tau + 1] < row[tau]:
            tau += 1
        if 0 < tau < tau_max - 1:  # parabolic interpolation of the dip
            a, b, c = row[tau - 1], row[tau], row[tau + 1]
            denom = a - 2 * b + c
            shift = 0.5 * (a - c) / denom if denom > 0 else 0.0
        else:
            shift = 0.0
        f0s.append(rate / (tau + shift))
    if len(f0s) < 3:
        return None
    return float(np.median(f0s))
