"""Synthetic test signals with known answers."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def sine(freq_hz: float, *, seconds: float, rate: int, amplitude: float = 0.5) -> npt.NDArray[np.float32]:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def voiced(f0_hz: float, *, seconds: float, rate: int, amplitude: float = 0.3) -> npt.NDArray[np.float32]:
    """A harmonic tone (10 harmonics, falling 6 dB/octave) with a syllable-like 4 Hz envelope."""
    t = np.arange(int(seconds * rate)) / rate
    x = sum(np.sin(2 * np.pi * k * f0_hz * t) / k for k in range(1, 11) if k * f0_hz < rate / 2)
    envelope = 0.6 + 0.4 * np.sin(2 * np.pi * 4 * t)
    y = np.asarray(x * envelope, dtype=np.float64)
    return (amplitude * y / np.max(np.abs(y))).astype(np.float32)


def dominant_hz(x: npt.NDArray[np.float32], rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.shape[0])))
    return float(np.argmax(spectrum) * rate / x.shape[0])
