"""Crash consistency, tested the way databases test it: kill the CLI at many points, then check what is left.

Each test runs the real ``cosyclone`` in a subprocess against the shared emulator and kills it — with SIGKILL at a
named point (``COSYCLONE_CRASH_AT``, see :mod:`cosyclone._crashpoints`), after varying delays, or with Ctrl-C
(SIGINT) while a request is in flight — and then checks the invariants:

- the registry opens (``VoiceRegistry`` refuses a damaged file);
- no final file is half written (every audio file in a batch's folder decodes to what its manifest says);
- no voice is lost or duplicated: the emulator holds at most one voice per (sample, model) after the kill, and
  exactly one after running the same command again — which finishes the work and exits 0;
- a dead process's claim is noticed at once (the re-run does not wait for it).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cosyclone.client import Client
from cosyclone.emulator.faults import Fault
from cosyclone.emulator.server import EmulatorServer
from cosyclone.registry import VoiceRegistry
from tests.conftest import AUDIO_FIXTURES, PLANTED_KEY

SAMPLE = AUDIO_FIXTURES / "good" / "flite-awb.wav"
CLONE_POINTS = ["clone:before-create", "clone:after-create", "clone:after-record"]
KILLED = -signal.SIGKILL


def _env(tmp_path: Path, emulator: EmulatorServer, crash_at: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DASHSCOPE_", "ALIBABA_CLOUD_", "COSYCLONE_"))}
    env.update(
        DASHSCOPE_API_KEY=PLANTED_KEY,
        DASHSCOPE_HTTP_BASE_URL=emulator.http_base_url,
        DASHSCOPE_WEBSOCKET_BASE_URL=emulator.ws_url,
        COSYCLONE_HOME=str(tmp_path / "home"),
        HOME=str(tmp_path),
    )
    if crash_at:
        env["COSYCLONE_CRASH_AT"] = crash_at
    return env


Completed = subprocess.CompletedProcess[str]


def _run(args: list[str], tmp_path: Path, env: dict[str, str], timeout: float = 120) -> Completed:
    return subprocess.run(
        [sys.executable, "-m", "cosyclone", "--no-evidence", *args],
        cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def _start(args: list[str], tmp_path: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cosyclone", "--no-evidence", *args],
        cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _service_voices(emulator: EmulatorServer) -> list[str]:
    with Client(api_key=PLANTED_KEY, base_url=emulator.http_base_url, timeout=10, max_retries=0) as client:
        return sorted(v.voice_id for v in client.voices.iter_all())


def _registry_voices(tmp_path: Path) -> list[str]:
    with VoiceRegistry(tmp_path / "home" / "registry.sqlite3") as registry:  # opens: not damaged
        return sorted(r.voice_id for r in registry.list())


def _pending_intents(tmp_path: Path) -> int:
    path = tmp_path / "home" / "registry.sqlite3"
    if not path.exists():
        return 0
    db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=5)
    try:
        return int(db.execute("SELECT COUNT(*) FROM enroll_intents").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        db.close()


@pytest.mark.parametrize("point", CLONE_POINTS)
def test_clone_killed_at_each_point_then_rerun_makes_exactly_one_voice(
    point: str, emulator: EmulatorServer, tmp_path: Path
) -> None:
    args = ["clone", str(SAMPLE), "--prefix", "crash", "--json"]
    killed = _run(args, tmp_path, _env(tmp_path, emulator, crash_at=point))
    assert killed.returncode == KILLED, killed.stderr
    assert len(_service_voices(emulator)) <= 1
    _registry_voices(tmp_path)  # the registry opens after the kill

    started = time.monotonic()
    again = _run(args, tmp_path, _env(tmp_path, emulator), timeout=60)
    assert again.returncode == 0, again.stderr
    assert time.monotonic() - started < 30, "the re-run waited for the dead process's claim"
    voice_id = json.loads(again.stdout)["voice_id"]
    assert _service_voices(emulator) == [voice_id], "a voice was lost or made twice"
    assert _registry_voices(tmp_path) == [voice_id]
    assert _pending_intents(tmp_path) == 0
    if point == "clone:after-create":
        assert "adopted" in again.stderr


def test_ctrl_c_while_create_in_flight_then_rerun_adopts(emulator: EmulatorServer, tmp_path: Path) -> None:
    """Ctrl-C while the create request is in flight: exit 130 with the state said; the service still made the
    voice; the same command again adopts it instead of making (and billing) a second one."""
    emulator.backend.faults.add(Fault(target="create_voice", kind="latency", delay_s=2.0))
    args = ["clone", str(SAMPLE), "--prefix", "sigint", "--json"]
    proc = _start(args, tmp_path, _env(tmp_path, emulator))
    deadline = time.monotonic() + 60
    while _pending_intents(tmp_path) == 0:  # the intent is recorded just before the request goes out
        assert proc.poll() is None and time.monotonic() < deadline, "the clone never recorded its intent"
        time.sleep(0.02)
    time.sleep(0.5)  # the request is now with the server, which sleeps 2 s before creating the voice
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "run the same command again" in err.lower(), err

    deadline = time.monotonic() + 30
    while not _service_voices(emulator):  # the server finishes the request it was given
        assert time.monotonic() < deadline
        time.sleep(0.1)
    made = _service_voices(emulator)
    again = _run(args, tmp_path, _env(tmp_path, emulator))
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["voice_id"] == made[0]
    assert "adopted" in again.stderr
    assert _service_voices(emulator) == made, "the re-run made a second voice"


def test_dead_process_claim_is_noticed_at_once(emulator: EmulatorServer, tmp_path: Path) -> None:
    """A clone SIGKILLed while it holds the claim (its request slowed down): the next clone of the same sample
    goes ahead at once instead of waiting for the dead process, and ends with one voice."""
    emulator.backend.faults.add(Fault(target="create_voice", kind="latency", delay_s=1.0))
    args = ["clone", str(SAMPLE), "--prefix", "dead", "--json"]
    proc = _start(args, tmp_path, _env(tmp_path, emulator))
    deadline = time.monotonic() + 60
    while _pending_intents(tmp_path) == 0:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    proc.kill()
    proc.communicate(timeout=30)
    time.sleep(1.5)  # the server finishes the request it was given
    started = time.monotonic()
    again = _run(args, tmp_path, _env(tmp_path, emulator), timeout=60)
    assert again.returncode == 0, again.stderr
    assert time.monotonic() - started < 20
    assert _service_voices(emulator) == [json.loads(again.stdout)["voice_id"]]


def test_ctrl_c_is_honoured_while_waiting_for_the_registry_lock(emulator: EmulatorServer, tmp_path: Path) -> None:
    """Another process holds the registry's write lock: Ctrl-C ends the waiting command at once (exit 130)."""
    first = _run(["voices", "list", "--local", "--json"], tmp_path, _env(tmp_path, emulator))
    assert first.returncode == 0, first.stderr
    holder = sqlite3.connect(tmp_path / "home" / "registry.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        proc = _start(["clone", str(SAMPLE), "--prefix", "locked"], tmp_path, _env(tmp_path, emulator))
        time.sleep(3.0)  # start-up, preflight, then it waits for the lock
        assert proc.poll() is None, proc.communicate()[1]
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        assert time.monotonic() - sent < 5, "Ctrl-C was not honoured while waiting on the registry lock"
        assert proc.returncode == 130, err
        assert "nothing was sent" in err
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert _service_voices(emulator) == []


@pytest.mark.parametrize("point", ["clone:after-create", "compare:after-clone"])
def test_compare_killed_then_rerun_enrolls_each_model_once(
    point: str, emulator: EmulatorServer, tmp_path: Path
) -> None:
    models = ["cosyvoice-v3-plus", "cosyvoice-v3.5-plus"]
    args = ["compare", str(SAMPLE), "--yes", "--json", *[a for m in models for a in ("--target-model", m)]]
    killed = _run(args, tmp_path, _env(tmp_path, emulator, crash_at=point))
    assert killed.returncode == KILLED, killed.stderr
    assert len(_service_voices(emulator)) == 1
    again = _run(args, tmp_path, _env(tmp_path, emulator), timeout=300)
    assert again.returncode == 0, again.stderr
    ranking = json.loads(again.stdout)["ranking"]
    assert len(_service_voices(emulator)) == len(models), "an interrupted compare enrolled a model twice"
    assert {r["voice_id"] for r in ranking} == set(_service_voices(emulator))
    assert all(r["made_by_compare"] for r in ranking), "the first run's voice is no longer known as the run's own"


def _batch_input(tmp_path: Path, count: int = 6) -> Path:
    path = tmp_path / "lines.txt"
    path.write_text("".join(f"Line number {n} of the crash test.\n" for n in range(1, count + 1)), encoding="utf-8")
    return path


def _check_batch_folder(out: Path) -> dict[str, object]:
    """The manifest parses; every final file it lists decodes to the duration it records (none half written)."""
    from cosyclone.ops.batch import plausible

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["items"]:
        if entry["error"] is None:
            assert plausible(out / entry["file"], "wav", 24000, entry["duration_s"]), entry
    finals = [p for p in out.iterdir() if p.suffix == ".wav"]
    listed = {e["file"] for e in manifest["items"] if e["error"] is None}
    assert {p.name for p in finals} <= listed, "a final file the manifest does not vouch for"
    return manifest


@pytest.mark.parametrize("kill", ["batch:after-item", "batch:after-manifest", 0.6, 1.2, 1.8])
def test_batch_killed_then_resume_finishes_and_bills_nothing_twice(
    kill: str | float, emulator: EmulatorServer, tmp_path: Path
) -> None:
    cloned = _run(["clone", str(SAMPLE), "--prefix", "batch", "--json"], tmp_path, _env(tmp_path, emulator))
    assert cloned.returncode == 0, cloned.stderr
    voice = json.loads(cloned.stdout)["voice_id"]
    out = tmp_path / "out"
    args = ["batch", str(_batch_input(tmp_path)), "--voice", voice, "--out-dir", str(out), "--format", "wav",
            "--sample-rate", "24000", "--concurrency", "1", "--resume"]  # fmt: skip
    if isinstance(kill, str):
        killed = _run(args, tmp_path, _env(tmp_path, emulator, crash_at=kill))
        assert killed.returncode == KILLED, killed.stderr
    else:
        emulator.backend.faults.add(Fault(target="synthesis_ws", kind="latency", delay_s=0.05, times=100))
        proc = _start(args, tmp_path, _env(tmp_path, emulator))
        time.sleep(kill)
        proc.kill()
        proc.communicate(timeout=30)
        emulator.backend.faults.clear()
    done_before: dict[str, str] = {}
    if (out / "manifest.json").exists():
        done_before = {e["id"]: e["request_id"] for e in _check_batch_folder(out)["items"] if e["error"] is None}
    if kill == "batch:after-manifest":
        assert len(done_before) == 1, "the manifest did not record the item done before the kill"

    again = _run([*args, "--json"], tmp_path, _env(tmp_path, emulator))
    assert again.returncode == 0, again.stderr
    manifest = _check_batch_folder(out)
    assert manifest["complete"] == 6 and manifest["failed"] == 0
    after = {e["id"]: e["request_id"] for e in manifest["items"]}  # type: ignore[attr-defined]
    assert {i: after[i] for i in done_before} == done_before, "resume synthesized (billed) a done item again"
    assert not [p for p in out.iterdir() if p.name.endswith(".part")], "a dead run's temporary file was left"
