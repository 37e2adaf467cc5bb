"""What every voice engine of the emulator shares: a voice's timbre, a rendered sentence and its word timings,
the engine voice a cloned voice is bound to, and the seam a per-language speech engine plugs into.

Who may import it: every module of :mod:`cosyclone.emulator.voice`, the synthesis rules and handlers, tests and
benchmarks. Pure numpy, no I/O, imports nothing else of the emulator (so that the engines, the binding and the
seam in :mod:`cosyclone.emulator.voice.engines` can all stand on it without a circle).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Protocol, TypedDict

import numpy as np
from numpy.typing import NDArray
from typing_extensions import Required, Unpack

__all__ = [
    "LanguageEngine",
    "RenderOptions",
    "RenderSettings",
    "RenderedSentence",
    "SpeechVoice",
    "VoiceTimbre",
    "WordTiming",
    "stable_hash",
    "system_voice_f0_hz",
]


def stable_hash(*parts: object) -> int:
    """A 64-bit hash of ``parts`` that is the same in every process (Python's ``hash`` is salted)."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def system_voice_f0_hz(name: str) -> float:
    """A pitch for a system voice, stable for its name: between 95 and 245 Hz."""
    return 95.0 + (stable_hash("f0", name) % 1500) / 10.0


@dataclass(frozen=True)
class SpeechVoice:
    """An engine voice moved toward a speaker: its preset, pitch, formant scale and equaliser (dB per band).
    Made by :mod:`cosyclone.emulator.voice.binding`; every speech engine speaks with it."""

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


@dataclass(frozen=True)
class VoiceTimbre:
    """What makes one voice sound like itself: its pitch and how its formants are scaled; with the speech
    engine, also the engine voice it is bound to."""

    f0_hz: float
    formant_scale: float = 1.0
    engine: str = "formant"
    speech: SpeechVoice | None = None
    #: Multiplies the speaking rate (a designed voice's pace, contract §11.1); 1.0 for every other voice.
    pace: float = 1.0
    #: The voice's Mandarin binding (voices enrolled with the ``zh`` hint); others speak Chinese with one made
    #: from ``speech`` (:func:`cosyclone.emulator.voice.mandarin_engine.mandarin_voice`).
    mandarin: SpeechVoice | None = None


@dataclass(frozen=True)
class WordTiming:
    """A word's place in the sentence text (``end_index`` exclusive) and in the rendered audio (seconds)."""

    text: str
    begin_index: int
    end_index: int
    begin_s: float
    end_s: float


@dataclass(frozen=True)
class RenderedSentence:
    """Mono float32 samples in [-1, 1] and the words' timings, relative to the sentence's start."""

    samples: NDArray[np.float32]
    sample_rate: int
    words: tuple[WordTiming, ...]

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


class RenderOptions(TypedDict, total=False):
    """The keyword arguments every engine's render function takes (``**options: Unpack[RenderOptions]``);
    defaults and meaning in :class:`RenderSettings`."""

    sample_rate: Required[int]
    volume: int
    rate: float
    pitch: float
    seed: int


@dataclass(frozen=True)
class RenderSettings:
    """How a sentence is rendered, the same for every engine.

    ``sample_rate``: output rate in Hz. ``volume``: 0–100, linear level (0 is silence of the right length).
    ``rate``: 0.5–2.0, speed; durations are divided by it. ``pitch``: 0.5–2.0, multiplies the voice's f0.
    ``seed``: varies the rendering; same inputs and seed, same samples.
    """

    sample_rate: int
    volume: int = 50
    rate: float = 1.0
    pitch: float = 1.0
    seed: int = 0


class LanguageEngine(Protocol):
    """A speech engine for some languages, as :func:`cosyclone.emulator.voice.engines.render_sentence` asks it.

    To add one (say Mandarin): a module under ``emulator/voice/`` with these three functions, listed in
    :data:`cosyclone.emulator.voice.engines.LANGUAGE_ENGINES`. The first listed engine that is installed and
    :meth:`speaks` the sentence renders it; text no engine speaks falls back to the formant engine.
    """

    def available(self) -> bool:
        """Whether the engine's packages are installed (a look, no import)."""
        ...

    def speaks(self, text: str) -> bool:
        """Whether this engine reads ``text`` aloud."""
        ...

    def render_speech(self, text: str, *, voice: SpeechVoice, **options: Unpack[RenderOptions]) -> RenderedSentence:
        """``text`` read aloud in ``voice``; deterministic for the same arguments."""
        ...
