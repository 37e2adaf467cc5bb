"""The seam the synthesis rules call: :func:`voice_for` (a voice by id) and :func:`render_sentence` (its audio).

Who may import it: the emulator's synthesis rules and handlers, tests and benchmarks. Nothing heavy at import.

The emulator serving the request picks the engine (:mod:`cosyclone.emulator.voice.engine_choice`). With
``formant`` every sentence is rendered by :mod:`cosyclone.emulator.voice.formant_engine`. With ``speech``,
:func:`voice_for` binds the voice to an engine voice moved toward its enrolled sample
(:mod:`cosyclone.emulator.voice.binding`), and :func:`render_sentence` asks the per-language speech engines of
:data:`LANGUAGE_ENGINES`, in order, for the first one that is installed and speaks the sentence; text none of
them speaks falls back to the formant engine.

Adding a language: write a module under ``emulator/voice/`` that satisfies
:class:`cosyclone.emulator.voice.rendering.LanguageEngine` (``available``, ``speaks``, ``render_speech``) and add it
to :data:`LANGUAGE_ENGINES`.
"""

from __future__ import annotations

import numpy as np
from typing_extensions import Unpack

from cosyclone.emulator.voice import mandarin_engine, speech_engine
from cosyclone.emulator.voice.binding import voice_without_sample
from cosyclone.emulator.voice.engine_choice import SPEECH, current_context
from cosyclone.emulator.voice.formant_engine import render_formant
from cosyclone.emulator.voice.rendering import (
    LanguageEngine,
    RenderedSentence,
    RenderOptions,
    SpeechVoice,
    VoiceTimbre,
    stable_hash,
    system_voice_f0_hz,
)

__all__ = ["LANGUAGE_ENGINES", "engine_for", "render_sentence", "speech_languages", "voice_for"]

#: The speech engines, first match wins: each says which text it speaks (English: Latin letters, no CJK;
#: Mandarin: Chinese characters, with any English words in them).
LANGUAGE_ENGINES: tuple[LanguageEngine, ...] = (speech_engine, mandarin_engine)


def voice_for(voice_id: str, f0_hz: float | None) -> VoiceTimbre:
    """The :class:`VoiceTimbre` of ``voice_id``: its enrolled ``f0_hz`` (or a hashed one), formants scaled with pitch.

    Higher voices get slightly higher formants (as shorter vocal tracts do), with a small per-voice spread.
    With the speech engine, the voice also carries its binding: the one made from its sample at enrollment,
    else a stable one from its name and pitch.
    """
    f0 = f0_hz if f0_hz is not None and f0_hz > 0 else system_voice_f0_hz(voice_id)
    spread = ((stable_hash("formants", voice_id) % 1000) / 1000.0 - 0.5) * 0.08
    scale = float(np.clip((f0 / 150.0) ** 0.15 + spread, 0.85, 1.2))
    context = current_context()
    if context.engine != SPEECH:
        return VoiceTimbre(f0_hz=float(f0), formant_scale=round(scale, 3))
    bound = context.voice_print(voice_id)
    speech = SpeechVoice.from_dict(bound) if bound else voice_without_sample(voice_id, f0_hz)
    mandarin = SpeechVoice.from_dict(bound["zh"]) if bound and isinstance(bound.get("zh"), dict) else None
    return VoiceTimbre(f0_hz=float(f0), formant_scale=round(scale, 3), engine=SPEECH, speech=speech, mandarin=mandarin)


_INSTALLED: dict[int, bool] = {}


def _installed(engine: LanguageEngine) -> bool:
    """Whether an engine is installed, looked up once per process (the look walks the import path)."""
    if id(engine) not in _INSTALLED:
        _INSTALLED[id(engine)] = engine.available()
    return _INSTALLED[id(engine)]


def speech_languages(engine: str) -> list[str]:
    """The languages an emulator with ``engine`` reads aloud (``GET /_emulator/settings`` → ``speech_languages``):
    ``en``, plus ``zh`` when the Mandarin engine is installed; none with the formant engine."""
    if engine != SPEECH:
        return []
    return [lang for lang, module in (("en", speech_engine), ("zh", mandarin_engine)) if _installed(module)]


def engine_for(text: str, *, mandarin_voice: bool = False) -> LanguageEngine | None:
    """The first installed speech engine that speaks ``text``, or None (then the formant engine renders it).
    A ``mandarin_voice`` (enrolled with the ``zh`` hint) reads text with digits and no letters in Mandarin."""
    if mandarin_voice and any(ch.isdigit() for ch in text) and not any(ch.isalpha() for ch in text):
        return mandarin_engine if _installed(mandarin_engine) else None
    for engine in LANGUAGE_ENGINES:
        if engine.speaks(text) and _installed(engine):
            return engine
    return None


def render_sentence(text: str, *, voice: VoiceTimbre, **options: Unpack[RenderOptions]) -> RenderedSentence:
    """Audio for one sentence of ``text`` in ``voice``: spoken by a speech engine when the voice has one and
    an engine speaks the text, else by the formant engine. Options as
    :class:`~cosyclone.emulator.voice.rendering.RenderSettings`; never empty (at least 0.1 s)."""
    if voice.engine == SPEECH and voice.speech is not None:
        engine = engine_for(text, mandarin_voice=voice.mandarin is not None)
        if engine is not None:
            speaker = voice.mandarin if engine is mandarin_engine and voice.mandarin else voice.speech
            return engine.render_speech(text, voice=speaker, **options)
    return render_formant(text, voice=voice, **options)
