"""Which engine voice a cloned voice speaks with, and how it is moved toward the enrolled sample.

Who may import it: the emulator's sample judge (at ``create_voice``/``update_voice``), the voice engine, the
speech engine, tests and benchmarks. Pure numpy at import; WORLD (``pyworld``) and the Piper voice load only
when a sample is measured or the reference is rendered.

The speech engine has one neural voice (Piper "joe") and derives its *engine voices* from it: :data:`PRESETS`
scale its formants from 0.90 (a longer vocal tract, darker) to 1.19 (shorter, brighter). Binding a sample:

1. Measure the sample's median pitch and long-term spectral envelope
   (:func:`cosyclone.emulator.voice_transform.envelope_db`).
2. Find the formant scale that best fits joe's envelope to the sample's (least squares over 0.82–1.25), and
   call the nearest preset the voice's engine voice.
3. Keep what is left of the difference, smoothed and limited to ±9 dB, as an equaliser curve (timbre).
4. When a speaker-embedding function is given, try the fit with the full, half and no equaliser curve on a
   reference rendering, and keep the one whose embedding is closest to the sample's.

The voice then speaks at the sample's pitch. Everything is deterministic: the same sample always gives the
same :class:`SpeechVoice`. Voices without a sample (system voices, seeded ones) get a pitch and preset from a
stable hash of their name (:func:`voice_without_sample`).
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "PRESETS",
    "Embedder",
    "SpeechVoice",
    "bind_sample",
    "engine_f0_hz",
    "voice_without_sample",
]

log = logging.getLogger(__name__)

#: A speaker-embedding function: mono float samples and their rate → an L2-normalised vector.
Embedder = Callable[[NDArray[np.float32], int], NDArray[np.float32]]

#: The engine voices: joe with formants scaled.
PRESETS: dict[str, float] = {
    "joe-deep": 0.90,
    "joe-dark": 0.95,
    "joe": 1.0,
    "joe-light": 1.06,
    "joe-bright": 1.12,
    "joe-high": 1.19,
}
#: Harvard sentences (public domain): the reference joe is measured on.
REFERENCE_TEXT = (
    "The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background. "
    "It is easy to tell the depth of a well. These days a chicken leg is a rare dish."
)
_FORMANT_GRID = np.round(np.arange(0.82, 1.2501, 0.01), 3)
_EQ_LIMIT_DB = 9.0
_EQ_STRENGTHS = (1.0, 0.5, 0.0)


@dataclass(frozen=True)
class SpeechVoice:
    """An engine voice moved toward a speaker: its preset, pitch, formant scale and equaliser (dB per band)."""

    preset: str
    f0_hz: float
    formant: float
    eq_db: tuple[float, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"preset": self.preset, "f0_hz": self.f0_hz, "formant": self.formant, "eq_db": list(self.eq_db)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SpeechVoice:
        return cls(
            preset=str(data["preset"]),
            f0_hz=float(data["f0_hz"]),
            formant=float(data["formant"]),
            eq_db=tuple(float(v) for v in data.get("eq_db", ())),
        )


def _stable_fraction(*parts: object) -> float:
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / float(1 << 64)


def nearest_preset(formant: float) -> str:
    return min(PRESETS, key=lambda name: abs(PRESETS[name] - formant))


@functools.lru_cache(maxsize=1)
def _reference() -> tuple[NDArray[np.float32], NDArray[np.float64], float]:
    """joe reading :data:`REFERENCE_TEXT` (22.05 kHz), its envelope and its median pitch."""
    from cosyclone.emulator.speech_engine import ENGINE_RATE, _timeline
    from cosyclone.emulator.voice_transform import envelope_db

    audio, _ = _timeline(REFERENCE_TEXT, length_scale=1.0, rate=1.0)
    envelope, f0 = envelope_db(audio, ENGINE_RATE)
    return audio, envelope, float(f0 or 120.0)


def engine_f0_hz() -> float:
    """joe's median pitch, as measured on the reference (loads the engine on first call)."""
    return _reference()[2]


