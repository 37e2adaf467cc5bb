"""``cosyclone check`` through the real CLI: verdicts, exit codes, --json, --plot, --fix, URLs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AUDIO_FIXTURES
from tests.unit.audio.manifest import EXPECTED_CODES, MANIFEST, UNUSABLE


def _path(name: str) -> str:
    return str(AUDIO_FIXTURES / name)


def test_every_manifest_fixture_in_one_run(run_cli: Any) -> None:
    names = sorted(MANIFEST)
    result = run_cli("check", "--json", *(_path(n) for n in names))
    assert result.returncode == 2, result.stderr  # empty.wav and not-audio.wav are unusable input
    reports = result.json()
    assert isinstance(reports, list) and len(reports) == len(names)
    for name, report in zip(names, reports, strict=True):
        assert report["source"] == _path(name)
        assert report["verdict"] == MANIFEST[name]["verdict"], name
        codes = {f["code"] for f in report["findings"]}
        assert EXPECTED_CODES.get(name, set()) <= codes, name


@pytest.mark.parametrize(
    ("name", "code", "verdict"),
    [
        ("good/librivox-reader-15s.m4a", 0, "pass"),
        ("good/flite-awb-other-text.wav", 0, "warn"),
        ("bad/pause-3s.wav", 3, "fail"),
        ("bad/empty.wav", 2, "fail"),
        ("bad/not-audio.wav", 2, "fail"),
    ],
)
def test_exit_codes_and_single_json_object(run_cli: Any, name: str, code: int, verdict: str) -> None:
    result = run_cli("check", _path(name), "--json")
    assert result.returncode == code, result.stderr
    report = result.json()
    assert isinstance(report, dict) and report["verdict"] == verdict
    assert EXPECTED_CODES.get(name, set()) <= {f["code"] for f in report["findings"]}
    assert (report["info"] is None) == (name in UNUSABLE)


def test_missing_file_is_unusable_input(run_cli: Any) -> None:
    result = run_cli("check", "no-such-sample.wav", "--json")
    assert result.returncode == 2
    report = result.json()
    assert report["verdict"] == "fail" and report["findings"][0]["code"] == "file_not_found"


def test_human_report_and_summary(run_cli: Any) -> None:
    result = run_cli("check", _path("good/flite-awb.wav"), _path("bad/rate-8k.wav"))
    assert result.returncode == 3
    out = result.stdout
    assert "PASS" in out and "FAIL" in out and "sample_rate_too_low" in out
    assert "summary" in out and "1 pass · 0 warn · 1 fail" in out


def test_url_sample(run_cli: Any, sample_server: Any) -> None:
    result = run_cli("check", sample_server.url("good/flite-slt.wav"), "--json")
    assert result.returncode == 0, result.stderr
    assert result.json()["verdict"] == "pass"


def test_plot_writes_a_png(run_cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "pause.png"
    result = run_cli("check", _path("bad/pause-3s.wav"), "--plot", str(out), "--json")
    assert result.returncode == 3
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result.json()["plot"] == str(out)


def test_fix_output_passes(run_cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "fixed.wav"
    result = run_cli("check", _path("bad/opus-named-as.mp3"), "--fix", str(out), "--json")
    assert result.returncode == 0, result.stderr
    report = result.json()
    assert report["verdict"] == "fail"  # the sample as given
    assert report["fix"]["ok"] and report["fix"]["verdict"] == "pass" and report["fix"]["actions"]
    again = run_cli("check", str(out), "--json")
    assert again.returncode == 0 and again.json()["verdict"] == "pass"
    human = run_cli("check", _path("bad/stereo-speech-only-right.wav"), "--fix", str(tmp_path / "mono.wav"))
    assert human.returncode == 0 and "fixed:" in human.stdout and "channel 2" in human.stdout


def test_fix_refused_exits_3_and_writes_nothing(run_cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "fixed.wav"
    result = run_cli("check", _path("bad/rate-8k.wav"), "--fix", str(out), "--json")
    assert result.returncode == 3
    assert "8000 Hz" in result.json()["fix"]["refused"]
    assert not out.exists()


def test_plot_or_fix_with_several_samples_is_refused(run_cli: Any, tmp_path: Path) -> None:
    result = run_cli("check", _path("good/flite-awb.wav"), _path("good/flite-slt.wav"), "--plot", "x.png", "--json")
    assert result.returncode == 2
    assert "exactly one SAMPLE" in result.stderr and result.json()["ok"] is False
    assert not (tmp_path / "x.png").exists()
