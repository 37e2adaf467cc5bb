"""Which Kokoro voice a cloned voice speaks Mandarin with, and how it is moved toward the enrolled sample.

Who may import it: the emulator's sample judge (at enrollment, for voices whose language hints include
``zh``), :mod:`cosyclone.emulator.voice.mandarin_engine`, tests and benchmarks. Pure numpy at import.

The binding is a :class:`cosyclone.emulator.voice.rendering.SpeechVoice` whose ``preset`` is one of the Kokoro
voices (:data:`cosyclone.emulator.voice.mandarin_engine.BASE_VOICES`), made as the English binding is, against that
voice's own reading of :data:`REFERENCE_TEXT`:

1. Measure the sample's median pitch and long-term spectral envelope.
2. The Kokoro voice by pitch: below 165 Hz the male ``jm_kumo``, above it ``jf_nezumi`` (of the four female
   voices the one Whisper base heard best reading Mandarin: CER 0.00–0.11 against 0.05–0.24, see
   ``benchmarks/results.md``); the formant scale that best fits its envelope to the sample's (least squares).
3. With a speaker-embedding function: the best formant scale (the fit, 0.94, 1.0, 1.07, 1.15) by how close the
   transformed reference's embedding is to the sample's, then the equaliser's strength (1.5, 1, 0.5, 0): eight
   trials on 4 s of the reference, a few seconds of CPU. Without one: the fitted scale.

Voices without a Mandarin binding (enrolled without the ``zh`` hint, system voices) get one made from their
English binding (:func:`mandarin_voice`): the sample's envelope is rebuilt from it (joe's envelope warped, plus
the equaliser) and fitted to the Kokoro voice chosen by pitch. Everything is deterministic.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cosyclone.emulator.voice.binding import Embedder
from cosyclone.emulator.voice.rendering import SpeechVoice

__all__ = ["REFERENCE_TEXT", "base_f0_hz", "bind_mandarin", "mandarin_voice", "measure_mandarin"]

log = logging.getLogger(__name__)

#: "The North Wind and the Sun" in Mandarin (the IPA handbook's passage): what every Kokoro voice is measured on.
REFERENCE_TEXT = (
    "北风跟太阳在那儿争论谁的本事大。争来争去，就是分不出高低来。这时候路上来了个走道儿的，他身上穿着件厚袍子。"
)
_LOW_VOICE_HZ = 165.0
_FORMANTS = (0.94, 1.0, 1.07, 1.15)
_FORMANT_GRID = np.round(np.arange(0.82, 1.3001, 0.01), 3)
_EQ_STRENGTHS = (1.0, 1.5, 0.5, 0.0)
_TRIAL_SECONDS = 4.0


def _candidates(f0_hz: float) -> tuple[str, ...]:
    return ("jm_kumo",) if f0_hz < _LOW_VOICE_HZ else ("jf_nezumi",)


@functools.lru_cache(maxsize=8)
def _reference(base: str) -> tuple[NDArray[np.float32], NDArray[np.float64], float]:
    """Kokoro voice ``base`` reading :data:`REFERENCE_TEXT` (24 kHz), its envelope and its median pitch."""
    from cosyclone.emulator.voice.mandarin_engine import ENGINE_RATE, speech_timeline
    from cosyclone.emulator.voice.transform import envelope_db

    audio, _ = speech_timeline(REFERENCE_TEXT, base=base, speed=1.0, rate=1.0)
    envelope, f0 = envelope_db(audio, ENGINE_RATE)
    return audio, envelope, float(f0 or 200.0)


def base_f0_hz(base: str) -> float:
    """A Kokoro voice's median pitch, measured on the reference (renders it on first call)."""
    return _reference(base)[2]


@functools.lru_cache(maxsize=8)
def _analysis(base: str) -> Any:
    from cosyclone.emulator.voice.mandarin_engine import ENGINE_RATE
    from cosyclone.emulator.voice.transform import analyse

    return analyse(_reference(base)[0][: int(_TRIAL_SECONDS * ENGINE_RATE)], ENGINE_RATE, d4c=True)


def _fit(sample_env: NDArray[np.float64], base: str) -> float:
    from cosyclone.emulator.voice.binding import _residual

    reference_env = _reference(base)[1]
    return float(min(_FORMANT_GRID, key=lambda k: _residual(sample_env, reference_env, float(k))[0]))


