"""Fixtures for the MCP server tests: the shared emulator, the sample server, and anyio on asyncio."""

from __future__ import annotations

import pytest

from tests.helpers.emulator_fixtures import emulator, sample_server  # noqa: F401


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
