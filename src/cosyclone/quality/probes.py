"""The probe sentences a voice reads when it is scored: short, fixed, per language.

They cover the sounds a listener judges a voice by (vowels across the space, fricatives, nasals, a question's
rise) in about ten seconds of speech: enough for seven 1.6 s windows of the speaker encoder, one Whisper window
for the recogniser, and little synthesis. No digits or abbreviations, so the word error rate does not depend on
how numbers are written. Changing a set changes its ``version``: stored scores say which set they used.

Who may import it: :mod:`cosyclone.quality` only. No I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PROBE_SETS", "ProbeSet", "probe_set_for"]


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
    "zh": ProbeSet(
        "zh",
        "zh-1",
        (
            "今天天气很好，我们一起去公园散步吧。",
            "请在今晚有空的时候给我回个电话。",
            "你想从头开始听完整个故事吗？",
        ),
    ),
}


def probe_set_for(language: str | None) -> ProbeSet:
    """The probe set for a language hint (``zh…`` → Mandarin; anything else → English)."""
    if language and language.lower().startswith("zh"):
        return PROBE_SETS["zh"]
    return PROBE_SETS["en"]
