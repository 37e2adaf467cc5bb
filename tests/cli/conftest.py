"""CLI tests: the real ``cosyclone`` entry point in a subprocess, against a live emulator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cosyclone.emulator.server import EmulatorServer
from tests.conftest import PLANTED_KEY, CLIResult
from tests.helpers.emulator_fixtures import emulator, sample_server  # noqa: F401


@pytest.fixture
def cli(run_cli: Any, emulator: EmulatorServer) -> Callable[..., CLIResult]:  # noqa: F811
    """Run the CLI against the shared emulator with a planted key (so tests can grep every output for it)."""

    def run(*args: str, **kwargs: Any) -> CLIResult:
        env = {"DASHSCOPE_API_KEY": PLANTED_KEY, **kwargs.pop("env", {})}
        result: CLIResult = run_cli("--base-url", emulator.http_base_url, *args, env=env, **kwargs)
        assert PLANTED_KEY not in result.stdout + result.stderr
        return result

    return run
