"""Kept (pooled) httpx connections for the JSON calls, against the emulator: a kept connection is reused, a
request whose reply was lost is never sent again blindly (create's reconciliation decides), and an idle
connection the server closed is replaced."""

from __future__ import annotations

import asyncio

from cosyclone.client import AsyncClient, Client
from cosyclone.emulator.faults import Fault
from cosyclone.emulator.server import EmulatorServer
from tests.helpers.emulator_fixtures import EMULATOR_API_KEY, SampleServer

GOOD = "good/flite-awb.wav"


def test_create_on_a_kept_connection_whose_reply_is_lost_makes_one_voice(
    emulator: EmulatorServer, sample_server: SampleServer
) -> None:
    tenant = emulator.backend.tenant_of_key(EMULATOR_API_KEY)
    with Client(api_key=EMULATOR_API_KEY, base_url=emulator.http_base_url) as client:
        client.voices.list()  # the connection is now kept
        emulator.backend.faults.add(Fault(target="create_voice", kind="drop_after"))
        created = client.voices.create(prefix="kept", sample=sample_server.url(GOOD))
    voices = [v["voice_id"] for v in emulator.backend.snapshot()["tenants"][tenant]["voices"]]
    assert voices == [created.voice_id], "the lost create was found again, not sent twice"
    assert created.reconciled


def test_async_create_on_a_kept_connection_whose_reply_is_lost_makes_one_voice(
    emulator: EmulatorServer, sample_server: SampleServer
) -> None:
    tenant = emulator.backend.tenant_of_key(EMULATOR_API_KEY)

    async def scenario() -> str:
        async with AsyncClient(api_key=EMULATOR_API_KEY, base_url=emulator.http_base_url) as client:
            await client.voices.list()
            emulator.backend.faults.add(Fault(target="create_voice", kind="drop_after"))
            return (await client.voices.create(prefix="kept", sample=sample_server.url(GOOD))).voice_id

    voice_id = asyncio.run(scenario())
    voices = [v["voice_id"] for v in emulator.backend.snapshot()["tenants"][tenant]["voices"]]
    assert voices == [voice_id]


def test_idle_connection_closed_by_the_server_is_replaced(emulator: EmulatorServer) -> None:
    with Client(api_key=EMULATOR_API_KEY, base_url=emulator.http_base_url) as client:
        client.voices.list()
        pool = client._transport.http._transport._pool  # type: ignore[attr-defined]  # httpx's httpcore pool
        assert len(pool.connections) == 1
        stream = pool.connections[0]._connection._network_stream
        stream.get_extra_info("socket").shutdown(2)  # as if the server had closed it (its keep-alive timeout)
        assert client.voices.list().request_id, "a new connection carried the request"
