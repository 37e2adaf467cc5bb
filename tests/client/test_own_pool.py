"""The client's own connection pool, to which a JSON call with our key goes directly (client/_transport.py): the
service sees the same request as through httpx, an encoded reply is decoded as httpx would, and a second event loop
leaves no socket of the first open — over real sockets, through a recording reverse proxy in front of the emulator.
"""

from __future__ import annotations

import asyncio
import gzip
import http.server
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import httpx
import pytest

from cosyclone.client import AsyncClient, Client
from cosyclone.client._steps import Call
from cosyclone.emulator.server import EmulatorServer
from cosyclone.schema.enrollment import CUSTOMIZATION_PATH
from tests.client.test_async_speech import open_sockets
from tests.helpers.emulator_fixtures import EMULATOR_API_KEY


class _Gateway(http.server.BaseHTTPRequestHandler):
    """A reverse proxy to the emulator that records each request's headers and gzips each reply."""

    protocol_version = "HTTP/1.1"  # keeps connections alive, as the service does
    upstream: ClassVar[str] = ""
    seen: ClassVar[list[dict[str, str]]] = []
    names: ClassVar[list[list[str]]] = []  # each request's header names as sent (a repeated one shows twice)

    def do_POST(self) -> None:
        type(self).seen.append({key.lower(): value for key, value in self.headers.items()})
        type(self).names.append(sorted(key.lower() for key in self.headers))
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "accept-encoding")}
        reply = httpx.post(f"{self.upstream}{self.path}", headers=headers, content=body, trust_env=False)
        packed = gzip.compress(reply.content)
        self.send_response(reply.status_code)
        self.send_header("Content-Type", reply.headers["content-type"])
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(packed)))
        self.end_headers()
        self.wfile.write(packed)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def gateway(emulator: EmulatorServer) -> Iterator[str]:
    """The gateway's base URL (same API path as the emulator's)."""
    _Gateway.seen, _Gateway.names, _Gateway.upstream = [], [], emulator.http_base_url.split("/api/")[0]
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Gateway)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    path = "/api/" + emulator.http_base_url.split("/api/", 1)[1]
    yield f"http://127.0.0.1:{server.server_address[1]}{path}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def voice(emulator: EmulatorServer) -> str:
    tenant = emulator.backend.tenant_of_key(EMULATOR_API_KEY)
    return emulator.backend.seed_voice(tenant, prefix="pool", f0_hz=150.0).voice_id


def test_the_service_sees_the_request_httpx_would_send_and_a_gzip_reply_is_read(gateway: str, voice: str) -> None:
    with Client(api_key=EMULATOR_API_KEY, base_url=gateway) as own:
        direct = own.voices.get(voice)
    with (
        httpx.Client(trust_env=False) as given,
        Client(api_key=EMULATOR_API_KEY, base_url=gateway, http_client=given) as through_httpx,
    ):
        sent_by_httpx = through_httpx.voices.get(voice)
    assert direct.voice_id == sent_by_httpx.voice_id == voice, "the gzipped reply was decoded on both paths"
    ours, theirs = _Gateway.seen
    assert ours.keys() >= {"host", "authorization", "content-type", "content-length", "user-agent", "accept"}
    assert ours.keys() == theirs.keys()
    for name in ("host", "authorization", "content-type", "content-length", "user-agent", "accept"):
        assert ours[name] == theirs[name], name


def test_a_calls_own_headers_replace_the_clients_on_both_paths(gateway: str) -> None:
    body = {"model": "voice-enrollment", "input": {"action": "list_voice", "page_index": 0, "page_size": 10}}
    call = Call("POST", CUSTOMIZATION_PATH, json=body, headers={"User-Agent": "agent/1", "X-Trace": "t1"})
    with Client(api_key=EMULATOR_API_KEY, base_url=gateway) as own:
        own._transport.send_once(call)
    with (
        httpx.Client(trust_env=False) as given,
        Client(api_key=EMULATOR_API_KEY, base_url=gateway, http_client=given) as through_httpx,
    ):
        through_httpx._transport.send_once(call)
    ours, theirs = _Gateway.seen
    assert ours["user-agent"] == theirs["user-agent"] == "agent/1" and ours["x-trace"] == "t1"
    assert _Gateway.names[0] == _Gateway.names[1], "the same headers, none sent twice"


def test_the_async_client_reads_a_gzip_reply_on_its_own_pool(gateway: str, voice: str) -> None:
    async def scenario() -> str:
        async with AsyncClient(api_key=EMULATOR_API_KEY, base_url=gateway) as client:
            return (await client.voices.get(voice)).voice_id

    assert asyncio.run(scenario()) == voice
    assert _Gateway.seen[0]["authorization"] == f"Bearer {EMULATOR_API_KEY}"


def test_a_second_event_loop_closes_the_sockets_of_the_first(emulator: EmulatorServer, voice: str) -> None:
    client = AsyncClient(api_key=EMULATOR_API_KEY, base_url=emulator.http_base_url)

    async def look_up() -> None:
        await client.voices.get(voice)

    def kept() -> int:  # after the loop has ended, its own self-pipe closed
        return _settled(open_sockets, lambda count: count <= before + 2)

    before = open_sockets()
    asyncio.run(look_up())
    first = kept()  # one kept connection: our end and the emulator's
    asyncio.run(look_up())
    second = kept()  # the first loop's connection cannot serve here: closed, a new one opened
    asyncio.run(client.close())
    assert first == before + 2
    assert second == before + 2, "the first loop's connection was left open"
    assert _settled(open_sockets, lambda count: count <= before) == before


def _settled(measure: Callable[[], int], ok: Callable[[int], bool], timeout_s: float = 3.0) -> int:
    """``measure()`` once ``ok`` accepts it (the other side closes its end a moment later), or at the timeout."""
    deadline = time.monotonic() + timeout_s
    while not ok(measure()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return measure()
