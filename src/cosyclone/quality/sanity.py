"""Sanity of a clone's speech against its sample: loudness, clipping, speaking rate and pitch.

Each measure comes from :mod:`cosyclone.audio.metrics` (loudness BS.1770, clipping ratio, voice activity, YIN
pitch) except the speaking rate, which needs no transcript: *syllable nuclei per second of speech* — peaks of
the 10 ms level (smoothed over 50 ms) inside speech, each at least 3 dB above the dips on both sides (de Jong &
Wempe's idea, simplified). It is crude in absolute terms and under-reads fast speech (audio played twice as
fast reads 1.5-1.6x), but the same method runs on both signals, so their ratio is a fair "speaks faster or
slower than the sample".

**Tonal speech.** Both measures hold for Mandarin, where every character is one syllable and pitch moves with
the tones: on the real readers in ``tests/fixtures/audio/zh`` the syllable rate reads 3.72/s against 3.72
characters per second of speech (AISHELL-1 S0002) and 6.19 against 5.99 (THCHS-30 D4); the *median* pitch is
stable across a reader's two halves (168.6/174.1 Hz and 236.1/207.3 Hz: ratios 1.03 and 1.14, inside the
tolerance), since tones move the pitch around the speaker's register rather than shifting it. Neither half
raised a finding against the other.

Who may import it: :mod:`cosyclone.quality`. Pure functions of decoded audio.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from cosyclone.audio import metrics

__all__ = ["Sanity", "SpeechMeasures", "compare_speech", "measure_speech"]

#: Flags: the clone's loudness differs from the sample's by more than this.
LOUDNESS_TOLERANCE_DB = 6.0
#: Flags: more than this fraction of the clone's samples sit at full scale.
CLIPPING_LIMIT = 0.001
#: Flags: the clone's speaking rate is outside sample_rate × [1/1.4, 1.4].
RATE_TOLERANCE = 1.4
#: Flags: the clone's median pitch is outside the sample's × [1/1.25, 1.25] (about four semitones).
PITCH_TOLERANCE = 1.25
_PEAK_PROMINENCE_DB = 3.0
_ENVELOPE_S = 0.01


@dataclass(frozen=True)
class SpeechMeasures:
    """What one signal measures."""

    duration_s: float
    speech_s: float
    loudness_lufs: float
    peak_dbfs: float
    clipping_ratio: float
    syllables_per_s: float | None
    median_f0_hz: float | None


@dataclass(frozen=True)
class Sanity:
    """The clone against the sample, and the findings (empty when nothing is off)."""

    clone: SpeechMeasures
    sample: SpeechMeasures
    loudness_difference_db: float
    speaking_rate_ratio: float | None
    pitch_ratio: float | None
    findings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("loudness_difference_db", "speaking_rate_ratio", "pitch_ratio"):
            if data[key] is not None:
                data[key] = round(data[key], 3)
        for side in ("clone", "sample"):
            data[side] = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in data[side].items()}
        return data


def _syllable_rate(
    mono: npt.NDArray[np.float32], rate_hz: int, speech: npt.NDArray[np.bool_], frame_s: float
) -> float | None:
    speech_s = float(np.count_nonzero(speech)) * frame_s
    if speech_s < 1.0:
        return None
    hop = max(1, int(rate_hz * _ENVELOPE_S))
    count = mono.shape[0] // hop
    power = np.mean(np.square(mono[: count * hop].reshape(count, hop), dtype=np.float64), axis=1)
    level = 10.0 * np.log10(np.convolve(power, np.ones(5) / 5.0, mode="same") + 1e-10)  # 50 ms smoothing
    inside = np.repeat(speech, round(frame_s / _ENVELOPE_S))[:count]
    inside = np.concatenate((inside, np.zeros(count - inside.shape[0], dtype=bool)))
    maxima = [i for i in range(1, count - 1) if inside[i] and level[i - 1] < level[i] >= level[i + 1]]
    peaks, last = 0, -1
    for i in maxima:
        if last < 0:
            peaks, last = 1, i
            continue
        dip = float(level[last : i + 1].min())
        if min(level[i], level[last]) - dip >= _PEAK_PROMINENCE_DB:
            peaks, last = peaks + 1, i  # a new syllable: a dip of 3 dB separates it from the last
        elif level[i] > level[last]:
            last = i  # the same syllable's higher top
    return peaks / speech_s


def measure_speech(samples: npt.NDArray[Any], *, sample_rate_hz: int) -> SpeechMeasures:
    """Loudness, peak, clipping, speech time, syllable rate and median pitch of mono (or first-channel) audio."""
    x = np.asarray(samples, dtype=np.float32)
    mono = x[:, 0] if x.ndim == 2 else x
    activity = metrics.frame_activity(mono, sample_rate_hz=sample_rate_hz)
    return SpeechMeasures(
        duration_s=mono.shape[0] / sample_rate_hz,
        speech_s=float(np.count_nonzero(activity.speech)) * activity.frame_s,
        loudness_lufs=metrics.loudness_lufs(mono, sample_rate_hz=sample_rate_hz),
        peak_dbfs=metrics.peak_dbfs(mono),
        clipping_ratio=metrics.clipping_ratio(mono),
        syllables_per_s=_syllable_rate(mono, sample_rate_hz, activity.speech, activity.frame_s),
        median_f0_hz=metrics.median_f0_hz(mono, sample_rate_hz=sample_rate_hz),
    )


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b is not None and b > 0 else None


def compare_speech(clone: SpeechMeasures, sample: SpeechMeasures) -> Sanity:
    """The clone's measures against the sample's, with a finding for each that is out of tolerance."""
    loudness = clone.loudness_lufs - sample.loudness_lufs
    rate = _ratio(clone.syllables_per_s, sample.syllables_per_s)
    pitch = _ratio(clone.median_f0_hz, sample.median_f0_hz)
    findings: list[str] = []
    if abs(loudness) > LOUDNESS_TOLERANCE_DB:
        findings.append(f"loudness {clone.loudness_lufs:.1f} LUFS, {loudness:+.1f} dB from the sample's")
    if clone.clipping_ratio > CLIPPING_LIMIT:
        findings.append(f"clipping: {clone.clipping_ratio:.2%} of samples at full scale")
    if rate is not None and not 1 / RATE_TOLERANCE <= rate <= RATE_TOLERANCE:
        findings.append(f"speaking rate {rate:.2f}× the sample's")
    if pitch is not None and not 1 / PITCH_TOLERANCE <= pitch <= PITCH_TOLERANCE:
        findings.append(f"median pitch {clone.median_f0_hz:.0f} Hz against the sample's {sample.median_f0_hz:.0f} Hz")
    if clone.speech_s < 0.5 * clone.duration_s:
        findings.append(f"mostly silence: {clone.speech_s:.1f} s of speech in {clone.duration_s:.1f} s")
    return Sanity(clone, sample, loudness, rate, pitch, findings)
