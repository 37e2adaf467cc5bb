"""Fixtures for the MCP server tests: the shared emulator, the sample server, and anyio on asyncio."""

from __future__ import annotations

import pytest

from cosyclone.emulator.server import EmulatorServer
from tests.helpers.emulator_fixtures import emulator, sample_server  # noqa: F401


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def base_url(emulator: EmulatorServer) -> str:  # noqa: F811
    return emulator.http_base_url
