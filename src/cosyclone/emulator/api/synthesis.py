"""The synthesis half of the emulator: routes for WebSocket duplex synthesis and HTTP ``SpeechSynthesizer``.

Who may import it: the emulator's app (which mounts :func:`synthesis_routes`), tests and benchmarks. The handlers
depend only on :class:`~cosyclone.emulator.ports.SynthesisBackend`; wire messages are built and parsed through
:mod:`cosyclone.schema.synthesis`; audio comes from :mod:`cosyclone.emulator.voice.engines` and is encoded by
:mod:`cosyclone.emulator.api.stream_encoder` (streams, one encoder per task) and :func:`cosyclone.audio.io.encode`
(whole files).

- ``/api-ws/v1/inference`` and ``/api-ws/v1/inference/`` (WebSocket; several public clients hard-code the
  slash, contract §10.6): :mod:`cosyclone.emulator.api.synthesis_ws` (contract §5).
- ``POST /api/v1/services/audio/tts/SpeechSynthesizer``: :mod:`cosyclone.emulator.api.synthesis_http` (contract §6).
- Rules both share (voices, models, parameters, text limits, audio framing):
  :mod:`cosyclone.emulator.api.synthesis_rules`; faults: :mod:`cosyclone.emulator.faults`.

The protocol as emulated, and the choice made on every point the contract leaves UNCERTAIN, is written up in
``docs/emulator-synthesis.md``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from cosyclone.emulator.api.drop import TRANSPORT_KEY, transport_of_send
from cosyclone.emulator.api.paths import HTTP_SYNTHESIS_PATH, WEBSOCKET_PATH, WEBSOCKET_PATHS
from cosyclone.emulator.api.synthesis_http import http_synthesis
from cosyclone.emulator.api.synthesis_ws import synthesis_websocket
from cosyclone.emulator.ports import SynthesisBackend

__all__ = ["HTTP_SYNTHESIS_PATH", "WEBSOCKET_PATH", "synthesis_routes"]


class _WebSocketEndpoint:
    """A raw ASGI endpoint, so that the server's transport is at hand for the ``ws_close`` fault: from the scope
    (where :class:`~cosyclone.emulator.api.app.EmulatorApp` records it) or from uvicorn's own ``send``."""

    def __init__(self, backend: SynthesisBackend) -> None:
        self.backend = backend

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        transport = scope.get(TRANSPORT_KEY) or transport_of_send(send)
        await synthesis_websocket(websocket, self.backend, transport=transport)


def synthesis_routes(backend: SynthesisBackend) -> list[BaseRoute]:
    """The WebSocket and HTTP synthesis routes, served from ``backend``'s state, rules and faults."""

    async def http_endpoint(request: Request) -> Response:
        return await http_synthesis(request, backend)

    websocket = _WebSocketEndpoint(backend)
    return [
        *(WebSocketRoute(path, websocket) for path in WEBSOCKET_PATHS),
        Route(HTTP_SYNTHESIS_PATH, http_endpoint, methods=["POST"], name="synthesis_http"),
    ]
