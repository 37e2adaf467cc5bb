"""Writing the result fails: every output place is checked before anything is sent, and a write that fails
after sending (disk full) is reported truthfully — exit 7, what was billed, where the audio was kept.

A full disk is made two ways: a per-process file-size limit (``RLIMIT_FSIZE``, SIGXFSZ ignored: writes past it
fail with EFBIG, as on a full disk), which works anywhere; and a real 200 KiB tmpfs (ENOSPC) where this machine
lets the tests mount one (root), else that test is skipped.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cosyclone.emulator.server import EmulatorServer
from tests.conftest import PLANTED_KEY

SENT_NOT_WRITTEN = 7
LONG_TEXT = "This sentence is long enough to make an audio file bigger than the limit. " * 6


@pytest.fixture
def voice(emulator: EmulatorServer) -> str:
    tenant = emulator.backend.tenant_of_key(PLANTED_KEY)
    return emulator.backend.seed_voice(tenant, prefix="narrator", f0_hz=120.0).voice_id


def _file_size_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def _cosyclone(
    args: list[str], *, emulator: EmulatorServer, tmp_path: Path, limit: int | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DASHSCOPE_", "ALIBABA_CLOUD_", "COSYCLONE_"))}
    env.update(
        DASHSCOPE_API_KEY=PLANTED_KEY, COSYCLONE_HOME=str(tmp_path / "home"), HOME=str(tmp_path),
        TMPDIR=str(tmp_path / "tmp"),
    )  # fmt: skip
    (tmp_path / "tmp").mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "cosyclone", "--base-url", emulator.http_base_url, *args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
        preexec_fn=_file_size_limit(limit) if limit else None,
    )  # fmt: skip


def test_unwritable_evidence_file_is_refused_before_anything_is_sent(
    emulator: EmulatorServer, voice: str, tmp_path: Path
) -> None:
    (tmp_path / "ev" / "speak.json").mkdir(parents=True)  # the evidence file can never be written
    args = ["--evidence-dir", "ev", "speak", "Hello there.", "--voice", voice, "-o", "out.wav"]
    result = _cosyclone(args, emulator=emulator, tmp_path=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "speak.json" in result.stderr and "is a directory" in result.stderr
    assert not (tmp_path / "out.wav").exists(), "the synthesis was sent (and billed) before the check"


def test_speak_disk_full_says_what_was_billed_exit_7(emulator: EmulatorServer, voice: str, tmp_path: Path) -> None:
    args = ["--no-evidence", "speak", LONG_TEXT, "--voice", voice, "-o", "out.wav", "--json"]
    result = _cosyclone(args, emulator=emulator, tmp_path=tmp_path, limit=150_000)
    assert result.returncode == SENT_NOT_WRITTEN, result.stderr
    payload = json.loads(result.stdout)
    assert payload["sent"] is True and payload["characters"] > 0 and payload["request_id"], payload
    assert "was sent and done" in result.stderr and "nothing was sent" not in result.stderr
    assert payload["request_id"] in result.stderr
    assert not (tmp_path / "out.wav").exists() and not list(tmp_path.glob("out.wav*.part"))


def test_batch_stops_at_first_write_failure_and_manifest_records_the_bill(
    emulator: EmulatorServer, voice: str, tmp_path: Path
) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_text("".join(f"{LONG_TEXT} Item {n}.\n" for n in range(5)), encoding="utf-8")
    args = ["--no-evidence", "batch", str(lines), "--voice", voice, "--out-dir", "out", "--format", "wav",
            "--concurrency", "1", "--json"]  # fmt: skip
    result = _cosyclone(args, emulator=emulator, tmp_path=tmp_path, limit=150_000)
    assert result.returncode == SENT_NOT_WRITTEN, result.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["items"]) == 1, "the batch kept synthesizing (and billing) after the disk was full"
    billed = manifest["items"][0]
    assert billed["error"] and billed["characters"] > 0 and billed["request_id"], billed
    assert "stopped after a write failure" in result.stderr


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 200 KiB tmpfs (skipped where mounting is not allowed)."""
    where = tmp_path / f"small-{uuid.uuid4().hex[:6]}"
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(where)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (not root)")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], capture_output=True, check=False)


def test_speak_on_a_full_disk_keeps_the_audio_elsewhere(
    emulator: EmulatorServer, voice: str, tmp_path: Path, full_disk: Path
) -> None:
    args = ["--no-evidence", "speak", LONG_TEXT, "--voice", voice, "-o", str(full_disk / "out.wav"), "--json"]
    result = _cosyclone(args, emulator=emulator, tmp_path=tmp_path)
    assert result.returncode == SENT_NOT_WRITTEN, result.stderr
    payload = json.loads(result.stdout)
    kept = Path(payload["kept_at"])
    assert kept.parent == tmp_path / "tmp" / "cosyclone-rescued" and kept.stat().st_size > 200_000
    assert str(kept) in result.stderr and payload["request_id"] in result.stderr
    assert not list(full_disk.iterdir()), "a partial file was left on the full disk"
