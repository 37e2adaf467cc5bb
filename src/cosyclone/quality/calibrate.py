"""Calibrate the similarity bands on the fixture speakers: ``python -m cosyclone.quality.calibrate [DIR]``.

Speakers: the four flite voices (awb, kal16, rms, slt) and the LibriVox reader in ``tests/fixtures/audio/good``, and
two real Mandarin readers in ``tests/fixtures/audio/zh`` (copies of the project's shared audio fixtures). Clips:
each file whole, and each file cut into two halves (different words, 4–8 s, as short as a probe set's speech); the
reader's MP3 and M4A copies and the noisy awb (``warn/noisy-speech.wav``) are added as harder same-speaker cases.
Every pair of clips from different files is scored (halves of one file are also paired: same speaker, different
words). Prints the distributions, their overlap, and the error rates of the chosen thresholds as Markdown (pasted
into ``docs/quality.md``).

Who may import it: nobody (a script). Uses :mod:`cosyclone.audio`.
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

from cosyclone.audio import speaker
from cosyclone.audio.io import decode
from cosyclone.quality.bands import DEFAULT_BANDS

_SPEAKERS = {
    "good/flite-awb.wav": "awb",
    "good/flite-awb-other-text.wav": "awb",
    "good/flite-kal16.wav": "kal16",
    "good/flite-kal16-other-text.wav": "kal16",
    "good/flite-rms.wav": "rms",
    "good/flite-rms-other-text.wav": "rms",
    "good/flite-slt.wav": "slt",
    "good/flite-slt-other-text.wav": "slt",
    "good/librivox-reader-15s.wav": "reader",
    "good/librivox-reader-other-text.wav": "reader",
    "good/librivox-reader-15s.mp3": "reader",
    "good/librivox-reader-15s.m4a": "reader",
    "warn/noisy-speech.wav": "awb",
    # real Mandarin readers (AISHELL-1 S0002, THCHS-30 D4; Apache-2.0)
    "zh/aishell1-s0002-14s.wav": "zh-S0002",
    "zh/thchs30-d4-8s.wav": "zh-D4",
}

Clip = tuple[str, str, str]  # (file, part, speaker)


def _clips(root: Path) -> dict[Clip, npt.NDArray[np.float32]]:
    embeddings: dict[Clip, npt.NDArray[np.float32]] = {}
    for name, who in _SPEAKERS.items():
        audio = decode(root / name)
        x, rate = audio.samples.mean(axis=1), audio.sample_rate
        half = x.shape[0] // 2
        parts = {"whole": x, "first half": x[:half], "second half": x[half:]}
        if name.endswith((".mp3", ".m4a")):
            parts = {"whole": x}
        for part, samples in parts.items():
            embeddings[(name, part, who)] = speaker.embed_speaker(samples, sample_rate_hz=rate)
    return embeddings


def _pairs(
    embeddings: dict[Clip, npt.NDArray[np.float32]],
) -> tuple[list[float], list[float], list[float], list[str], dict[str, list[float]]]:
    same: list[float] = []
    noisy: list[float] = []
    different: list[float] = []
    notes: list[str] = []
    mandarin: dict[str, list[float]] = {"same": [], "different, both Mandarin": [], "different, one Mandarin": []}
    for (a, ea), (b, eb) in itertools.combinations(embeddings.items(), 2):
        if a[0] == b[0] and "whole" in (a[1], b[1]):
            continue  # a clip against a part of itself says nothing
        if a[0].split(".")[0] == b[0].split(".")[0] and a[1] == b[1] == "whole":
            continue  # the reader's WAV against its own MP3/M4A: the same words
        score = speaker.similarity(ea, eb)
        if a[2] != b[2]:
            different.append(score)
        else:
            (noisy if "noisy" in a[0] + b[0] else same).append(score)
        zh = a[2].startswith("zh-") + b[2].startswith("zh-")
        if zh:
            kind = "same" if a[2] == b[2] else ("different, both Mandarin" if zh == 2 else "different, one Mandarin")
            mandarin[kind].append(score)
        notes.append(f"{score:.3f}\t{a[2]}\t{b[2]}\t{a[0]} ({a[1]})\t{b[0]} ({b[1]})")
    return same, noisy, different, notes, mandarin


def _describe(name: str, values: list[float]) -> str:
    v = np.array(values)
    q = np.percentile(v, [5, 50, 95])
    return f"| {name} | {v.size} | {v.min():.3f} | {q[0]:.3f} | {q[1]:.3f} | {q[2]:.3f} | {v.max():.3f} |"


def main(argv: list[str]) -> int:
    paths = [a for a in argv if not a.startswith("-")]
    root = Path(paths[0]) if paths else Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "audio"
    started = time.process_time()
    embeddings = _clips(root)
    same, noisy, different, notes, mandarin = _pairs(embeddings)
    cpu = time.process_time() - started
    bands = DEFAULT_BANDS
    print(f"{len(embeddings)} clips embedded in {cpu:.1f} s CPU\n")
    print("| pairs | n | min | p5 | median | p95 | max |\n|---|---|---|---|---|---|---|")
    print(_describe("same speaker, clean", same))
    print(_describe("same speaker, one clip noisy (16 dB SNR)", noisy))
    print(_describe("different speakers", different))
    for kind, values in mandarin.items():
        print(_describe(f"of which Mandarin: {kind}", values))
    overlap = sum(s <= max(different) for s in same) + sum(d >= min(same) for d in different)
    print(f"\nhighest different {max(different):.3f}, lowest same {min(same):.3f}; pairs in the overlap: {overlap}")
    s, d = np.array(same), np.array(different)
    print(
        f"thresholds: same >= {bands.same_min}, different <= {bands.different_max}\n"
        f"- same-speaker pairs called different: {np.mean(s <= bands.different_max):.1%}, "
        f"inconclusive: {np.mean((s > bands.different_max) & (s < bands.same_min)):.1%}\n"
        f"- different-speaker pairs called same: {np.mean(d >= bands.same_min):.1%}, "
        f"inconclusive: {np.mean((d > bands.different_max) & (d < bands.same_min)):.1%}"
    )
    print(f"- noisy same-speaker pairs called different: {np.mean(np.array(noisy) <= bands.different_max):.1%}")
    for threshold in (0.75, 0.76, 0.78, 0.80, 0.82, 0.84, 0.85, 0.88):
        print(f"  single threshold {threshold:.2f}: false reject {np.mean(s < threshold):.1%}, "
              f"false accept {np.mean(d >= threshold):.1%}")  # fmt: skip
    if "-v" in argv:
        print("\n".join(sorted(notes)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
