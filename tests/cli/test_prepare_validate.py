"""``cosyclone prepare`` and ``cosyclone validate`` through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import PLANTED_KEY

EVIDENCE = Path("output/aliyun-cosyvoice-voice-clone")


def test_prepare_writes_request_and_one_json_line(run_cli: Any, tmp_path: Path) -> None:
    result = run_cli(
        "prepare",
        "--prefix",
        "demo1",
        "--voice-sample-url",
        "https://example.com/a.wav",
        "--language-hint",
        "zh",
        "--language-hint",
        "en",
        "--max-prompt-audio-length",
        "12",
        "--enable-preprocess",
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 1
    line = result.json()
    assert line["ok"] is True
    assert line["request_path"] == str(EVIDENCE / "request.json")
    body = json.loads((tmp_path / EVIDENCE / "request.json").read_text())
    assert body["model"] == "voice-enrollment"
    assert body["input"] == {
        "action": "create_voice",
        "target_model": "cosyvoice-v3.5-plus",
        "prefix": "demo1",
        "url": "https://example.com/a.wav",
        "language_hints": ["zh"],
        "max_prompt_audio_length": 12.0,
        "enable_preprocess": True,
    }
    assert "only the first language hint" in result.stderr


def test_prepare_invalid_input_exit_2_nothing_written(run_cli: Any, tmp_path: Path) -> None:
    result = run_cli("prepare", "--prefix", "bad_prefix!", "--voice-sample-url", "https://e/a.wav")
    assert result.returncode == 2
    assert "prefix" in result.stderr and "letters and digits" in result.stderr
    assert result.json()["problems"][0]["field"] == "prefix"
    assert not (tmp_path / EVIDENCE / "request.json").exists()
    assert not list(tmp_path.rglob("*.part"))


def test_prepare_region_rule(run_cli: Any, tmp_path: Path) -> None:
    result = run_cli(
        "prepare",
        "--prefix",
        "x",
        "--voice-sample-url",
        "https://e/a.wav",
        env={"DASHSCOPE_API_REGION": "ap-southeast-1"},
    )
    assert result.returncode == 2
    assert "ap-southeast-1" in result.stderr
    override = run_cli(
        "--region",
        "ap-southeast-1",
        "prepare",
        "--prefix",
        "x",
        "--voice-sample-url",
        "https://e/a.wav",
        "--skip-catalog-check",
        "--output",
        "req.json",
    )
    assert override.returncode == 0, override.stderr
    assert (tmp_path / "req.json").exists()


def test_prepare_validate_response(run_cli: Any, tmp_path: Path) -> None:
    good = tmp_path / "resp.json"
    good.write_text(json.dumps({"output": {"voice_id": "cosyvoice-v3.5-plus-demo1-abc"}, "request_id": "r1"}))
    result = run_cli(
        "prepare",
        "--prefix",
        "demo1",
        "--voice-sample-url",
        "https://e/a.wav",
        "--validate-response",
        str(good),
    )
    assert result.returncode == 0, result.stderr
    assert result.json()["response_valid"] is True
    assert result.json()["voice_id"] == "cosyvoice-v3.5-plus-demo1-abc"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"output": {"nothing": 1}}))
    result = run_cli(
        "prepare",
        "--prefix",
        "demo1",
        "--voice-sample-url",
        "https://e/a.wav",
        "--validate-response",
        str(bad),
    )
    assert result.returncode == 1
    assert result.json()["response_valid"] is False


def test_prepare_needs_no_key_and_never_writes_one(run_cli: Any, tmp_path: Path) -> None:
    result = run_cli(
        "prepare",
        "--prefix",
        "demo1",
        "--voice-sample-url",
        "https://e/a.wav",
        env={"DASHSCOPE_API_KEY": PLANTED_KEY},
    )
    assert result.returncode == 0
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert PLANTED_KEY not in path.read_text(errors="ignore")
    assert PLANTED_KEY not in result.stdout + result.stderr


def test_validate_writes_py_compile_ok(run_cli: Any, tmp_path: Path) -> None:
    result = run_cli("validate", "--json")
    assert result.returncode == 0, result.stderr
    assert result.json()["ok"] is True and result.json()["modules"] > 10
    assert "py_compile_ok" in (tmp_path / EVIDENCE / "validate.txt").read_text()


def test_no_evidence_and_evidence_dir(run_cli: Any, tmp_path: Path) -> None:
    result = run_cli("--no-evidence", "validate")
    assert result.returncode == 0
    assert not (tmp_path / "output").exists()
    result = run_cli("--evidence-dir", "ev", "validate")
    assert (tmp_path / "ev" / "validate.txt").exists()


def test_help_lists_exit_codes(run_cli: Any) -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "Exit codes" in result.stdout