def voice_without_sample(name: str, f0_hz: float | None) -> SpeechVoice:
    """A stable voice for a name: ``f0_hz`` (or one hashed from the name, 95–245 Hz) and a preset that rises
    with pitch, spread by the name's hash so that voices of equal pitch still differ."""
    from cosyclone.emulator.voice_engine import system_voice_f0_hz

    f0 = f0_hz if f0_hz is not None and f0_hz > 0 else system_voice_f0_hz(name)
    spread = (_stable_fraction("preset", name) - 0.5) * 0.08
    formant = float(np.clip((f0 / 120.0) ** 0.3 + spread, 0.88, 1.22))
    return SpeechVoice(preset=nearest_preset(formant), f0_hz=round(float(f0), 1), formant=round(formant, 3))


def _fit_formant(sample_env: NDArray[np.float64], engine_env: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
    """The formant scale that best fits the engine's envelope to the sample's, and the residual (dB)."""
    from cosyclone.emulator.voice_transform import ENVELOPE_HZ

    log_hz = np.log(ENVELOPE_HZ)
    best: tuple[float, float, NDArray[np.float64]] | None = None
    for formant in _FORMANT_GRID:
        warped = np.interp(log_hz - np.log(formant), log_hz, engine_env)
        residual = sample_env - warped
        residual = residual - float(np.mean(residual))
        tilt = np.polyval(np.polyfit(log_hz, residual, 1), log_hz)  # spectral tilt is the equaliser's job
        cost = float(np.mean((residual - tilt) ** 2))
        if best is None or cost < best[0]:
            best = (cost, float(formant), residual)
    assert best is not None
    return best[1], best[2]


def _smooth(curve: NDArray[np.float64]) -> NDArray[np.float64]:
    kernel = np.ones(5) / 5.0
    padded = np.pad(curve, 2, mode="edge")
    return np.clip(np.convolve(padded, kernel, mode="valid"), -_EQ_LIMIT_DB, _EQ_LIMIT_DB)


def bind_sample(
    samples: NDArray[Any], rate: int, *, f0_hz: float | None, embed: Embedder | None = None
) -> SpeechVoice:
    """The engine voice for an enrolled sample (mono float audio at ``rate``). Deterministic.

    ``f0_hz`` is the pitch the judge measured (None: measured here). ``embed`` (optional) chooses how much of
    the equaliser curve to keep by comparing speaker embeddings of a reference rendering with the sample's.
    """
    from cosyclone.emulator.voice_transform import envelope_db

    reference_audio, reference_env, reference_f0 = _reference()
    sample_env, measured_f0 = envelope_db(samples, rate)
    f0 = f0_hz if f0_hz is not None and f0_hz > 0 else (measured_f0 or reference_f0)
    formant, residual = _fit_formant(sample_env, reference_env)
    eq = _smooth(residual)
    strength = _EQ_STRENGTHS[0] if embed is None else _best_strength(samples, rate, embed, f0, formant, eq)
    return SpeechVoice(
        preset=nearest_preset(formant),
        f0_hz=round(float(f0), 1),
        formant=round(formant, 3),
        eq_db=tuple(round(float(v) * strength, 2) for v in eq) if strength > 0 else (),
    )


def _best_strength(
    samples: NDArray[Any], rate: int, embed: Embedder, f0: float, formant: float, eq: NDArray[np.float64]
) -> float:
    from cosyclone.emulator.speech_engine import ENGINE_RATE
    from cosyclone.emulator.voice_transform import transform

    reference_audio, _, reference_f0 = _reference()
    target = embed(np.asarray(samples, dtype=np.float32), rate)
    scores = []
    for strength in _EQ_STRENGTHS:
        rendered = transform(
            reference_audio, ENGINE_RATE, f0_ratio=f0 / reference_f0, formant=formant, eq_db=eq * strength
        )
        scores.append(float(np.dot(embed(rendered, ENGINE_RATE), target)))
    log.debug("equaliser strengths %s scored %s", _EQ_STRENGTHS, scores)
    return _EQ_STRENGTHS[int(np.argmax(scores))]
