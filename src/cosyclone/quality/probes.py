"""The probe sentences a voice reads when it is scored: short, fixed, per language.

They cover the sounds a listener judges a voice by (vowels across the space, fricatives, nasals, a question's
rise) in about ten seconds of speech: enough for seven 1.6 s windows of the speaker encoder, one Whisper window
for the recogniser, and little synthesis. No digits or abbreviations, so the word error rate does not depend on
how numbers are written. Changing a set changes its ``version``: stored scores say which set they used.

``score --text`` replaces the set with one's own text (its script picks the language).

Who may import it: :mod:`cosyclone.quality` only. No I/O.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

__all__ = ["LANGUAGES", "MAX_TEXT_CHARACTERS", "PROBE_SETS", "ProbeSet", "check_probe_request", "probe_set_for"]

#: Probe languages (a hint such as ``zh-CN`` or ``en-US`` counts as its first part).
LANGUAGES = ("en", "zh")
#: A text of one's own is read in one synthesis task and heard in one 30 s recogniser window.
MAX_TEXT_CHARACTERS = 300


@dataclass(frozen=True)
class ProbeSet:
    language: str
    version: str
    sentences: tuple[str, ...]

    @property
    def text(self) -> str:
        """All sentences as one synthesis task (one request, one recogniser window)."""
        joiner = "" if self.language == "zh" else " "
        return joiner.join(self.sentences)


PROBE_SETS: dict[str, ProbeSet] = {
    "en": ProbeSet(
        "en",
        "en-1",
        (
            "The quick brown fox jumps over the lazy dog near the river bank.",
            "Please call me back this evening, when you have a moment to spare.",
            "Would you like to hear the whole story from the very beginning?",
        ),
    ),
    # Mandarin: all four tones and the neutral tone (的, 吧), retroflex against dental sibilants (常/早, 书/散,
    # 说/色), the front and back nasals (天/常, 伞/黄, 门/更), ü (女, 绿, 雨, 去) and a question; common words
    # only (no names, no homophone traps), so that a clear voice is heard near character for character.
    "zh": ProbeSet(
        "zh",
        "zh-2",
        (
            "春天的早上，我们常常去河边的小公园散步吧。",
            "请问这家书店星期几开门？",
            "女儿说绿色的雨伞比黄色的更好看。",
        ),
    ),
}


def _base_language(language: str) -> str:
    return language.strip().lower().replace("_", "-").split("-")[0]


def check_probe_request(language: str | None, text: str | None) -> None:
    """Refuse a language that has no probes, or a text that is empty or too long (before anything is sent).

    Raises:
        InvalidRequestError: naming ``language`` or ``text`` and the rule.
    """
    from cosyclone._exceptions import InvalidRequestError, Problem

    problems = []
    if language is not None and _base_language(language) not in LANGUAGES:
        problems.append(Problem("language", language, f"must be one of {', '.join(LANGUAGES)}"))
    if text is not None and not text.strip():
        problems.append(Problem("text", text, "must hold words to read"))
    elif text is not None and len(text) > MAX_TEXT_CHARACTERS:
        problems.append(Problem("text", f"{len(text)} characters", f"at most {MAX_TEXT_CHARACTERS} characters"))
    if problems:
        raise InvalidRequestError(problems)


def probe_set_for(language: str | None, *, text: str | None = None) -> ProbeSet:
    """The probe set for a language hint (``zh…`` → Mandarin; anything else → English); with ``text``, that
    text as a one-sentence set (version ``text-`` and the first 12 hex digits of its SHA-256)."""
    chosen = "zh" if language and _base_language(language) == "zh" else "en"
    if text is not None:
        digest = hashlib.sha256(text.strip().encode()).hexdigest()[:12]
        return ProbeSet(chosen, f"text-{digest}", (text.strip(),))
    return PROBE_SETS[chosen]
