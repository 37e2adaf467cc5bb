"""Routes of the emulator's ASGI app: ``create_app(backend) -> Starlette``.

API paths mirror DashScope's (contract §1–3, §6–7) under ``/api/v1`` and ``/api-ws/v1``; the emulator's own
endpoints (control plane, OSS upload host, result downloads) live under ``/_emulator``. Synthesis routes come
from :mod:`cosyclone.emulator.synthesis` when that module is present.

Imported by the server runner and by tests that mount the app in-process.
"""

from __future__ import annotations

import importlib
import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from cosyclone.emulator import handlers_http
from cosyclone.emulator.backend import EmulatorBackend
from cosyclone.emulator.control import control_routes
from cosyclone.emulator.drop import TRANSPORT_KEY, transport_of_send
from cosyclone.emulator.openapi import OPENAPI_PATH, openapi_document
from cosyclone.schema import endpoints
from cosyclone.schema.enrollment import CUSTOMIZATION_PATH
from cosyclone.schema.uploads import UPLOADS_PATH

API_PREFIX = endpoints.API_PREFIX
WS_PATH = endpoints.WEBSOCKET_PATH
CONTROL_PREFIX = endpoints.EMULATOR_PREFIX
SYNTHESIS_MODULE = "cosyclone.emulator.synthesis"

log = logging.getLogger(__name__)


class EmulatorApp(Starlette):
    """A Starlette app that also records the connection's transport in the scope, so that faults can drop it."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            transport = transport_of_send(send)
            if transport is not None:
                scope[TRANSPORT_KEY] = transport
        await super().__call__(scope, receive, send)


def api_routes() -> list[BaseRoute]:
    return [
        Route(f"{API_PREFIX}/{CUSTOMIZATION_PATH}", handlers_http.customization, methods=["POST"]),
        Route(f"{API_PREFIX}/{UPLOADS_PATH}", handlers_http.get_policy, methods=["GET"]),
        Route(handlers_http.UPLOAD_PATH, handlers_http.upload, methods=["POST"]),
        Route(f"{CONTROL_PREFIX}/results/{{name}}", handlers_http.result, methods=["GET"]),
    ]


def synthesis_routes_for(backend: EmulatorBackend) -> list[BaseRoute]:
    """The synthesis half's routes, or none while that module is not there."""
    try:
        module = importlib.import_module(SYNTHESIS_MODULE)
    except ModuleNotFoundError as error:
        if error.name == SYNTHESIS_MODULE:
            return []
        raise
    factory = getattr(module, "synthesis_routes", None)
    if factory is None:
        log.warning("%s has no synthesis_routes(); synthesis is not served", SYNTHESIS_MODULE)
        return []
    return list(factory(backend))


async def openapi(request: Request) -> JSONResponse:
    """``GET /_emulator/openapi.json``: the OpenAPI description of this emulator's HTTP API."""
    return JSONResponse(openapi_document(server_url=str(request.base_url).rstrip("/")))


def create_app(backend: EmulatorBackend) -> Starlette:
    """The emulator's ASGI app over ``backend`` (shared with whoever steers it in-process)."""
    routes = [*api_routes(), *synthesis_routes_for(backend), *control_routes()]
    app = EmulatorApp(routes=[*routes, Route(OPENAPI_PATH, openapi, methods=["GET"])])
    app.state.backend = backend
    return app
