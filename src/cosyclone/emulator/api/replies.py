"""HTTP replies of the API endpoints: the DashScope error envelope, and a fault's action carried out over HTTP.

Imported by the HTTP handlers (:mod:`cosyclone.emulator.api.enrollment_http`,
:mod:`cosyclone.emulator.api.synthesis_http`).
"""

from __future__ import annotations

import logging
import uuid

from starlette.responses import JSONResponse, Response

from cosyclone.emulator.api.drop import DropResponse
from cosyclone.emulator.errors import EmulatorApiError
from cosyclone.emulator.faults import Drop, FaultAction, after_delay
from cosyclone.schema.errors import ErrorEnvelope

log = logging.getLogger("cosyclone.emulator")

#: Response header carrying the reason of a refusal, for people debugging a test (the service has none).
DETAIL_HEADER = "X-Emulator-Detail"


def new_request_id() -> str:
    return str(uuid.uuid4())


def error_response(error: EmulatorApiError, request_id: str) -> JSONResponse:
    """The DashScope error envelope for a refusal, with its headers (``Retry-After``, ``X-Emulator-Detail``)."""
    headers = dict(error.headers)
    if error.detail:
        headers[DETAIL_HEADER] = _header_safe(error.detail)
        log.info("%s %s (%s)", error.status, error.code, error.detail)
    body = ErrorEnvelope(request_id=request_id, code=error.code, message=error.message).to_wire()
    return JSONResponse(body, status_code=error.status, headers=headers)


async def carry_out(action: FaultAction | None, request_id: str) -> Response | None:
    """Do what a fault says over HTTP: the reply that replaces handling, or None to go on (after any delay)."""
    action = await after_delay(action)
    if action is None:
        return None
    if isinstance(action, Drop):
        return DropResponse(action.style)
    return error_response(action.error, request_id)


def _header_safe(text: str) -> str:
    return "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in text)[:300]
