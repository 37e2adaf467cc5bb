"""``cosyclone demo``: the whole mission end to end, offline by default."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cosyclone.audio.io import decode
from cosyclone.emulator.server import EmulatorServer
from tests.conftest import AUDIO_FIXTURES, PLANTED_KEY

EVIDENCE = Path("output/aliyun-cosyvoice-voice-clone")


def test_demo_without_key_runs_on_the_embedded_emulator(run_cli: Any, tmp_path: Path) -> None:
    result = run_cli("demo")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0] == "no DASHSCOPE_API_KEY: running on the embedded emulator (offline, no quota)"
    summary = json.loads((tmp_path / EVIDENCE / "demo.json").read_text())
    for key in ("target_model", "prefix", "sample_url", "voice_id", "request_ids", "timings_s"):
        assert summary[key], key
    assert summary["request_ids"]["speak"]
    assert decode(tmp_path / EVIDENCE / "demo.mp3").info.duration_s > 2.0
    assert (tmp_path / EVIDENCE / "preflight.png").read_bytes().startswith(b"\x89PNG")
    again = run_cli("demo", "--json")
    assert again.returncode == 0 and again.json()["reused_voice"] is True


def test_demo_with_a_key_says_where_it_goes(run_cli: Any, emulator: EmulatorServer, tmp_path: Path) -> None:
    own = str(AUDIO_FIXTURES / "good" / "flite-slt.wav")
    result = run_cli(
        "--base-url",
        emulator.http_base_url,
        "--region",
        "cn-beijing",
        "demo",
        "--sample",
        own,
        "--json",
        env={"DASHSCOPE_API_KEY": PLANTED_KEY},
    )
    assert result.returncode == 0, result.stderr
    assert "region cn-beijing with model cosyvoice-v3.5-plus" in result.stderr
    assert result.json()["sample"] == own
    assert PLANTED_KEY not in result.stdout + result.stderr
    assert PLANTED_KEY not in (tmp_path / EVIDENCE / "demo.json").read_text()


def test_demo_refuses_a_failing_sample(run_cli: Any) -> None:
    result = run_cli("demo", "--sample", str(AUDIO_FIXTURES / "bad" / "silence-12s.wav"))
    assert result.returncode == 3
