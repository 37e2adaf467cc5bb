"""Is this consent recording the sample's speaker reading the consent sentence? Measurement only, no I/O.

A voice clone needs the speaker's agreement. We check it the way a voice captcha does, offline, with two figures:

- **words**: the offline recogniser (:mod:`cosyclone.audio.recognize`) transcribes the recording; the word error
  rate against the consent text must be at most :data:`MAX_ERROR_RATE` (0.3). Mandarin is compared character by
  character (:func:`~cosyclone.audio.recognize.character_error_rate`: traditional characters as simplified). Both
  texts are lower-cased and stripped of punctuation; numbers count the same written as digits or as words
  (``"3 voices"`` = ``"three voices"``; Mandarin: ``"15"`` = ``"十五"`` or ``"一五"``).
- **speaker**: the GE2E speaker embedding (:mod:`cosyclone.audio.speaker`) of the recording against the sample's;
  the cosine similarity must reach ``score``'s ``same_min`` (0.80, :data:`~cosyclone.quality.bands.DEFAULT_BANDS`).
  The band between ``different_max`` and ``same_min`` (*inconclusive*) is refused too.

Measured on the fixtures (``tests/fixtures/audio/consent``): flite's *awb* reading the English sentence against
awb's sample: WER 0.00, similarity 0.94; flite's *slt* reading it against awb's sample: similarity 0.54;
awb's other text against awb's sample: WER 1.87 (similarity 0.92). It is not an anti-spoofing test: the
emulator's clones (speech engine) of awb and of the LibriVox reader reading the sentence scored 0.796 and 0.735
against their samples (refused), but a better clone of the speaker could pass.

Who may import it: the library layer's consent action (``cosyclone.ops.consent``) and tests. It imports
``cosyclone.audio`` and :mod:`cosyclone.quality.bands`; decoding files is the caller's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy.typing as npt

from cosyclone.quality.bands import DEFAULT_BANDS

__all__ = [
    "CONSENT_SENTENCES",
    "MAX_ERROR_RATE",
    "ConsentCheck",
    "ConsentVerdict",
    "consent_sentence",
    "measure_consent",
    "spell_numbers",
]

#: The largest word (character, for Mandarin) error rate a consent reading may have.
MAX_ERROR_RATE = 0.3

#: The default consent sentence per language: it names the purpose (cloning this voice with this tool).
CONSENT_SENTENCES = {
    "en": "I agree that this tool may clone my voice and speak new words with it.",
    "zh": "我同意这个工具克隆我的声音，并用它说出新的话。",
}

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
_ONES += "seventeen eighteen nineteen"
_EN_ONES = _ONES.split()
_EN_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ZH_DIGITS = "零一二三四五六七八九"


def consent_sentence(language: str = "en") -> str:
    """The default consent sentence in ``language`` (``en`` or ``zh``; another language gets the English one)."""
    return CONSENT_SENTENCES.get(language.split("-")[0].lower(), CONSENT_SENTENCES["en"])


def _english_number(n: int) -> str:
    if n < 20:
        return _EN_ONES[n]
    if n < 100:
        return _EN_TENS[n // 10] + ("" if n % 10 == 0 else " " + _EN_ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _EN_ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + _english_number(rest))
    for size, name in ((1_000_000_000, "billion"), (1_000_000, "million"), (1000, "thousand")):
        if n >= size:
            rest = n % size
            return _english_number(n // size) + f" {name}" + ("" if rest == 0 else " " + _english_number(rest))
    raise AssertionError("unreachable")  # pragma: no cover


def spell_numbers(text: str, language: str = "en") -> str:
    """Digits written as words, so that ``"3"`` and ``"three"`` compare equal: English words for whole numbers up
    to 999,999,999,999 (thousands separators allowed), Mandarin digits read one by one (``"2024"`` → ``"二零二四"``)."""
    if language.startswith("zh"):
        return re.sub(r"\d", lambda m: _ZH_DIGITS[int(m.group())], text)

    def spelled(match: re.Match[str]) -> str:
        digits = match.group().replace(",", "")
        return _english_number(int(digits)) if len(digits) <= 12 else " ".join(_EN_ONES[int(d)] for d in digits)

    return re.sub(r"\d{1,3}(?:,\d{3})+(?!\d)|\d+", spelled, text)


@dataclass(frozen=True)
class ConsentCheck:
    """One check: its name (``words`` or ``speaker``), the measured figure, the threshold, and whether it passed.

    ``measured`` is None when it could not be measured (no recogniser, no speech): that check fails."""

    name: str
    metric: str
    measured: float | None
    threshold: float
    passed: bool
    detail: str = ""

    def describe(self) -> str:
        """``words: word error rate 0.62 > 0.30 (heard "…")`` — the figure and the threshold."""
        if self.measured is None:
            return f"{self.name}: {self.metric} not measured ({self.detail})"
        relation = ("≤" if self.passed else ">") if self.name == "words" else ("≥" if self.passed else "<")
        text = f"{self.name}: {self.metric} {self.measured:.2f} {relation} {self.threshold:.2f}"
        return f"{text} ({self.detail})" if self.detail else text


@dataclass(frozen=True)
class ConsentVerdict:
    """The verdict on a consent recording, with its figures.

    ``verified`` is True only if every check passed. ``text`` is exactly the text the recording was held to;
    ``heard`` what the recogniser heard. ``sha256`` (of the recording's bytes) and ``recording`` are filled in by
    the caller that read the file."""

    verified: bool
    text: str
    language: str
    heard: str | None
    checks: tuple[ConsentCheck, ...]
    sha256: str | None = None
    recording: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def check(self, name: str) -> ConsentCheck:
        return next(c for c in self.checks if c.name == name)

    @property
    def error_rate(self) -> float | None:
        return self.check("words").measured

    @property
    def speaker_similarity(self) -> float | None:
        return self.check("speaker").measured

    def failures(self) -> list[ConsentCheck]:
        return [c for c in self.checks if not c.passed]

    def reason(self) -> str:
        """Every failed check with its figure and threshold (``""`` when verified)."""
        return "; ".join(c.describe() for c in self.failures())

    def to_dict(self) -> dict[str, Any]:
        words, speaker = self.check("words"), self.check("speaker")
        return {
            "verified": self.verified,
            "text": self.text,
            "language": self.language,
            "heard": self.heard,
            "error_rate": None if words.measured is None else round(words.measured, 4),
            "error_metric": words.metric,
            "max_error_rate": words.threshold,
            "speaker_similarity": None if speaker.measured is None else round(speaker.measured, 4),
            "min_speaker_similarity": speaker.threshold,
            "sha256": self.sha256,
            "recording": self.recording,
            "failed": [c.name for c in self.failures()],
            "reason": self.reason(),
        }


def _words_check(heard: str | None, text: str, language: str, why_not: str) -> ConsentCheck:
    from cosyclone.audio.recognize import character_error_rate, word_error_rate

    chinese = language.startswith("zh")
    metric = "character error rate" if chinese else "word error rate"
    if heard is None:
        return ConsentCheck("words", metric, None, MAX_ERROR_RATE, False, why_not)
    if chinese:  # traditional → simplified, numbers right in either reading (the recogniser module's CER)
        rate = character_error_rate(text, heard)
    else:
        rate = word_error_rate(spell_numbers(text, language), spell_numbers(heard, language))
    passed = rate <= MAX_ERROR_RATE
    return ConsentCheck("words", metric, rate, MAX_ERROR_RATE, passed, "" if passed else f'heard "{heard}"')


def _speaker_check(similarity: float | None, why_not: str) -> ConsentCheck:
    threshold = DEFAULT_BANDS.same_min
    if similarity is None:
        return ConsentCheck("speaker", "similarity to the sample", None, threshold, False, why_not)
    band = DEFAULT_BANDS.band(similarity)
    passed = band == "same speaker"
    detail = "" if passed else ("inconclusive" if band == "inconclusive" else "a different speaker")
    return ConsentCheck("speaker", "similarity to the sample", similarity, threshold, passed, detail)


def measure_consent(
    recording: npt.NDArray[Any],
    recording_rate_hz: int,
    sample: npt.NDArray[Any],
    sample_rate_hz: int,
    *,
    text: str,
    language: str = "en",
) -> ConsentVerdict:
    """Measure a decoded consent ``recording`` against the decoded voice ``sample`` (float arrays, mono or
    (frames, channels)). Both checks always run, so a refusal names every failed one.

    A check that cannot be measured (recogniser not installed, no speech for the speaker embedding) fails, with
    the reason in its ``detail``."""
    from cosyclone.audio import recognize, speaker

    heard: str | None = None
    why_no_words = ""
    if language.split("-")[0] in recognize.recognizer_languages():
        heard = recognize.transcribe(recording, sample_rate_hz=recording_rate_hz, language=language).text
    elif not recognize.recognizer_available():
        why_no_words = "no offline recogniser installed: pip install 'cosyclone[quality]'"
    else:
        why_no_words = f"the offline recogniser does not transcribe {language!r}"
    similarity: float | None = None
    why_no_speaker = ""
    try:
        a = speaker.embed_speaker(recording, sample_rate_hz=recording_rate_hz)
        b = speaker.embed_speaker(sample, sample_rate_hz=sample_rate_hz)
        similarity = speaker.similarity(a, b)
    except speaker.SpeakerEmbeddingError as error:
        why_no_speaker = error.message
    except speaker.SpeakerModelMissingError as error:
        why_no_speaker = f"{error.message} ({error.hint})"
    checks = (_words_check(heard, text, language, why_no_words), _speaker_check(similarity, why_no_speaker))
    return ConsentVerdict(
        verified=all(c.passed for c in checks), text=text, language=language, heard=heard, checks=checks
    )
