"""Repairs: every fixable fixture passes after fixing; unfixable ones are refused with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from cosyclone.audio.fix import best_window_s, fix_sample
from cosyclone.audio.io import decode
from cosyclone.audio.metrics import loudness_lufs, peak_dbfs
from tests.unit.audio.manifest import FIXABLE, fixture_path


@pytest.mark.parametrize("name", FIXABLE)
def test_fixable_fixture_passes_after_fixing(name: str, tmp_path: Path) -> None:
    out = tmp_path / "fixed" / "sample.wav"
    result = fix_sample(fixture_path(name), out)
    assert result.before.verdict == "fail"
    assert result.ok and result.after is not None and result.after.verdict != "fail", result.after
    assert result.output_path == out and out.is_file()
    assert not list(out.parent.glob("*.part"))
    decoded = decode(out)
    assert (decoded.info.container, decoded.info.codec, decoded.info.channels) == ("wav", "pcm_s16le", 1)
    assert 10.0 <= decoded.info.duration_s <= 20.0
    x = decoded.samples[:, 0]
    assert peak_dbfs(x) <= -0.9
    assert loudness_lufs(x, sample_rate_hz=decoded.sample_rate) == pytest.approx(-20.0, abs=2.5)
    assert result.actions and all(isinstance(a, str) for a in result.actions)
    assert result.to_dict()["verdict"] == result.after.verdict


def test_stereo_fix_takes_the_speaking_channel(tmp_path: Path) -> None:
    result = fix_sample(fixture_path("bad/stereo-speech-only-right.wav"), tmp_path / "out.wav")
    assert any("channel 2" in action for action in result.actions)


def test_too_long_is_cut_to_continuous_speech(tmp_path: Path) -> None:
    result = fix_sample(fixture_path("bad/too-long-65s.wav"), tmp_path / "out.wav")
    assert any(action.startswith("cut to the best") for action in result.actions)
    assert result.after is not None and result.after.metrics["longest_pause_s"] <= 2.0


def test_long_pause_is_cut_out(tmp_path: Path) -> None:
    result = fix_sample(fixture_path("bad/pause-3s.wav"), tmp_path / "out.wav")
    assert result.after is not None and "pause_too_long" not in result.after.codes
    assert result.after.verdict != "fail"


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("bad/rate-8k.wav", "8000 Hz"),
        ("bad/clipped.wav", "clipped"),
        ("bad/silence-12s.wav", "no speech"),
        ("bad/empty.wav", "could not be decoded"),
    ],
)
def test_unfixable_samples_are_refused(name: str, why: str, tmp_path: Path) -> None:
    out = tmp_path / "out.wav"
    result = fix_sample(fixture_path(name), out)
    assert result.refused is not None and why in result.refused
    assert not result.ok and result.after is None and result.output_path is None
    assert not out.exists() and not list(tmp_path.iterdir())


def test_best_window_stays_inside_one_stretch_and_under_20_s() -> None:
    # 0.8 s of speech every second for a minute: the window is at most 20 s, cut at region edges
    regions = [(float(i), i + 0.8) for i in range(60)]
    start, end = best_window_s(regions, duration_s=60.0)
    assert end - start <= 20.0 and end - start >= 18.0
    # two stretches split by a 3 s pause: prefer the one holding ≥ 5 s of continuous speech
    regions = [(0.0, 6.0), (9.0, 11.0), (11.5, 14.0), (14.4, 16.0)]
    assert best_window_s(regions, duration_s=16.5) == (0.0, 6.25)
    assert best_window_s([], duration_s=3.0) == (0.0, 3.0)
