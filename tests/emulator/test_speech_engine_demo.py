"""``cosyclone demo`` with the speech engine (what ``make demo`` runs): a recogniser hears the demo sentence, in a
voice that ranks closest to the bundled sample among the fixture speakers."""

from __future__ import annotations

from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cosyclone.audio.io import decode
from cosyclone.audio.recognize import normalize_words, recognizer_available, transcribe
from cosyclone.audio.speaker import embed_speaker
from cosyclone.emulator.voice import speech_engine
from cosyclone.ops.demo import DEMO_TEXT
from tests.conftest import AUDIO_FIXTURES

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not speech_engine.available(), reason="the speech extra is not installed"),
    pytest.mark.skipif(not recognizer_available(), reason="the offline recogniser is not installed"),
]

SPEAKERS = ("librivox-reader-15s", "flite-awb", "flite-kal16", "flite-rms", "flite-slt")


def test_the_demo_speaks_its_sentence_in_a_voice_near_the_sample(run_cli: Any, tmp_path: Path) -> None:
    result = run_cli("demo", env={"COSYCLONE_VOICE_ENGINE": "speech"}, timeout=600)
    assert result.returncode == 0, result.stderr
    demo = decode(tmp_path / "output" / "aliyun-cosyvoice-voice-clone" / "demo.mp3")
    mono = demo.samples[:, 0]
    heard = transcribe(mono, sample_rate_hz=demo.sample_rate).text
    # The recogniser cannot spell our name (it hears "cozy clone") and writes numbers in digits.
    expected = [w for w in normalize_words(DEMO_TEXT) if w != "cosyclone"]
    words = ["fifteen" if w == "15" else w for w in normalize_words(heard)]
    found = sum(block.size for block in SequenceMatcher(a=expected, b=words, autojunk=False).get_matching_blocks())
    assert found >= 0.85 * len(expected), heard
    clone = embed_speaker(mono, sample_rate_hz=demo.sample_rate)
    scores = {}
    for name in SPEAKERS:
        sample = decode(AUDIO_FIXTURES / "good" / f"{name}.wav")
        scores[name] = float(np.dot(clone, embed_speaker(sample.samples[:, 0], sample_rate_hz=sample.sample_rate)))
    assert max(scores, key=lambda k: scores[k]) == "librivox-reader-15s", scores
