"""Concurrency: several ``cosyclone`` processes at once against one emulator and one ``COSYCLONE_HOME``.

Two processes clone sample A, two clone sample B, one clones sample C, and one lists — all started together.
Afterwards the service holds exactly one voice per distinct sample, processes that cloned the same sample got
the same voice_id (the registry's claim made the later one wait and reuse it), the registry agrees with the
service (``voices list --local --json`` vs ``voices list --json``), and nobody saw "database is locked".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cosyclone.emulator.server import EmulatorServer
from tests.conftest import AUDIO_FIXTURES, PLANTED_KEY

SAMPLES = {
    "A": AUDIO_FIXTURES / "good" / "flite-awb.wav",
    "B": AUDIO_FIXTURES / "good" / "flite-slt.wav",
    "C": AUDIO_FIXTURES / "good" / "flite-rms.wav",
}
CLONERS = ["A", "A", "B", "B", "C"]


def _env(tmp_path: Path, emulator: EmulatorServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DASHSCOPE_", "ALIBABA_CLOUD_"))}
    env.update(
        DASHSCOPE_API_KEY=PLANTED_KEY,
        DASHSCOPE_HTTP_BASE_URL=emulator.http_base_url,
        DASHSCOPE_WEBSOCKET_BASE_URL=emulator.ws_url,
        COSYCLONE_HOME=str(tmp_path / "shared-home"),
        HOME=str(tmp_path),
    )
    return env


def _start(args: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cosyclone", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


@pytest.mark.slow
def test_parallel_clones_make_one_voice_per_sample(emulator: EmulatorServer, tmp_path: Path) -> None:
    env = _env(tmp_path, emulator)
    # A voice stays DEPLOYING a moment, so that waiting overlaps the other processes' work.
    emulator.backend.ready_delay_s = 0.5
    procs = []
    for index, name in enumerate(CLONERS):
        # Each process its own evidence folder: one shared folder races (test_two_writers_of_one_evidence_file).
        args = ["--evidence-dir", f"evidence-{index}", "clone", str(SAMPLES[name]), "--prefix", f"conc{name}", "--json"]
        procs.append((name, _start(args, cwd=tmp_path, env=env)))
    lister = _start(["voices", "list", "--json"], cwd=tmp_path, env=env)

    voice_of: dict[str, set[str]] = {}
    outputs = []
    for name, proc in procs:
        code, out, err = _finish(proc)
        outputs.append(out + err)
        assert code == 0, f"clone of {name} exited {code}:\n{err[-2000:]}"
        voice_of.setdefault(name, set()).add(json.loads(out)["voice_id"])
    code, out, err = _finish(lister)
    outputs.append(out + err)
    assert code == 0, err
    json.loads(out)  # a consistent snapshot, whatever it holds

    for text in outputs:
        assert "database is locked" not in text.lower()
        assert "Traceback" not in text, text[-2000:]
    assert all(len(ids) == 1 for ids in voice_of.values()), f"one voice_id per sample: {voice_of}"
    created = {next(iter(ids)) for ids in voice_of.values()}

    service = _finish(_start(["voices", "list", "--json"], cwd=tmp_path, env=env))
    local = _finish(_start(["voices", "list", "--local", "--json"], cwd=tmp_path, env=env))
    assert service[0] == 0 and local[0] == 0, service[2] + local[2]
    on_service = {v["voice_id"] for v in json.loads(service[1])}
    in_registry = {v["voice_id"] for v in json.loads(local[1])}
    assert on_service == created, f"exactly one voice per distinct sample on the service: {sorted(on_service)}"
    assert in_registry == on_service, "the registry agrees with the service"
    statuses = {v["voice_id"]: v["status"] for v in json.loads(local[1])}
    assert set(statuses.values()) == {"OK"}, statuses


EVIDENCE_RACE = (
    "_files.atomic_writer writes every file through the fixed name NAME.part: two writers of one target share "
    "one .part inode — the second open truncates the first's bytes, the first rename moves the other's "
    "half-written file into place, and the second os.replace raises FileNotFoundError. Seen for real: five "
    "`cosyclone clone` started together in one folder (all writing output/aliyun-cosyvoice-voice-clone/"
    "clone.json) — one in three runs, one process dies with a FileNotFoundError traceback (exit 1) after its "
    "voice was made; `speak -o same.mp3` twice at once is the same. Fix: a unique temporary name per writer "
    "(tempfile.mkstemp(dir=target.parent, prefix=target.name + '.', suffix='.part')); the same in "
    "client/_audio_sink.AudioFile."
)


def test_two_writers_of_one_evidence_file_do_not_crash(tmp_path: Path) -> None:
    """Two processes writing the same evidence file at the same moment, interleaved deterministically."""
    from cosyclone._files import atomic_writer

    target = tmp_path / "clone.json"
    with atomic_writer(target) as first:
        first.write(b'{"first": ')
        with atomic_writer(target) as second:  # the other process opens the same NAME.part
            second.write(b'{"second": true}\n')
        first.write(b"true}\n")
    assert json.loads(target.read_text()) in ({"first": True}, {"second": True})
