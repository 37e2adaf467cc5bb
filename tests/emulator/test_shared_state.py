"""Several processes on one emulator data directory (issue 22 item 4): two CLI commands with the embedded emulator
on one ``COSYCLONE_HOME`` each load ``state.json``; neither may lose the other's voices, and each must see the
voices the other made after it started."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cosyclone.emulator.config import EmulatorConfig
from cosyclone.emulator.state.backend import EmulatorBackend
from tests.conftest import AUDIO_FIXTURES

SAMPLES = ("flite-awb.wav", "flite-slt.wav", "flite-rms.wav")


def _cli(env: dict[str, str], cwd: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cosyclone", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_clones_at_once_on_one_home_all_succeed_and_all_are_kept(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DASHSCOPE_", "ALIBABA_CLOUD_"))}
    env["COSYCLONE_HOME"] = str(tmp_path / "home")
    env["COSYCLONE_VOICE_ENGINE"] = "formant"
    runs = [
        _cli(env, tmp_path, "--emulator", "clone", str(AUDIO_FIXTURES / "good" / name), "--prefix", f"twin{k}")
        for k, name in enumerate(SAMPLES)
    ]
    outputs = [proc.communicate(timeout=240) for proc in runs]
    results = [(proc.returncode, stdout, stderr) for proc, (stdout, stderr) in zip(runs, outputs, strict=True)]
    for code, _, stderr in results:
        assert code == 0, stderr
        assert "ResourceNotExist" not in stderr
    voice_ids = {stdout.strip().splitlines()[-1] for _, stdout, _ in results}
    assert len(voice_ids) == len(SAMPLES)
    state = json.loads((tmp_path / "home" / "emulator" / "state" / "state.json").read_text(encoding="utf-8"))
    stored = {v["voice_id"] for voices in state["voices"].values() for v in voices}
    assert voice_ids <= stored
    listed = subprocess.run(
        [sys.executable, "-m", "cosyclone", "--emulator", "voices", "list", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr
    assert voice_ids <= set(listed.stdout.replace('"', " ").split())


def test_a_backend_sees_what_another_on_the_same_directory_did(tmp_path: Path) -> None:
    first = EmulatorBackend(EmulatorConfig(data_dir=tmp_path))
    second = EmulatorBackend(EmulatorConfig(data_dir=tmp_path))  # loaded before the first made anything
    tenant = first.tenant_of_key("sk-shared")
    made_by_first = first.seed_voice(tenant, prefix="one").voice_id
    made_by_second = second.seed_voice(tenant, prefix="two").voice_id
    assert second.find_voice(tenant, made_by_first) is not None
    assert first.find_voice(tenant, made_by_second) is not None
    second.delete_voice(tenant, made_by_first)
    assert first.find_voice(tenant, made_by_first) is None
    third = EmulatorBackend(EmulatorConfig(data_dir=tmp_path))
    assert third.find_voice(tenant, made_by_second) is not None and third.find_voice(tenant, made_by_first) is None
