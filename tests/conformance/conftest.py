"""Fixtures of the conformance tests: the official ``dashscope`` SDK pointed at a live emulator.

The SDK reads ``DASHSCOPE_HTTP_BASE_URL`` once, at import, so the ``sdk`` fixture assigns
``dashscope.base_http_api_url`` / ``base_websocket_api_url`` / ``api_key`` instead, and restores them afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from cosyclone.emulator.server import EmulatorServer
from tests.helpers.emulator_fixtures import EMULATOR_API_KEY, emulator, sample_server

__all__ = ["SDK", "emulator", "sample_server", "sdk"]


@dataclass
class SDK:
    """The emulator the SDK talks to, and the key it uses."""

    emulator: EmulatorServer
    api_key: str


@pytest.fixture
def sdk(emulator: EmulatorServer) -> Iterator[SDK]:
    dashscope = pytest.importorskip("dashscope")
    saved = (dashscope.base_http_api_url, dashscope.base_websocket_api_url, dashscope.api_key)
    dashscope.base_http_api_url = emulator.http_base_url
    dashscope.base_websocket_api_url = emulator.ws_url
    dashscope.api_key = EMULATOR_API_KEY
    try:
        yield SDK(emulator, EMULATOR_API_KEY)
    finally:
        dashscope.base_http_api_url, dashscope.base_websocket_api_url, dashscope.api_key = saved
