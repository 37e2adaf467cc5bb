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
English binding (:func:`cosyclone.emulator.voice.mandarin_engine.mandarin_voice`): the sample's envelope is
rebuilt from it (joe's envelope warped, plus the equaliser) and fitted to the Kokoro voice chosen by pitch.
The Kokoro voices' reference readings live in the engine module (the engine needs their pitch). Deterministic.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cosyclone.emulator.voice.binding import Embedder
from cosyclone.emulator.voice.mandarin_engine import (
    ENGINE_RATE,
    base_f0_hz,
    base_voice_for,
    engine_voice,
    fit_formant,
    reference,
)
from cosyclone.emulator.voice.rendering import SpeechVoice

__all__ = ["bind_mandarin", "measure_mandarin"]

log = logging.getLogger(__name__)

#: "The North Wind and the Sun" in Mandarin (the IPA handbook's passage): what every Kokoro voice is measured on.
_FORMANTS = (0.94, 1.0, 1.07, 1.15)
_EQ_STRENGTHS = (1.0, 1.5, 0.5, 0.0)
_TRIAL_SECONDS = 4.0


@functools.lru_cache(maxsize=8)
def _analysis(base: str) -> Any:
    from cosyclone.emulator.voice.transform import analyse

    return analyse(reference(base)[0][: int(_TRIAL_SECONDS * ENGINE_RATE)], ENGINE_RATE, d4c=True)


def bind_mandarin(
    samples: NDArray[Any], rate: int, *, f0_hz: float | None, embed: Embedder | None = None
) -> SpeechVoice:
    """The Mandarin engine voice for an enrolled sample (mono float audio at ``rate``). Deterministic."""
    from cosyclone.emulator.voice.transform import envelope_db

    sample_env, measured_f0 = envelope_db(samples, rate)
    f0 = f0_hz if f0_hz is not None and f0_hz > 0 else (measured_f0 or 200.0)
    bases = base_voice_for(f0)
    if embed is None:
        return engine_voice(bases[0], f0, sample_env, fit_formant(sample_env, bases[0]), 1.0)
    target = embed(np.asarray(samples, dtype=np.float32), rate)
    scores = {base: _scorer(base, f0, sample_env, embed, target) for base in bases}
    fitted = {base: fit_formant(sample_env, base) for base in bases}
    base = max(bases, key=lambda b: scores[b](fitted[b], 1.0))
    score, formants = scores[base], sorted({fitted[base], *_FORMANTS})
    formant = max(formants, key=lambda k: score(k, 1.0))
    strength = max(_EQ_STRENGTHS, key=lambda s: score(formant, s))
    return engine_voice(base, f0, sample_env, formant, strength)


def _scorer(
    base: str, f0: float, sample_env: NDArray[np.float64], embed: Embedder, target: NDArray[np.float32]
) -> Callable[[float, float], float]:
    """score(formant, eq strength): cosine similarity of ``base``'s transformed reference to the sample."""
    from cosyclone.emulator.voice.binding import envelope_residual, smoothed_eq
    from cosyclone.emulator.voice.transform import resynthesise

    cache: dict[tuple[float, float], float] = {}

    def score(formant: float, strength: float) -> float:
        if (formant, strength) not in cache:
            eq = smoothed_eq(envelope_residual(sample_env, reference(base)[1], formant)[1]) * strength
            audio = resynthesise(_analysis(base), f0_ratio=f0 / base_f0_hz(base), formant=formant, eq_db=eq)
            cache[(formant, strength)] = float(np.dot(embed(audio, ENGINE_RATE), target))
        return cache[(formant, strength)]

    return score


def measure_mandarin(samples: NDArray[Any], rate: int, *, f0_hz: float | None) -> dict[str, Any]:
    """What the emulator keeps for a ``zh`` voice besides its English print: ``{"zh": its Mandarin binding}``,
    or nothing when the Mandarin engine is not installed."""
    from cosyclone.emulator.voice import mandarin_engine
    from cosyclone.emulator.voice.binding import default_embedder

    if not mandarin_engine.available():
        return {}
    return {"zh": bind_mandarin(samples, rate, f0_hz=f0_hz, embed=default_embedder()).to_dict()}
