"""``wait_until_ready`` polls quickly first, then backs off to a cap, and notices OK within one short poll of the
emulator switching (issue 14 item 3)."""

from __future__ import annotations

import asyncio
import time

import pytest

from cosyclone.client import AsyncClient, Client
from cosyclone.client._voice_flows import (
    READY_POLL_FIRST_S,
    READY_POLL_MAX_S,
    READY_QUICK_PHASE_S,
    ready_poll_delay,
)
from cosyclone.emulator.server import EmulatorServer
from cosyclone.emulator.state import lifecycle
from tests.helpers.emulator_fixtures import EMULATOR_API_KEY


def test_poll_schedule_is_quick_then_backs_off_to_a_cap() -> None:
    waited, delay, delays = 0.0, None, []
    while waited < 30:
        delay = ready_poll_delay(waited, delay)
        delays.append(delay)
        waited += delay
    quick = delays[: int(READY_QUICK_PHASE_S / READY_POLL_FIRST_S)]
    assert set(quick) == {READY_POLL_FIRST_S}
    assert delays == sorted(delays) and max(delays) == READY_POLL_MAX_S
    assert len(delays) < 35, "a 30 s wait costs a few dozen queries, not hundreds"


@pytest.mark.parametrize("ready_in_s", [0.3, 1.6])
def test_ok_noticed_within_one_poll(client: Client, emulator: EmulatorServer, ready_in_s: float) -> None:
    tenant = emulator.backend.tenant_of_key(EMULATOR_API_KEY)
    started = time.monotonic()
    voice_id = emulator.backend.seed_voice(tenant, status=lifecycle.DEPLOYING, ready_in_s=ready_in_s).voice_id
    assert client.voices.get(voice_id).status == "DEPLOYING"
    assert client.voices.wait_until_ready(voice_id, timeout=10).status == "OK"
    lag = time.monotonic() - started - ready_in_s
    # The poll interval at that point of the wait, plus a query's round trip and this machine's noise.
    interval = ready_poll_delay(ready_in_s, READY_POLL_FIRST_S)
    assert lag <= interval + 0.25, f"noticed {lag:.3f} s after the switch"


def test_async_wait_notices_ok_quickly(emulator: EmulatorServer) -> None:
    tenant = emulator.backend.tenant_of_key(EMULATOR_API_KEY)

    async def scenario() -> float:
        async with AsyncClient(api_key=EMULATOR_API_KEY, base_url=emulator.http_base_url) as client:
            started = time.monotonic()
            voice_id = emulator.backend.seed_voice(tenant, status=lifecycle.DEPLOYING, ready_in_s=0.4).voice_id
            await client.voices.wait_until_ready(voice_id, timeout=10)
            return time.monotonic() - started - 0.4

    assert asyncio.run(scenario()) <= READY_POLL_FIRST_S + 0.25
