"""Paths of the service that this contract does not cover, answered as the service's envelope (contract §11.6)
instead of a bare 403 or a plain-text 404.

- ``/api-ws/v1/realtime`` (Qwen-TTS-Realtime and the Omni/Qwen-Audio realtime sessions: one socket per session,
  ``type``-tagged JSON events): the handshake is refused with HTTP 404 and ``{"request_id", "code", "message"}``
  saying the realtime API is not served (a server without the ASGI denial-response extension accepts, sends one
  ``{"type": "error", "error": {"code", "message"}}`` event and closes).
- ``POST /api/v1/services/aigc/multimodal-generation/generation`` (Qwen-TTS over HTTP): 400 ``InvalidParameter``
  "Model not exist." in the DashScope envelope, whatever the model (none of them is served here).

Imported by :mod:`cosyclone.emulator.app`, which mounts :func:`outside_routes`.
"""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from cosyclone.emulator.api.paths import API_PREFIX
from cosyclone.schema import errors as codes

__all__ = ["MULTIMODAL_PATH", "REALTIME_PATH", "outside_routes"]

#: PY1-RT's default URL and PY2-RT's ``WS_REALTIME_PATH`` (contract §11.6).
REALTIME_PATH = "/api-ws/v1/realtime"
MULTIMODAL_PATH = f"{API_PREFIX}/services/aigc/multimodal-generation/generation"
#: The code of the refusal (a 404 of the gateway; not one the customization or synthesis APIs answer).
_NOT_FOUND = "NotFound"
REALTIME_NOT_SERVED = (
    "The realtime API (/api-ws/v1/realtime: Qwen-TTS-Realtime, Omni realtime sessions) is not served by this "
    "emulator; CosyVoice speech goes over /api-ws/v1/inference."
)


async def realtime(websocket: WebSocket) -> None:
    """Refuse the realtime handshake with 404 and the envelope (or an ``error`` event where 404 cannot be sent)."""
    body = {"request_id": str(uuid.uuid4()), "code": _NOT_FOUND, "message": REALTIME_NOT_SERVED}
    try:
        await websocket.send_denial_response(JSONResponse(body, status_code=404))
    except RuntimeError:  # the server lacks the denial-response extension
        await websocket.accept()
        await websocket.send_json({"type": "error", "error": {"code": _NOT_FOUND, "message": REALTIME_NOT_SERVED}})
        await websocket.close(code=1000)


async def multimodal_generation(request: Request) -> Response:
    """Qwen-TTS over HTTP: no model of it is served here (the service's words for an unserved model)."""
    body = {"request_id": str(uuid.uuid4()), "code": codes.INVALID_PARAMETER, "message": "Model not exist."}
    return JSONResponse(body, status_code=400)


def outside_routes() -> list[BaseRoute]:
    return [
        WebSocketRoute(REALTIME_PATH, realtime),
        WebSocketRoute(REALTIME_PATH + "/", realtime),
        Route(MULTIMODAL_PATH, multimodal_generation, methods=["POST"]),
    ]
