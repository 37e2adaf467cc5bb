"""Issue 13 item 4 through the real CLI: a service that throttles (429, no ``Retry-After``) before any audio does
not make ``speak`` fail — the request is retried with the client's policy, as enrollment already was."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

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


@pytest.mark.parametrize(("flags", "target"), [(["--http"], "synthesis_http"), ([], "synthesis_ws")])
def test_speak_survives_a_throttled_request(
    cli: CLI, voice: str, emulator: EmulatorServer, tmp_path: Path, flags: list[str], target: str
) -> None:
    # One request in five throttled, without Retry-After: the first one here.
    emulator.backend.faults.add(Fault(target=target, kind="http_error", status=429))  # type: ignore[arg-type]
    result = cli("speak", "Throttled, then spoken. Twice over.", "--voice", voice, *flags, "-o", "out.mp3")
    assert result.returncode == 0, result.stderr
    assert emulator.backend.faults.pending() == [], "the throttled request was made, then retried"
    assert decode(tmp_path / "out.mp3").info.duration_s > 1.0
    assert "Traceback" not in result.stderr
