"""Which engine voice a cloned voice speaks with, and how it is moved toward the enrolled sample.

Who may import it: the emulator's sample judge (at ``create_voice``/``update_voice``), the engine seam
(:mod:`cosyclone.emulator.voice.engines`), tests and benchmarks. Pure numpy at import; WORLD (``pyworld``)
and the Piper voice load only when a sample is measured or the reference is rendered.

The speech engine has one neural voice (Piper "joe") and derives its *engine voices* from it: :data:`PRESETS`
scale its formants from 0.88 (a longer vocal tract, darker) to 1.40 (shorter, brighter). Binding a sample:

1. Measure the sample's median pitch and long-term spectral envelope
   (:func:`cosyclone.emulator.voice.transform.envelope_db`).
2. Find the formant scale that best fits joe's envelope to the sample's (least squares over 0.82–1.40,
   spectral tilt aside), and call the nearest preset the voice's engine voice.
3. Keep what is left of the difference, smoothed and limited to ±15 dB, as an equaliser curve (timbre).
4. When a speaker-embedding function is given, try every preset and the fit, then equaliser strengths
   (1.5, 1, 0.5, 0), then the presets again, on a 4 s reference rendering, and keep what brings its
   embedding closest to the sample's.

The voice then speaks at the sample's pitch. Everything is deterministic: the same sample always gives the
same :class:`SpeechVoice`. Voices without a sample (system voices, seeded ones) get a pitch and preset from a
stable hash of their name (:func:`voice_without_sample`).
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cosyclone.emulator.voice.rendering import SpeechVoice, system_voice_f0_hz
from cosyclone.emulator.voice.speech_engine import ENGINE_RATE, engine_f0_hz, reference
from cosyclone.emulator.voice.transform import ENVELOPE_HZ, analyse, envelope_db, resynthesise

__all__ = [
    "PRESETS",
    "Embedder",
    "SpeechVoice",
    "bind_sample",
    "engine_f0_hz",
    "envelope_residual",
    "smoothed_eq",
    "voice_without_sample",
]

log = logging.getLogger(__name__)

#: A speaker-embedding function: mono float samples and their rate → an L2-normalised vector.
Embedder = Callable[[NDArray[np.float32], int], NDArray[np.float32]]

#: The engine voices: joe with formants scaled.
PRESETS: dict[str, float] = {
    "joe-deep": 0.88,
    "joe-dark": 0.94,
    "joe": 1.0,
    "joe-light": 1.07,
    "joe-bright": 1.15,
    "joe-high": 1.23,
    "joe-higher": 1.32,
    "joe-highest": 1.40,
}
_FORMANT_GRID = np.round(np.arange(0.82, 1.4001, 0.01), 3)
_EQ_LIMIT_DB = 15.0
_EQ_STRENGTHS = (1.0, 1.5, 0.5, 0.0)
_TRIAL_SECONDS = 4.0


def _stable_fraction(*parts: object) -> float:
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / float(1 << 64)


def nearest_preset(formant: float) -> str:
    return min(PRESETS, key=lambda name: abs(PRESETS[name] - formant))


def voice_without_sample(name: str, f0_hz: float | None) -> SpeechVoice:
    """A stable voice for a name: ``f0_hz`` (or one hashed from the name, 95–245 Hz) and a preset that rises
    with pitch, spread by the name's hash so that voices of equal pitch still differ."""
    f0 = f0_hz if f0_hz is not None and f0_hz > 0 else system_voice_f0_hz(name)
    spread = (_stable_fraction("preset", name) - 0.5) * 0.08
    formant = float(np.clip((f0 / 120.0) ** 0.3 + spread, 0.88, 1.22))
    return SpeechVoice(preset=nearest_preset(formant), f0_hz=round(float(f0), 1), formant=round(formant, 3))


def _residual(
    sample_env: NDArray[np.float64], engine_env: NDArray[np.float64], formant: float
) -> tuple[float, NDArray[np.float64]]:
    """How badly the engine's envelope warped by ``formant`` fits the sample's (spectral tilt aside, which is
    the equaliser's job), and the difference (dB, mean removed)."""
    log_hz = np.log(ENVELOPE_HZ)
    warped = np.interp(log_hz - np.log(formant), log_hz, engine_env)
    residual = sample_env - warped
    residual = residual - float(np.mean(residual))
    tilt = np.polyval(np.polyfit(log_hz, residual, 1), log_hz)
    return float(np.mean((residual - tilt) ** 2)), residual