def _voice(base: str, f0: float, sample_env: NDArray[np.float64], formant: float, strength: float) -> SpeechVoice:
    from cosyclone.emulator.voice.binding import _residual, _smooth

    eq = _smooth(_residual(sample_env, _reference(base)[1], formant)[1]) * strength
    return SpeechVoice(
        preset=base,
        f0_hz=round(float(f0), 1),
        formant=round(float(formant), 3),
        eq_db=tuple(round(float(v), 2) for v in eq) if strength > 0 else (),
    )


def bind_mandarin(
    samples: NDArray[Any], rate: int, *, f0_hz: float | None, embed: Embedder | None = None
) -> SpeechVoice:
    """The Mandarin engine voice for an enrolled sample (mono float audio at ``rate``). Deterministic."""
    from cosyclone.emulator.voice.transform import envelope_db

    sample_env, measured_f0 = envelope_db(samples, rate)
    f0 = f0_hz if f0_hz is not None and f0_hz > 0 else (measured_f0 or 200.0)
    bases = _candidates(f0)
    if embed is None:
        return _voice(bases[0], f0, sample_env, _fit(sample_env, bases[0]), 1.0)
    target = embed(np.asarray(samples, dtype=np.float32), rate)
    scores = {base: _scorer(base, f0, sample_env, embed, target) for base in bases}
    fitted = {base: _fit(sample_env, base) for base in bases}
    base = max(bases, key=lambda b: scores[b](fitted[b], 1.0))
    score, formants = scores[base], sorted({fitted[base], *_FORMANTS})
    formant = max(formants, key=lambda k: score(k, 1.0))
    strength = max(_EQ_STRENGTHS, key=lambda s: score(formant, s))
    return _voice(base, f0, sample_env, formant, strength)


def _scorer(
    base: str, f0: float, sample_env: NDArray[np.float64], embed: Embedder, target: NDArray[np.float32]
) -> Callable[[float, float], float]:
    """score(formant, eq strength): cosine similarity of ``base``'s transformed reference to the sample."""
    from cosyclone.emulator.voice.binding import _residual, _smooth
    from cosyclone.emulator.voice.mandarin_engine import ENGINE_RATE
    from cosyclone.emulator.voice.transform import resynthesise

    cache: dict[tuple[float, float], float] = {}

    def score(formant: float, strength: float) -> float:
        if (formant, strength) not in cache:
            eq = _smooth(_residual(sample_env, _reference(base)[1], formant)[1]) * strength
            audio = resynthesise(_analysis(base), f0_ratio=f0 / base_f0_hz(base), formant=formant, eq_db=eq)
            cache[(formant, strength)] = float(np.dot(embed(audio, ENGINE_RATE), target))
        return cache[(formant, strength)]

    return score


@functools.lru_cache(maxsize=256)
def mandarin_voice(voice: SpeechVoice) -> SpeechVoice:
    """``voice`` if it is a Mandarin binding, else one made from the English binding ``voice``."""
    from cosyclone.emulator.voice.mandarin_engine import BASE_VOICES

    if voice.preset in BASE_VOICES:
        return voice
    from cosyclone.emulator.voice.speech_engine import reference as english_reference
    from cosyclone.emulator.voice.transform import ENVELOPE_HZ

    log_hz = np.log(ENVELOPE_HZ)
    joe_env = english_reference()[1]
    sample_env = np.interp(log_hz - np.log(voice.formant), log_hz, joe_env)
    if len(voice.eq_db) == len(ENVELOPE_HZ):
        sample_env = sample_env + np.asarray(voice.eq_db, dtype=np.float64)
    base = _candidates(voice.f0_hz)[0]
    return _voice(base, voice.f0_hz, sample_env, _fit(sample_env, base), 1.0 if voice.eq_db else 0.0)


def measure_mandarin(samples: NDArray[Any], rate: int, *, f0_hz: float | None) -> dict[str, Any]:
    """What the emulator keeps for a ``zh`` voice besides its English print: ``{"zh": its Mandarin binding}``,
    or nothing when the Mandarin engine is not installed."""
    from cosyclone.emulator.voice import mandarin_engine
    from cosyclone.emulator.voice.binding import default_embedder

    if not mandarin_engine.available():
        return {}
    return {"zh": bind_mandarin(samples, rate, f0_hz=f0_hz, embed=default_embedder()).to_dict()}
