"""Move a rendered voice toward an enrolled sample: pitch, formants and spectral balance, with WORLD.

Who may import it: :mod:`cosyclone.emulator.voice.binding` and :mod:`cosyclone.emulator.voice.speech_engine` (the
speech engine's optional extra). ``pyworld`` (WORLD vocoder, BSD-3; the ``pyworld-prebuilt`` wheel, MIT) is
imported inside the functions, so importing this module costs nothing.

- :func:`envelope_db` measures a recording: its median pitch and its long-term spectral envelope (mean log
  power of WORLD's CheapTrick envelope over voiced frames, on :data:`ENVELOPE_HZ`, mean removed).
- :func:`transform` re-synthesises speech with its pitch multiplied, its envelope warped along the frequency
  axis (``formant`` > 1 moves formants up, as a shorter vocal tract does) and an equaliser curve added.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["ANALYSIS_RATE", "ENVELOPE_HZ", "Analysis", "analyse", "envelope_db", "resynthesise", "transform"]

#: Where envelopes are compared: 40 log-spaced frequencies from 120 Hz to 7 kHz (below an 8 kHz Nyquist,
#: so a 16 kHz sample and the engine's 22.05 kHz voice are measured alike).
ENVELOPE_HZ: NDArray[np.float64] = np.geomspace(120.0, 7000.0, 40)
#: Every measurement is made at this rate.
ANALYSIS_RATE = 16000
_FRAME_MS = 10.0
_F0_FLOOR, _F0_CEIL = 71.0, 500.0


def _analyse(x: NDArray[np.float64], rate: int) -> tuple[NDArray[np.float64], NDArray[np.float64], Any]:
    import pyworld

    f0, times = pyworld.dio(x, rate, f0_floor=_F0_FLOOR, f0_ceil=_F0_CEIL, frame_period=_FRAME_MS)
    f0 = pyworld.stonemask(x, f0, times, rate)
    sp = pyworld.cheaptrick(x, f0, times, rate, f0_floor=_F0_FLOOR)
    return f0, sp, pyworld


def envelope_db(samples: NDArray[Any], rate: int) -> tuple[NDArray[np.float64], float | None]:
    """The long-term envelope (dB at :data:`ENVELOPE_HZ`, mean removed) and median pitch of a recording.

    ``samples`` is mono float audio at ``rate``; it is resampled to :data:`ANALYSIS_RATE` first.
    """
    from cosyclone.audio.dsp import resample_mono

    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    if rate != ANALYSIS_RATE:
        x = resample_mono(x, from_hz=rate, to_hz=ANALYSIS_RATE)
    f0, sp, _ = _analyse(x.astype(np.float64), ANALYSIS_RATE)
    voiced = f0 > 0
    if not np.any(voiced):
        return np.zeros_like(ENVELOPE_HZ), None
    bins = np.linspace(0.0, ANALYSIS_RATE / 2, sp.shape[1])
    mean_db = 10.0 * np.log10(np.mean(sp[voiced], axis=0) + 1e-12)
    curve = np.interp(ENVELOPE_HZ, bins, mean_db)
    return curve - float(np.mean(curve)), float(np.median(f0[voiced]))


def _warp(sp: NDArray[np.float64], formant: float) -> NDArray[np.float64]:
    """Scale the frequency axis of every envelope frame by ``formant`` (linear interpolation between bins)."""
    if abs(formant - 1.0) < 1e-3:
        return sp
    n = sp.shape[1]
    source = np.clip(np.arange(n) / formant, 0, n - 1)
    low = np.floor(source).astype(np.int64)
    high = np.minimum(low + 1, n - 1)
    weight = source - low
    return sp[:, low] * (1.0 - weight) + sp[:, high] * weight


def _aperiodicity(f0: NDArray[np.float64], bins: int, rate: int) -> NDArray[np.float64]:
    """A cheap stand-in for D4C: voiced frames periodic below ~3 kHz, noisier above; unvoiced frames noise."""
    freqs = np.linspace(0.0, rate / 2, bins)
    voiced_ap = np.clip((freqs - 3000.0) / 5000.0, 0.0, 1.0) ** 1.5 * 0.8 + 0.002
    ap = np.tile(voiced_ap, (f0.shape[0], 1))
    ap[f0 <= 0] = 1.0
    return ap


@dataclass(frozen=True)
class Analysis:
    """WORLD's view of a recording: pitch track and spectral envelope (10 ms frames), length and level."""

    rate: int
    length: int
    rms: float
    f0: NDArray[np.float64]
    sp: NDArray[np.float64]
    #: WORLD's D4C aperiodicity, when asked for (else a cheap stand-in is used at synthesis).
    ap: NDArray[np.float64] | None = None


def analyse(samples: NDArray[Any], rate: int, *, d4c: bool = False) -> Analysis:
    """Analyse mono float audio once, to re-synthesise it in several voices (:func:`resynthesise`).

    ``d4c``: also measure the aperiodicity with WORLD's D4C (about 0.01 of real time more; the Mandarin engine
    uses it: with the stand-in Whisper misheard more of its tones and affricates)."""
    x = np.asarray(samples, dtype=np.float64).reshape(-1)
    f0, sp, pyworld = _analyse(x, rate)
    ap = pyworld.d4c(x, f0, np.arange(f0.shape[0]) * _FRAME_MS / 1000.0, rate) if d4c else None
    return Analysis(rate, x.shape[0], float(np.sqrt(np.mean(x * x))) if x.size else 0.0, f0, sp, ap)


def transform(
    samples: NDArray[np.float32],
    rate: int,
    *,
    f0_ratio: float,
    formant: float = 1.0,
    eq_db: NDArray[np.float64] | None = None,
    d4c: bool = False,
) -> NDArray[np.float32]:
    """Re-synthesise ``samples`` with pitch × ``f0_ratio``, envelope warped by ``formant`` and ``eq_db`` added
    (``d4c``: with WORLD's measured aperiodicity, see :func:`analyse`).

    ``eq_db`` holds gains at :data:`ENVELOPE_HZ` (held flat beyond its ends). Returns the same number of
    samples, at the input's RMS level.
    """
    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    if x.shape[0] < rate // 20 or not np.any(x):
        return x
    return resynthesise(analyse(x, rate, d4c=d4c), f0_ratio=f0_ratio, formant=formant, eq_db=eq_db)


def resynthesise(
    analysis: Analysis, *, f0_ratio: float, formant: float = 1.0, eq_db: NDArray[np.float64] | None = None
) -> NDArray[np.float32]:
    """:func:`transform` from an :func:`analyse` result."""
    import pyworld

    rate, f0 = analysis.rate, analysis.f0
    sp = _warp(analysis.sp, formant)
    if eq_db is not None and len(eq_db) == len(ENVELOPE_HZ):
        bins = np.linspace(0.0, rate / 2, sp.shape[1])
        gain_db = np.interp(np.log(np.maximum(bins, 1.0)), np.log(ENVELOPE_HZ), np.asarray(eq_db, dtype=np.float64))
        sp = sp * (10.0 ** (gain_db / 10.0))[None, :]
    ap = analysis.ap if analysis.ap is not None else _aperiodicity(f0, sp.shape[1], rate)
    y = pyworld.synthesize(
        np.ascontiguousarray(f0 * f0_ratio), np.ascontiguousarray(sp), np.ascontiguousarray(ap), rate, _FRAME_MS
    )
    y = np.pad(y, (0, max(0, analysis.length - y.shape[0])))[: analysis.length]
    rms_out = float(np.sqrt(np.mean(y * y))) or 1.0
    return (y * (analysis.rms / rms_out)).astype(np.float32)
