"""Deterministic English text for the synthesis benchmarks: sentences of 8–16 words, any length of text.

Imported by the ``bench_*`` modules only. Pure, no I/O.
"""

from __future__ import annotations

import random

_VOCABULARY = (
    "the quick brown fox jumps over a lazy dog while seven wizards quietly judge boxes of amber light near "
    "old harbours and silver mountains under evening skies with patient voices reading every line aloud"
)
_WORDS = _VOCABULARY.split()


def sentences(count: int, *, seed: int = 7) -> list[str]:
    """``count`` different sentences, each 8–16 words ending with a full stop (about 50–100 characters)."""
    rng = random.Random(seed)
    out: list[str] = []
    for _ in range(count):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 16))]
        out.append(" ".join(words).capitalize() + ".")
    return out


def text_of_length(characters: int, *, seed: int = 11) -> str:
    """Sentences joined by spaces, cut at a sentence end so that the text has at most ``characters`` characters
    (and as close to it as the last sentence allows; padded with a final short sentence)."""
    rng = random.Random(seed)
    parts: list[str] = []
    size = 0
    while True:
        words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 16))]
        sentence = " ".join(words).capitalize() + "."
        if size + len(sentence) + 1 > characters:
            break
        parts.append(sentence)
        size += len(sentence) + 1
    text = " ".join(parts)
    room = characters - len(text) - 1
    if room >= 2:
        text += " " + "A" * (room - 1) + "."
    return text
