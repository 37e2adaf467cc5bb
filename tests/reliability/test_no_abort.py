"""Every quality and speech path exits cleanly: no native thread may outlive the interpreter.

Each command runs in its own process on the embedded emulator (``--emulator``, its speech engine when installed),
as a user runs it. The bug this guards against: ``score --language zh`` exited 134 with "terminate called without
an active exception" — the emulator's speech warm-up thread was still inside onnxruntime when the interpreter
ended, and the daemon thread's forced unwind through onnxruntime's C++ called std::terminate. Fast commands are
the ones at risk (they finish while a background engine still works), so Mandarin text (which the English speech
engine hands to the fast formant engine) is in the list.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest
from platformdirs import user_cache_path

from tests.conftest import AUDIO_FIXTURES, CLIResult

ZH = str(AUDIO_FIXTURES / "zh" / "aishell1-s0002-14s.wav")
AWB = str(AUDIO_FIXTURES / "good" / "flite-awb.wav")
#: the joined Whisper base model is in the user cache (the subprocesses' HOME is a temporary one)
CACHE_ENV = {"XDG_CACHE_HOME": str(user_cache_path("cosyclone", appauthor=False).parent)}


def assert_clean_exit(result: CLIResult, what: str) -> None:
    assert result.returncode not in (134, -signal.SIGABRT), f"{what} aborted: {result.stderr[-2000:]}"
    assert "terminate called" not in result.stderr, f"{what}: {result.stderr[-2000:]}"
    assert "Fatal Python error" not in result.stderr, f"{what}: {result.stderr[-2000:]}"
    assert result.returncode == 0, f"{what} exited {result.returncode}: {result.stderr[-2000:]}"


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_every_quality_and_speech_path_exits_zero_without_aborting(run_cli: Any, tmp_path: Path) -> None:
    def run(*args: str) -> CLIResult:
        result: CLIResult = run_cli("--emulator", *args, env=CACHE_ENV, timeout=300)
        assert_clean_exit(result, " ".join(args[:3]))
        return result

    english = run("clone", AWB, "--prefix", "awb", "--json").json()["voice_id"]
    mandarin = run("clone", ZH, "--prefix", "zh", "--language-hint", "zh", "--json").json()["voice_id"]
    run("score", english, "--json")
    run("score", english, "--language", "zh", "--json")
    zh_score = run("score", mandarin, "--json").json()
    assert zh_score["probes"]["language"] == "zh"
    run("compare", ZH, "--target-model", "cosyvoice-v2", "--yes", "--json")
    run("speak", "--voice", english, "Hello there, this is a short sentence.", "-o", "en.wav")
    run("speak", "--voice", mandarin, "你好，今天天气很好。", "-o", "zh.wav")
    assert (tmp_path / "en.wav").stat().st_size > 1000 and (tmp_path / "zh.wav").stat().st_size > 1000
    run("demo", "--json")
