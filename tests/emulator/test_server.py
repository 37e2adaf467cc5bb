"""The in-process runner, accounts restricted with ``keys``, stored results, and the ``cosyclone emulator`` command."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import httpx

from cosyclone.emulator.api.app import create_app
from cosyclone.emulator.ports import SynthesisBackend
from cosyclone.emulator.server import EmulatorServer
from cosyclone.emulator.state.backend import EmulatorBackend
from tests.emulator._api import assert_error, list_voices


def test_addresses_and_env() -> None:
    with EmulatorServer(port=0) as emu:
        assert emu.port > 0
        assert emu.http_base_url == f"http://127.0.0.1:{emu.port}/api/v1"
        assert emu.ws_url == f"ws://127.0.0.1:{emu.port}/api-ws/v1/inference"
        assert emu.control_url == f"http://127.0.0.1:{emu.port}/_emulator"
        assert emu.env() == {
            "DASHSCOPE_HTTP_BASE_URL": emu.http_base_url,
            "DASHSCOPE_WEBSOCKET_BASE_URL": emu.ws_url,
        }
        assert httpx.get(emu.control_url + "/health").json() == {"ok": True}
    # stopped: the port is released
    with EmulatorServer(port=emu.port) as again:
        assert again.port == emu.port


def test_starts_well_under_a_second() -> None:
    started = time.monotonic()
    with EmulatorServer() as emu:
        assert time.monotonic() - started < 0.5
        assert httpx.get(emu.control_url + "/health").status_code == 200


def test_unknown_setting_is_refused() -> None:
    try:
        EmulatorServer(ready_dealy_s=1)
    except TypeError as error:
        assert "ready_dealy_s" in str(error)
    else:
        raise AssertionError("a typo in a setting must not pass")


def test_keys_restrict_accounts() -> None:
    with EmulatorServer(keys={"sk-one", "sk-two"}) as emu:
        assert list_voices(emu, key="sk-one").status_code == 200
        assert list_voices(emu, key="sk-two").status_code == 200
        assert_error(list_voices(emu, key="sk-three"), 401, "InvalidApiKey")


def test_backend_implements_the_synthesis_port() -> None:
    backend: SynthesisBackend = EmulatorBackend()
    assert backend.idle_timeout_s == 23.0 and backend.sentence_latency_s == 0.0
    assert backend.authenticate("Bearer sk-abc") is not None
    assert backend.authenticate("Bearer abc") is None
    assert backend.authenticate(None) is None
    assert create_app(EmulatorBackend()).state.backend is not None


def test_results_are_served_without_auth_until_they_expire(emulator: EmulatorServer) -> None:
    backend = emulator.backend
    tenant = backend.authenticate("Bearer sk-results")
    assert tenant is not None
    path = backend.store_result(tenant, b"ID3fake-mp3", ".mp3")
    assert path.startswith("/_emulator/results/") and path.endswith(".mp3")
    response = httpx.get(emulator.base_url + path)
    assert response.status_code == 200 and response.content == b"ID3fake-mp3"
    assert response.headers["content-type"] == "audio/mpeg"
    wav_path = backend.store_result(tenant, b"RIFF", "wav")
    assert wav_path.endswith(".wav")
    now = time.time()
    backend.clock = lambda: now + 24 * 3600 + 1
    assert httpx.get(emulator.base_url + path).status_code == 404


def test_cli_serves_until_interrupted() -> None:
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cosyclone", "emulator", "--port", "0", "--json", "--ready-delay", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        elapsed = time.monotonic() - started
        assert info["http_base_url"] == f"http://127.0.0.1:{info['port']}/api/v1"
        assert info["env"]["DASHSCOPE_WEBSOCKET_BASE_URL"] == info["ws_url"]
        settings = httpx.get(info["control_url"] + "/settings").json()
        assert settings["ready_delay_s"] == 5
        assert elapsed < 10  # generous here: CI machines are slow; the in-process start is timed above
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert "emulator stopped" in err


def test_cli_prints_export_lines() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "cosyclone", "emulator", "--port", "0", "--keys", "sk-a,sk-b"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first, second = proc.stdout.readline(), proc.stdout.readline()
        assert first.startswith("export DASHSCOPE_HTTP_BASE_URL=http://127.0.0.1:")
        assert second.startswith("export DASHSCOPE_WEBSOCKET_BASE_URL=ws://127.0.0.1:")
        base = first.strip().split("=", 1)[1]
        response = httpx.post(
            base + "/services/audio/tts/customization",
            json={"model": "voice-enrollment", "input": {"action": "list_voice"}},
            headers={"Authorization": "Bearer sk-c"},
        )
        assert response.status_code == 401
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=15)


def test_the_emulator_never_imports_the_client() -> None:
    import ast
    from pathlib import Path

    import cosyclone.emulator

    package = Path(cosyclone.emulator.__file__).parent
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert not name.startswith("cosyclone.client"), f"{path.name} imports {name}"
