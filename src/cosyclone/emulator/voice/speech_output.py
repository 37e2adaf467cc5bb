"""What the neural speech engines (:mod:`~cosyclone.emulator.voice.speech_engine`, English, and
:mod:`~cosyclone.emulator.voice.mandarin_engine`, Mandarin) share around their models: the seed's nudge of the
pace, the voiced span of a model's output, and the finishing step that moves raw engine audio toward the
voice (pitch, formants, equaliser), resamples it and sets its level.

Who may import it: the speech engines and their tests. Heavy packages (WORLD, the resampler) are imported on
first use, as the engines do.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from cosyclone.emulator.voice.rendering import RenderedSentence, RenderSettings, SpeechVoice, WordTiming

__all__ = ["finish_speech", "seed_factor", "voiced_span"]


def seed_factor(seed: int) -> float:
    """How much ``seed`` nudges an engine's pace: within ±3 %, 1.0 for seed 0."""
    return 1.0 + 0.03 * (((seed * 2654435761) % 61) - 30) / 30.0 if seed else 1.0


def voiced_span(audio: NDArray[np.float32], engine_rate: int) -> tuple[int, int]:
    """First and last sample of the part louder than 40 dB below the peak (10 ms frames)."""
    frame = engine_rate // 100
    n = audio.shape[0] // frame
    if n == 0:
        return 0, audio.shape[0]
    energy = np.sqrt(np.mean(audio[: n * frame].reshape(n, frame) ** 2, axis=1))
    loud = np.flatnonzero(energy > (np.max(energy) or 1.0) * 0.01)
    if loud.size == 0:
        return 0, audio.shape[0]
    return int(loud[0] * frame), int(min(audio.shape[0], (loud[-1] + 1) * frame))


def finish_speech(
    audio: NDArray[np.float32],
    words: tuple[WordTiming, ...],
    *,
    engine_rate: int,
    engine_f0_hz: float,
    voice: SpeechVoice,
    settings: RenderSettings,
    d4c: bool = False,
) -> RenderedSentence:
    """Raw engine audio (at ``engine_rate``, spoken at ``engine_f0_hz``) moved to ``voice``'s pitch × the
    requested pitch, formant scale and equaliser (WORLD; ``d4c`` as :func:`~cosyclone.emulator.voice.transform.
    transform`), resampled to the requested rate and scaled so its peak is ``0.9 × volume / 100``. Never empty
    (0.1 s of silence for audio the engine left empty)."""
    from cosyclone.audio.dsp import resample_mono
    from cosyclone.emulator.voice.transform import transform

    sample_rate = settings.sample_rate
    f0_ratio = voice.f0_hz * settings.pitch / engine_f0_hz
    if abs(f0_ratio - 1.0) > 0.01 or abs(voice.formant - 1.0) > 0.005 or voice.eq_db:
        eq = np.asarray(voice.eq_db, dtype=np.float64) if voice.eq_db else None
        audio = transform(audio, engine_rate, f0_ratio=f0_ratio, formant=voice.formant, eq_db=eq, d4c=d4c)
    if sample_rate != engine_rate:
        audio = resample_mono(audio, from_hz=engine_rate, to_hz=sample_rate)
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    gain = 0.9 * min(max(settings.volume, 0), 100) / 100.0 / (peak or 1.0)
    samples = np.clip(audio * gain, -1.0, 1.0).astype(np.float32)
    if samples.shape[0] == 0:
        samples = np.zeros(max(1, sample_rate // 10), dtype=np.float32)
    return RenderedSentence(samples=samples, sample_rate=sample_rate, words=words)