def _smooth(curve: NDArray[np.float64]) -> NDArray[np.float64]:
    kernel = np.ones(5) / 5.0
    padded = np.pad(curve, 2, mode="edge")
    return np.clip(np.convolve(padded, kernel, mode="valid"), -_EQ_LIMIT_DB, _EQ_LIMIT_DB)


#: The envelope fit and the equaliser curve, shared with the Mandarin binding (:mod:`.mandarin_binding`).
envelope_residual = _residual
smoothed_eq = _smooth


def bind_sample(samples: NDArray[Any], rate: int, *, f0_hz: float | None, embed: Embedder | None = None) -> SpeechVoice:
    """The engine voice for an enrolled sample (mono float audio at ``rate``). Deterministic.

    ``f0_hz`` is the pitch the judge measured (None: measured here). Without ``embed`` the formant scale is
    the best envelope fit; with it, each preset (and the fit) is tried on a reference rendering, and then the
    equaliser's strength, keeping whatever makes the rendering's speaker embedding closest to the sample's.
    """
    _, reference_env, reference_f0 = reference()
    sample_env, measured_f0 = envelope_db(samples, rate)
    f0 = f0_hz if f0_hz is not None and f0_hz > 0 else (measured_f0 or reference_f0)
    fitted = min(_FORMANT_GRID, key=lambda k: _residual(sample_env, reference_env, float(k))[0])
    candidates = [(float(fitted), 1.0)]
    if embed is not None:
        score = _scorer(samples, rate, embed, f0 / reference_f0, sample_env, reference_env)
        formants = sorted({float(fitted), *PRESETS.values()})
        formant, strength = max(formants, key=lambda k: score(k, 1.0)), 1.0
        # coordinate ascent: formant scale, equaliser strength, formant scale again
        strength = max(_EQ_STRENGTHS, key=lambda s: score(formant, s))
        formant = max(formants, key=lambda k: score(k, strength))
        candidates = [(formant, strength)]
    formant, strength = candidates[0]
    eq = _smooth(_residual(sample_env, reference_env, formant)[1]) * strength
    return SpeechVoice(
        preset=nearest_preset(formant),
        f0_hz=round(float(f0), 1),
        formant=round(formant, 3),
        eq_db=tuple(round(float(v), 2) for v in eq) if strength > 0 else (),
    )


def _scorer(
    samples: NDArray[Any],
    rate: int,
    embed: Embedder,
    f0_ratio: float,
    sample_env: NDArray[np.float64],
    reference_env: NDArray[np.float64],
) -> Callable[[float, float], float]:
    """score(formant, eq strength): cosine similarity of the transformed reference to the sample (memoised)."""
    analysis = _reference_analysis()
    target = embed(np.asarray(samples, dtype=np.float32), rate)
    cache: dict[tuple[float, float], float] = {}

    def score(formant: float, strength: float) -> float:
        if (formant, strength) not in cache:
            eq = _smooth(_residual(sample_env, reference_env, formant)[1]) * strength
            audio = resynthesise(analysis, f0_ratio=f0_ratio, formant=formant, eq_db=eq)
            cache[(formant, strength)] = float(np.dot(embed(audio, ENGINE_RATE), target))
        return cache[(formant, strength)]

    return score


@functools.lru_cache(maxsize=1)
def _reference_analysis() -> Any:
    """WORLD analysis of the reference rendering's first sentences (about 5 s), for trying voices quickly."""
    audio = reference()[0]
    return analyse(audio[: int(_TRIAL_SECONDS * ENGINE_RATE)], ENGINE_RATE)


def default_embedder() -> Embedder | None:
    """The project's speaker encoder (:mod:`cosyclone.audio.speaker`), or None when its weights are missing."""
    from cosyclone._exceptions import CosycloneError

    try:
        from cosyclone.audio.speaker import embed_speaker, load_encoder

        load_encoder()
    except (ImportError, CosycloneError) as error:
        log.info("speaker embedding unavailable, binding voices by pitch and envelope only: %s", error)
        return None

    def embed(samples: NDArray[np.float32], rate: int) -> NDArray[np.float32]:
        return embed_speaker(samples, sample_rate_hz=rate)

    return embed


def measure_sample(samples: NDArray[Any], rate: int, *, f0_hz: float | None) -> dict[str, Any]:
    """What the emulator keeps of an enrolled sample for the speech engine: its :class:`SpeechVoice`, as a dict."""
    return bind_sample(samples, rate, f0_hz=f0_hz, embed=default_embedder()).to_dict()
