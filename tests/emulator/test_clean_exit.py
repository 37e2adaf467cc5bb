"""No command ends in an abort (issue 22 item 1): with the speech engine on, the CLI's embedded emulator loads
native code (onnxruntime, the lexicon) in the background; a thread still inside it at interpreter exit ended the
process in ``terminate called without an active exception`` (SIGABRT, exit 134). Every exit path (an error right
away, a refused sample, Ctrl-C) must stop it first."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cosyclone.emulator.voice.engine_choice import speech_available
from tests.conftest import AUDIO_FIXTURES

pytestmark = pytest.mark.skipif(not speech_available(), reason="the speech extra is not installed")

OPUS_NAMED_MP3 = AUDIO_FIXTURES / "bad" / "opus-named-as.mp3"


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DASHSCOPE_", "ALIBABA_CLOUD_"))}
    env["COSYCLONE_HOME"] = str(home)
    env["COSYCLONE_VOICE_ENGINE"] = "speech"
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _assert_no_abort(code: int, stderr: str) -> None:
    assert code not in (134, -signal.SIGABRT), stderr
    assert "terminate called" not in stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    "args",
    [
        ("demo", "--sample", str(OPUS_NAMED_MP3)),
        ("clone", "https://example.invalid/me.wav", "--prefix", "me"),  # the issue used example.com: no traffic here
        ("clone", "http://127.0.0.1:{port}/me.wav", "--prefix", "me"),
    ],
    ids=["demo-opus-named-mp3", "clone-unresolvable-host", "clone-closed-port"],
)
def test_failing_commands_exit_cleanly_with_the_speech_engine(args: tuple[str, ...], tmp_path: Path) -> None:
    argv = [a.format(port=_free_port()) for a in args]
    proc = subprocess.run(
        [sys.executable, "-m", "cosyclone", "--emulator", *argv],
        cwd=tmp_path,
        env=_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    _assert_no_abort(proc.returncode, proc.stderr)
    assert proc.returncode != 0
    if argv[0] == "clone":  # the emulator's answer names the URL and what went wrong with it
        url = argv[1]
        assert f"could not be downloaded from {url}" in proc.stderr


def test_ctrl_c_while_the_engine_loads_exits_cleanly(tmp_path: Path) -> None:
    wav = AUDIO_FIXTURES / "good" / "flite-awb.wav"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cosyclone", "--emulator", "clone", str(wav), "--prefix", "intr"],
        cwd=tmp_path,
        env=_env(tmp_path / "home"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(3.0)  # the embedded emulator has started and its warm-up is inside native code
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode not in (134, -signal.SIGABRT), stderr
    assert "terminate called" not in stderr
