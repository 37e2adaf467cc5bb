"""The similarity bands and the verdict: where a speaker-similarity score says *same speaker* or *different*.

The thresholds come from the calibration in ``docs/quality.md`` (same- and different-speaker pairs of the
fixture speakers, embedded with :mod:`cosyclone.audio.speaker`): clean same-speaker pairs scored 0.840–0.983,
different-speaker pairs 0.438–0.756, so ``same_min`` = 0.80 and ``different_max`` = 0.76 sit in the gap with a
margin on each side; between the two is *inconclusive*. Noise moves a same-speaker pair down into the different
range (0.61–0.74 at 16 dB SNR): the verdict assumes a clean reference (the preflight flags noise).

Who may import it: :mod:`cosyclone.quality`. Pure, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["DEFAULT_BANDS", "Band", "SimilarityBands", "verdict_for"]

Band = Literal["same speaker", "inconclusive", "different", "not judged"]


@dataclass(frozen=True)
class SimilarityBands:
    """Cosine-similarity cut-offs of the GE2E embedding (resemblyzer weights)."""

    same_min: float = 0.80
    different_max: float = 0.76

    def band(self, similarity: float | None) -> Band:
        if similarity is None:
            return "not judged"
        if similarity >= self.same_min:
            return "same speaker"
        if similarity <= self.different_max:
            return "different"
        return "inconclusive"


DEFAULT_BANDS = SimilarityBands()


def verdict_for(similarity: float | None, *, bands: SimilarityBands = DEFAULT_BANDS) -> Band:
    """The verdict for a similarity (``not judged`` when there is none)."""
    return bands.band(similarity)
