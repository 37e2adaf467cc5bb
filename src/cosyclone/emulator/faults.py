"""Faults the emulator can inject, steered by tests through the control plane or in-process.

A :class:`FaultPlan` is a queue of :class:`Fault` rules. Each API handler asks ``plan.take(target)`` once per
call; the first armed rule for that target is consumed (``times`` counts down) and returned. Targets are the
five enrollment actions, ``get_policy``, ``upload``, ``synthesis_ws`` and ``synthesis_http``.

HTTP handlers take the fault first, before checking the API key (a gateway fails before auth): an enrollment
fault is keyed by the ``input.action`` of the body (a body without a known action consumes none); an ``upload``
fault fires after the form has been read, so a drop never cuts the client off mid-request.

Kinds:

- ``http_error``: answer ``status`` (429/500/503…) with the DashScope envelope; ``retry_after_s`` adds a
  ``Retry-After`` header. The server does not act.
- ``latency``: sleep ``delay_s`` before handling (then handle normally).
- ``drop_before``: close the connection without a complete reply; the server does not act.
- ``drop_after``: act (e.g. create the voice), then close the connection without a complete reply.

  How a drop looks (``drop_style``), measured with httpx and with the official SDK (requests):

  - ``close`` (default): the TCP connection is closed before a single byte of the reply. httpx raises
    ``httpx.RemoteProtocolError`` ("Server disconnected without sending a response."); requests raises
    ``requests.ConnectionError`` (``RemoteDisconnected``), which the ``dashscope`` SDK **retries** (once in
    its HTTP layer, then up to 3 times with 2 s sleeps in ``VoiceEnrollmentService``) — so a ``drop_after``
    on ``create_voice`` with ``times=1`` makes the SDK create the voice twice, as the real service would.
  - ``truncate``: status line and headers go out, promising a body that never comes (``Content-Length``
    larger than what is sent), then the connection closes. httpx raises ``httpx.RemoteProtocolError``
    ("peer closed connection without sending complete message body"); requests raises
    ``requests.exceptions.ChunkedEncodingError``, which the SDK does **not** retry (it reaches the caller).

  Without access to the socket (e.g. the app mounted on httpx's ``ASGITransport``), ``close`` falls back to
  ``truncate``.
- ``ws_close``: (synthesis) close the WebSocket abruptly after ``after_sentences`` sentences.
- ``task_failed``: (synthesis) send ``task-failed`` with ``code``/``message`` after ``after_sentences``.
"""

from __future__ import annotations

import threading
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

DropStyle = Literal["close", "truncate"]
FaultKind = Literal["http_error", "latency", "drop_before", "drop_after", "ws_close", "task_failed"]
FaultTarget = Literal[
    "create_voice",
    "list_voice",
    "query_voice",
    "update_voice",
    "delete_voice",
    "get_policy",
    "upload",
    "synthesis_ws",
    "synthesis_http",
]
FAULT_TARGETS: tuple[str, ...] = get_args(FaultTarget)


class Fault(BaseModel):
    """One fault rule (also the JSON body of ``POST /_emulator/faults``)."""

    model_config = ConfigDict(extra="forbid")

    target: FaultTarget
    kind: FaultKind
    times: int = Field(default=1, ge=1, description="how many calls it applies to")
    status: int = Field(default=500, ge=400, le=599)
    code: str | None = None
    message: str | None = None
    retry_after_s: float | None = Field(default=None, ge=0)
    delay_s: float = Field(default=0.0, ge=0, le=600)
    after_sentences: int = Field(default=0, ge=0)
    drop_style: DropStyle = "close"

    def envelope(self) -> tuple[str, str]:
        """``(code, message)`` of an ``http_error`` fault: the given ones, else the service's for the status."""
        default_code, default_message = default_error(self.status)
        return self.code or default_code, self.message or default_message


#: The service's usual code and message per HTTP status, used when a fault gives none (contract §3.8).
_DEFAULT_ERRORS: dict[int, tuple[str, str]] = {
    400: ("InvalidParameter", "Required parameter missing or invalid, please check the request parameters."),
    401: ("InvalidApiKey", "Invalid API-key provided."),
    403: ("AccessDenied", "Access denied."),
    404: ("NotFound", "Not found."),
    429: ("Throttling.RateQuota", "Requests rate limit exceeded, please try again later."),
    500: ("InternalError", "An internal error has occured, please try again later or contact service support."),
}


def default_error(status: int) -> tuple[str, str]:
    """The ``(code, message)`` a fault of this HTTP status answers with when it names none."""
    if status in _DEFAULT_ERRORS:
        return _DEFAULT_ERRORS[status]
    if status >= 500:
        return _DEFAULT_ERRORS[500]
    return _DEFAULT_ERRORS[400]


class FaultPlan:
    """Thread-safe queue of armed faults (the emulator serves from a worker thread in tests)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault.model_copy())

    def take(self, target: str) -> Fault | None:
        """Consume one use of the first armed fault for ``target`` and return it (``None`` when none)."""
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.target == target:
                    if fault.times <= 1:
                        del self._faults[index]
                    else:
                        self._faults[index] = fault.model_copy(update={"times": fault.times - 1})
                    return fault
        return None

    def pending(self) -> list[Fault]:
        with self._lock:
            return [f.model_copy() for f in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
