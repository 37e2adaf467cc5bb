"""Where requests go: the WebSocket URL's precedence through the CLI (``--ws-url`` > DASHSCOPE_WEBSOCKET_BASE_URL
> the host of ``--base-url``), said by ``--verbose``; and every HTTP call through httpx honouring a proxy from
the environment and a caller's ``http_client`` (its proxy, its hooks), against the emulator over real sockets."""

from __future__ import annotations

import asyncio
import http.server
import socketserver
import threading
from collections.abc import Iterator
from typing import Any, ClassVar

import httpx
import pytest

from cosyclone.client import AsyncClient, Client
from cosyclone.emulator.server import EmulatorServer
from tests.conftest import CLIResult
from tests.helpers.emulator_fixtures import EMULATOR_API_KEY

DEAD_WS = "ws://127.0.0.1:9/api-ws/v1/inference"  # the discard port: nothing listens there


@pytest.fixture
def voice(emulator: EmulatorServer) -> str:
    tenant = emulator.backend.tenant_of_key(EMULATOR_API_KEY)
    return emulator.backend.seed_voice(tenant, prefix="where", f0_hz=140.0).voice_id


def _speak(run_cli: Any, emulator: EmulatorServer, voice: str, *flags: str, env: dict[str, str]) -> CLIResult:
    args = ("--base-url", emulator.http_base_url, *flags, "--verbose", "speak", "Hi.", "--voice", voice)
    result: CLIResult = run_cli(*args, "-o", "hi.mp3", env={"DASHSCOPE_API_KEY": EMULATOR_API_KEY, **env})
    return result


def test_ws_url_follows_base_url_when_nothing_else_is_set(run_cli: Any, emulator: EmulatorServer, voice: str) -> None:
    result = _speak(run_cli, emulator, voice, env={})
    assert result.returncode == 0, result.stderr
    assert f"HTTP base URL {emulator.http_base_url} (from --base-url)" in result.stderr
    assert f"WebSocket URL {emulator.ws_url} (from the host of the HTTP base URL (from --base-url))" in result.stderr


def test_ws_env_var_is_honoured_beside_base_url(run_cli: Any, emulator: EmulatorServer, voice: str) -> None:
    result = _speak(run_cli, emulator, voice, env={"DASHSCOPE_WEBSOCKET_BASE_URL": DEAD_WS})
    assert result.returncode != 0, "the WebSocket went where the variable said (nothing listens there)"
    assert f"WebSocket URL {DEAD_WS} (from DASHSCOPE_WEBSOCKET_BASE_URL)" in result.stderr


def test_ws_url_option_beats_the_env_var(run_cli: Any, emulator: EmulatorServer, voice: str) -> None:
    env = {"DASHSCOPE_WEBSOCKET_BASE_URL": DEAD_WS}
    result = _speak(run_cli, emulator, voice, "--ws-url", emulator.ws_url, env=env)
    assert result.returncode == 0, result.stderr
    assert f"WebSocket URL {emulator.ws_url} (from --ws-url)" in result.stderr


class _Proxy(http.server.BaseHTTPRequestHandler):
    """A forward HTTP proxy (absolute-form requests), recording what went through it."""

    seen: ClassVar[list[str]] = []

    def _forward(self) -> None:
        type(self).seen.append(f"{self.command} {self.path}")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "proxy-connection")}
        reply = httpx.request(self.command, self.path, headers=headers, content=body, trust_env=False)
        self.send_response(reply.status_code)
        for key, value in reply.headers.items():
            if key.lower() not in ("transfer-encoding", "connection", "content-encoding", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(reply.content)))
        self.end_headers()
        self.wfile.write(reply.content)

    do_GET = do_POST = _forward

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[str]:
    _Proxy.seen = []
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Proxy)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_proxy_from_the_environment_is_honoured(
    emulator: EmulatorServer, proxy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with Client(api_key=EMULATOR_API_KEY, base_url=emulator.http_base_url) as client:
        assert client.voices.list().request_id
    assert _Proxy.seen and _Proxy.seen[0].startswith(f"POST {emulator.http_base_url}/")

    async def scenario() -> None:
        async with AsyncClient(api_key=EMULATOR_API_KEY, base_url=emulator.http_base_url) as aclient:
            await aclient.voices.list()

    asyncio.run(scenario())
    assert len(_Proxy.seen) == 2, "the async client went through the proxy too"


def test_a_callers_http_client_is_used_with_its_proxy_and_hooks(emulator: EmulatorServer, proxy: str) -> None:
    hooked: list[str] = []
    http_client = httpx.Client(proxy=proxy, event_hooks={"request": [lambda r: hooked.append(str(r.url))]})
    with Client(api_key=EMULATOR_API_KEY, base_url=emulator.http_base_url, http_client=http_client) as client:
        assert client.voices.list().request_id
    assert hooked == [f"{emulator.http_base_url}/services/audio/tts/customization"]
    assert len(_Proxy.seen) == 1 and "Bearer" not in " ".join(hooked)

    async def scenario() -> None:
        async def hook(request: httpx.Request) -> None:
            hooked.append(str(request.url))

        given = httpx.AsyncClient(proxy=proxy, event_hooks={"request": [hook]})
        async with AsyncClient(api_key=EMULATOR_API_KEY, base_url=emulator.http_base_url, http_client=given) as c:
            await c.voices.list()

    asyncio.run(scenario())
    assert len(hooked) == 2 and len(_Proxy.seen) == 2
