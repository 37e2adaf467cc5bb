"""Client tests run against a live emulator over real sockets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cosyclone.client import Client
from cosyclone.emulator.server import EmulatorServer
from tests.helpers.emulator_fixtures import EMULATOR_API_KEY, emulator, sample_server  # noqa: F401


@pytest.fixture
def client(emulator: EmulatorServer) -> Iterator[Client]:  # noqa: F811
    with Client(api_key=EMULATOR_API_KEY, base_url=emulator.http_base_url, max_retries=3) as made:
        yield made
