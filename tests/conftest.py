"""Shared test helpers: run the real CLI in a subprocess, locate fixtures, plant a recognisable API key.

Every test runs with a ``COSYCLONE_HOME`` of its own (an autouse fixture), so no test reads or writes the user's
registry or emulator state, nor another test's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

TESTS_DIR = Path(__file__).parent
FIXTURES = TESTS_DIR / "fixtures"
AUDIO_FIXTURES = FIXTURES / "audio"
WIRE_FIXTURES = FIXTURES / "wire"
#: A key shaped like a real one, planted so tests can grep every output for it.
PLANTED_KEY = "sk-plantedTESTkey0123456789abcdef"

# Tests that do not care about words keep the fast formant voice engine (in-process emulators and the CLI's
# embedded one alike); tests of the speech engine ask for it by name (tests/emulator/test_speech_engine*.py).
os.environ.setdefault("COSYCLONE_VOICE_ENGINE", "formant")


@pytest.fixture(autouse=True)
def own_cosyclone_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh ``COSYCLONE_HOME`` for this test (outside its ``tmp_path``, which some tests inspect whole)."""
    home = tmp_path_factory.mktemp("cosyclone-home")
    monkeypatch.setenv("COSYCLONE_HOME", str(home))
    return home


@dataclass
class CLIResult:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """An environment with no real credentials, HOME and COSYCLONE_HOME in tmp, cwd in tmp."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DASHSCOPE_", "ALIBABA_CLOUD_"))}
    env["HOME"] = str(tmp_path / "home")
    env["COSYCLONE_HOME"] = str(tmp_path / "cosyclone-home")
    (tmp_path / "home").mkdir()
    monkeypatch.chdir(tmp_path)
    return env


@pytest.fixture
def run_cli(isolated_env: dict[str, str], tmp_path: Path) -> Any:
    """Run ``python -m cosyclone ARGS…`` in tmp_path and capture its output."""

    def run(*args: str, env: dict[str, str] | None = None, input: str | None = None, timeout: float = 120) -> CLIResult:
        merged = {**isolated_env, **(env or {})}
        proc = subprocess.run(
            [sys.executable, "-m", "cosyclone", *args],
            cwd=tmp_path,
            env=merged,
            capture_output=True,
            text=True,
            input=input,
            timeout=timeout,
        )
        return CLIResult(proc.returncode, proc.stdout, proc.stderr)

    return run
