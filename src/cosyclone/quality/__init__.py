"""Is the clone any good? Speaker similarity, intelligibility and sanity of a voice's speech, and model comparison.

- :mod:`~cosyclone.quality.probes`: the fixed probe sentences (English, Mandarin) a voice reads for a score.
- :mod:`~cosyclone.quality.bands`: the calibrated similarity bands and the verdict (see ``docs/quality.md``).
- :mod:`~cosyclone.quality.sanity`: loudness, clipping, speaking rate and pitch of the clone against the sample.
- :mod:`~cosyclone.quality.scoring`: :func:`score_voice` — synthesize the probes, measure, store the score.
- :mod:`~cosyclone.quality.compare`: :func:`compare_models` — clone one sample into several models, score, rank.
- :mod:`~cosyclone.quality.plot`: the ``--plot`` picture.

Who may import it: the library layer (:mod:`cosyclone.ops.score`, :mod:`cosyclone.ops.compare`). It uses the client,
the registry, the enrollment workflow and ``cosyclone.audio``; nothing below it imports it.
"""

from cosyclone.quality.bands import SimilarityBands, verdict_for
from cosyclone.quality.compare import CompareOutcome, compare_models, plan_compare
from cosyclone.quality.scoring import VoiceScore, score_voice

__all__ = [
    "CompareOutcome",
    "SimilarityBands",
    "VoiceScore",
    "compare_models",
    "plan_compare",
    "score_voice",
    "verdict_for",
]
