"""``cosyclone speak`` and ``cosyclone batch`` through the real CLI against the emulator."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cosyclone.audio.io import decode
from cosyclone.emulator.faults import Fault
from cosyclone.emulator.server import EmulatorServer
from tests.conftest import PLANTED_KEY, CLIResult

CLI = Callable[..., CLIResult]


@pytest.fixture
def voice(emulator: EmulatorServer) -> str:
    tenant = emulator.backend.tenant_of_key(PLANTED_KEY)
    return emulator.backend.seed_voice(tenant, prefix="narrator", f0_hz=120.0).voice_id


@pytest.mark.parametrize(("name", "rate"), [("a.mp3", 22050), ("a.wav", 16000), ("a.opus", 48000), ("a.ogg", 24000)])
def test_speak_format_follows_extension(cli: CLI, voice: str, tmp_path: Path, name: str, rate: int) -> None:
    result = cli(
        "speak", "Hello there. A second sentence.", "--voice", voice, "-o", name, "--sample-rate", str(rate), "--json"
    )
    assert result.returncode == 0, result.stderr
    summary = result.json()
    assert summary["model"] == "cosyvoice-v3.5-plus" and summary["request_ids"]
    decoded = decode(tmp_path / name)
    assert decoded.info.duration_s > 1.0
    if not name.endswith((".opus", ".ogg")):
        assert decoded.sample_rate == rate
    evidence = json.loads((tmp_path / "output/aliyun-cosyvoice-voice-clone/speak.json").read_text())
    assert evidence["file"] == name


def test_speak_pcm_and_text_from_file_and_stdin(cli: CLI, voice: str, tmp_path: Path) -> None:
    (tmp_path / "script.txt").write_text("From a file.", encoding="utf-8")
    from_file = cli("speak", "-f", "script.txt", "--voice", voice, "-o", "f.pcm", "--sample-rate", "16000")
    assert from_file.returncode == 0, from_file.stderr and (tmp_path / "f.pcm").stat().st_size > 10_000
    piped = cli("speak", "--voice", voice, "-o", "s.wav", input="From stdin.")
    assert piped.returncode == 0 and decode(tmp_path / "s.wav").info.duration_s > 0.3


def test_speak_to_stdout_when_piped(run_cli: Any, emulator: EmulatorServer, voice: str) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cosyclone",
            "--base-url",
            emulator.http_base_url,
            "speak",
            "Piped audio.",
            "--voice",
            voice,
            "--format",
            "wav",
        ],
        env={**os.environ, "DASHSCOPE_API_KEY": PLANTED_KEY, "COSYCLONE_HOME": str(Path.cwd() / "h")},
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(b"RIFF") and decode(proc.stdout).info.duration_s > 0.3


def test_speak_by_registry_prefix_and_http(cli: CLI, tmp_path: Path) -> None:
    wav = str(Path(__file__).parents[1] / "fixtures/audio/good/flite-awb.wav")
    assert cli("clone", wav, "--prefix", "awb").returncode == 0
    for flag in ("--http", "--sse"):
        result = cli("speak", "By prefix.", "--voice", "awb", "-o", f"p{flag}.mp3", flag)
        assert result.returncode == 0, result.stderr


def test_mismatched_model_refused_locally(cli: CLI, voice: str, tmp_path: Path) -> None:
    result = cli("speak", "Hi.", "--voice", voice, "--model", "cosyvoice-v3-flash", "-o", "x.mp3")
    assert result.returncode == 2
    assert "cosyvoice-v3.5-plus" in result.stderr and "cosyvoice-v3-flash" in result.stderr
    assert not list(tmp_path.glob("x.mp3*"))


@pytest.mark.parametrize("kind", ["task_failed", "ws_close"])
def test_mid_stream_failure_leaves_no_file(
    cli: CLI, voice: str, emulator: EmulatorServer, tmp_path: Path, kind: str
) -> None:
    emulator.backend.faults.add(Fault(target="synthesis_ws", kind=kind, after_sentences=1))  # type: ignore[arg-type]
    result = cli("speak", "One. Two. Three.", "--voice", voice, "-o", "broken.mp3")
    assert result.returncode in (4, 5), result.stderr
    assert "error" in result.stderr
    assert not list(tmp_path.glob("broken.mp3*"))


def test_batch_200_lines_with_manifest(cli: CLI, voice: str, tmp_path: Path) -> None:
    lines = [f"Line number {i}, spoken by the batch." for i in range(200)]
    (tmp_path / "script.txt").write_text("\n".join(lines), encoding="utf-8")
    result = cli(
        "batch",
        "script.txt",
        "--voice",
        voice,
        "--out-dir",
        "out",
        "--concurrency",
        "8",
        "--format",
        "pcm",
        "--sample-rate",
        "8000",
        "--json",
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "out/manifest.json").read_text())
    assert manifest["complete"] == 200 and manifest["failed"] == 0
    for entry in manifest["items"]:
        assert (tmp_path / "out" / entry["file"]).exists() and entry["duration_s"] > 0.5
        assert entry["characters"] > 0 and entry["request_id"] and entry["error"] is None
    assert not list((tmp_path / "out").glob("*.part"))


def test_batch_csv_and_jsonl_with_per_line_parameters(cli: CLI, voice: str, tmp_path: Path) -> None:
    (tmp_path / "s.csv").write_text("id,text,format,rate\nintro,Welcome.,wav,1.2\noutro,Goodbye.,,\n", encoding="utf-8")
    assert cli("batch", "s.csv", "--voice", voice, "--out-dir", "csv").returncode == 0
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == ["intro.wav", "manifest.json", "outro.mp3"]
    (tmp_path / "s.jsonl").write_text(json.dumps({"id": "j1", "text": "Hi.", "volume": 80}) + "\n", encoding="utf-8")
    assert cli("batch", "s.jsonl", "--voice", voice, "--out-dir", "jl").returncode == 0
    bad = cli("batch", "s.jsonl", "--voice", voice, "--out-dir", "jl", "--concurrency", "0")
    assert bad.returncode == 2
    (tmp_path / "bad.csv").write_text("id,words\n1,hello\n", encoding="utf-8")
    assert cli("batch", "bad.csv", "--voice", voice, "--out-dir", "b").returncode == 2


def test_interrupted_batch_resumes_without_redoing(
    run_cli: Any, emulator: EmulatorServer, voice: str, tmp_path: Path
) -> None:
    emulator.backend.sentence_latency_s = 0.15
    (tmp_path / "script.txt").write_text("\n".join(f"Item {i}." for i in range(40)), encoding="utf-8")
    args = [
        sys.executable,
        "-m",
        "cosyclone",
        "--base-url",
        emulator.http_base_url,
        "batch",
        "script.txt",
        "--voice",
        voice,
        "--out-dir",
        "out",
        "--concurrency",
        "2",
    ]
    env = {**os.environ, "DASHSCOPE_API_KEY": PLANTED_KEY, "COSYCLONE_HOME": str(tmp_path / "h")}
    proc = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(list((tmp_path / "out").glob("*.mp3"))) < 6 and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert b"--resume" in err
    first = json.loads((tmp_path / "out/manifest.json").read_text())
    done_before = {e["id"]: e["request_id"] for e in first["items"] if e["error"] is None}
    assert 6 <= len(done_before) < 40
    assert not list((tmp_path / "out").glob("*.part"))

    emulator.backend.sentence_latency_s = 0.0
    resumed = run_cli(
        "--base-url",
        emulator.http_base_url,
        "batch",
        "script.txt",
        "--voice",
        voice,
        "--out-dir",
        "out",
        "--resume",
        "--json",
        env={"DASHSCOPE_API_KEY": PLANTED_KEY},
    )
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.json()["skipped"] == len(done_before)
    final = json.loads((tmp_path / "out/manifest.json").read_text())
    assert final["complete"] == 40
    for entry in final["items"]:
        if entry["id"] in done_before:
            assert entry["request_id"] == done_before[entry["id"]], "a finished item was synthesized again"
