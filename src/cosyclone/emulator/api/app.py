"""Routes of the emulator's ASGI app: ``create_app(backend) -> Starlette``.

API paths mirror DashScope's (contract §1–3, §6–7) under ``/api/v1`` and ``/api-ws/v1`` (see
:mod:`cosyclone.emulator.api.paths`); the emulator's own endpoints (control plane, OSS upload host, result downloads)
live under ``/_emulator``. Enrollment and uploads come from :mod:`cosyclone.emulator.api.enrollment_http`, synthesis
from :mod:`cosyclone.emulator.api.synthesis`, the control plane from :mod:`cosyclone.emulator.api.control`.

Imported by the server runner and by tests that mount the app in-process.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from cosyclone.emulator.api.control import control_routes
from cosyclone.emulator.api.drop import TRANSPORT_KEY, transport_of_send
from cosyclone.emulator.api.enrollment_http import enrollment_routes
from cosyclone.emulator.api.openapi import OPENAPI_PATH, openapi_document
from cosyclone.emulator.api.outside_paths import outside_routes
from cosyclone.emulator.api.paths import API_PREFIX, CONTROL_PREFIX, WEBSOCKET_PATH
from cosyclone.emulator.api.synthesis import synthesis_routes
from cosyclone.emulator.state.backend import EmulatorBackend

__all__ = ["API_PREFIX", "CONTROL_PREFIX", "WS_PATH", "EmulatorApp", "create_app"]

#: The WebSocket path (also served with a trailing slash).
WS_PATH = WEBSOCKET_PATH


class EmulatorApp(Starlette):
    """A Starlette app that also records the connection's transport in the scope, so that faults can drop it."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            transport = transport_of_send(send)
            if transport is not None:
                scope[TRANSPORT_KEY] = transport
        await super().__call__(scope, receive, send)


async def openapi(request: Request) -> JSONResponse:
    """``GET /_emulator/openapi.json``: the OpenAPI description of this emulator's HTTP API."""
    return JSONResponse(openapi_document(server_url=str(request.base_url).rstrip("/")))


def create_app(backend: EmulatorBackend) -> Starlette:
    """The emulator's ASGI app over ``backend`` (shared with whoever steers it in-process)."""
    routes = [*enrollment_routes(backend), *synthesis_routes(backend), *control_routes(), *outside_routes()]
    app = EmulatorApp(routes=[*routes, Route(OPENAPI_PATH, openapi, methods=["GET"])])
    app.state.backend = backend
    return app
