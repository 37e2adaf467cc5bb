"""The PNG picture of a preflight."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from cosyclone.audio.plot import plot_report
from cosyclone.audio.preflight import load_and_check
from tests.unit.audio.manifest import fixture_path


@pytest.mark.parametrize("name", ["bad/pause-3s.wav", "bad/clipped.wav"])
def test_plot_writes_a_png(name: str, tmp_path: Path) -> None:
    report, decoded = load_and_check(fixture_path(name))
    assert decoded is not None
    out = plot_report(report, decoded, tmp_path / "plot.png")
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    assert not list(tmp_path.glob("*.part"))
    assert "matplotlib.pyplot" not in sys.modules  # object API only: no global backend state
