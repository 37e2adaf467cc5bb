"""Faults the emulator can inject, in one place: the plan, when each fault strikes, and the reply it makes.

Tests arm :class:`Fault` rules through the control plane (``POST /_emulator/faults``) or in-process
(``backend.faults.add``). A :class:`FaultPlan` is a queue of them. A handler arms one call with
``plan.arm(target)`` (consuming one use of the first rule for that target, ``times`` counting down) and then asks
the returned :class:`ArmedFault` "what now?" at named points; the answer is ``None`` (go on) or a
:data:`FaultAction` the handler carries out the same way whatever fault made it:

- :class:`Delay` — sleep, then go on; :class:`Refuse` — answer this error instead (its status, code, message
  and ``Retry-After`` are built here); :class:`Drop` — cut the connection (``drop_style``).

Targets are the five enrollment actions, ``get_policy``, ``upload``, ``synthesis_ws`` and ``synthesis_http``.
The points, and which kinds strike at each:

- ``before_request()``: ``http_error`` → Refuse (nothing is done); ``drop_before`` → Drop (nothing is done);
  ``latency`` → Delay (except on ``synthesis_ws``, where it is per sentence).
- ``sentence_delay_s()``: ``latency`` on ``synthesis_ws``: extra seconds before each sentence's audio.
- ``before_sentence(n)`` (synthesis): ``task_failed`` → Refuse, ``ws_close`` → Drop, once ``after_sentences``
  sentences are out.
- ``at_end(n)`` (synthesis): the text ran out; a ``task_failed``/``ws_close`` that has not struck strikes now.
- ``after_response()``: ``drop_after`` → Drop: the server has acted (voice created, result stored), the client
  never hears it.
- ``on_create_input(input)`` (``create_voice``): ``refuse_audio`` → Refuse with 400 ``InvalidParameter`` when the
  sample comes as ``input.audio`` — a service that does not take the field (contract §10.2), as the client's
  fallback to the ``oss://`` upload must expect. A create with ``url`` consumes a use and passes.

Every fault strikes at most once per armed call. Where the handlers ask: HTTP enrollment handlers take the fault
first, before checking the API key (a gateway fails before auth), keyed by the body's ``input.action`` (a body
without a known action consumes none); an ``upload`` fault is armed after the form has been read, so a drop
never cuts the client off mid-request. Synthesis arms once per *valid* ``run-task`` or HTTP request.

How a drop looks (``drop_style``), measured with httpx and with the official SDK (requests):

- ``close`` (default): the TCP connection is closed before a single byte of the reply. httpx raises
  ``httpx.RemoteProtocolError`` ("Server disconnected without sending a response."); requests raises
  ``requests.ConnectionError`` (``RemoteDisconnected``), which the ``dashscope`` SDK **retries** (once in
  its HTTP layer, then up to 3 times with 2 s sleeps in ``VoiceEnrollmentService``) — so a ``drop_after``
  on ``create_voice`` with ``times=1`` makes the SDK create the voice twice, as the real service would.
  On a WebSocket: TCP aborted without a close frame (the client sees 1006).
- ``truncate``: status line and headers go out, promising a body that never comes (``Content-Length``
  larger than what is sent), then the connection closes. httpx raises ``httpx.RemoteProtocolError``
  ("peer closed connection without sending complete message body"); requests raises
  ``requests.exceptions.ChunkedEncodingError``, which the SDK does **not** retry (it reaches the caller).
  On a WebSocket: a close frame with code 1011.

  Without access to the socket (e.g. the app mounted on httpx's ``ASGITransport``), ``close`` falls back to
  ``truncate``.

Imported by the backend (which owns the plan), the control plane, the ports and every handler.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from cosyclone.emulator.errors import EmulatorApiError
from cosyclone.schema import errors as codes

DropStyle = Literal["close", "truncate"]
FaultKind = Literal["http_error", "latency", "drop_before", "drop_after", "ws_close", "task_failed", "refuse_audio"]
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
#: The target whose ``latency`` delays each sentence rather than the request.
_PER_SENTENCE_LATENCY = "synthesis_ws"


class Fault(BaseModel):
    """One fault rule (also the JSON body of ``POST /_emulator/faults``).

    Kinds: ``http_error`` (answer ``status`` with the DashScope envelope, ``code``/``message`` or the service's
    for that status, ``Retry-After: retry_after_s`` when set; the server does not act), ``latency`` (``delay_s``),
    ``drop_before`` / ``drop_after`` (cut the connection before / after the server acted), and for synthesis
    ``ws_close`` (cut) and ``task_failed`` (fail with ``code``/``message``, default ``InternalError``) once
    ``after_sentences`` sentences are out.
    """

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
        """``(code, message)`` of this fault's refusal: the given ones, else the service's for the kind/status."""
        if self.kind == "task_failed":
            default_code, default_message = codes.INTERNAL_ERROR, codes.INTERNAL_ERROR_MESSAGE
        else:
            default_code, default_message = default_error(self.status)
        return self.code or default_code, self.message or default_message

    def refusal(self) -> EmulatorApiError:
        """The error this fault answers with (``Retry-After`` included when ``retry_after_s`` is set)."""
        code, message = self.envelope()
        headers = {"Retry-After": f"{self.retry_after_s:g}"} if self.retry_after_s is not None else None
        return EmulatorApiError(self.status, code, message, detail="emulated fault", headers=headers)


#: The service's usual code and message per HTTP status, used when a fault gives none (contract §3.8).
_DEFAULT_ERRORS: dict[int, tuple[str, str]] = {
    400: ("InvalidParameter", "Required parameter missing or invalid, please check the request parameters."),
    401: ("InvalidApiKey", "Invalid API-key provided."),
    403: ("AccessDenied", "Access denied."),
    404: ("NotFound", "Not found."),
    429: ("Throttling.RateQuota", "Requests rate limit exceeded, please try again later."),
    500: ("InternalError", "An internal error has occured, please try again later or contact service support."),
}


#: How a service that predates ``input.audio`` answers it (it misses ``url``; contract §3.8's wording).
_AUDIO_REFUSED_MESSAGE = "Required parameter(url) missing or invalid, please check the request parameters."


def default_error(status: int) -> tuple[str, str]:
    """The ``(code, message)`` a fault of this HTTP status answers with when it names none."""
    if status in _DEFAULT_ERRORS:
        return _DEFAULT_ERRORS[status]
    if status >= 500:
        return _DEFAULT_ERRORS[500]
    return _DEFAULT_ERRORS[400]


# ----- what a handler is told to do -------------------------------------------------------------------------


@dataclass(frozen=True)
class Delay:
    """Sleep ``seconds``, then go on as if nothing happened."""

    seconds: float


@dataclass(frozen=True)
class Refuse:
    """Answer ``error`` instead: an HTTP envelope (with its headers), an SSE error event, or ``task-failed``."""

    error: EmulatorApiError


@dataclass(frozen=True)
class Drop:
    """Cut the connection without a complete reply, in ``style``."""

    style: DropStyle


FaultAction = Delay | Refuse | Drop


async def after_delay(action: FaultAction | None) -> Refuse | Drop | None:
    """A fault's action as every handler starts it: a delay is slept here and the handler goes on (None); a
    refusal or a drop is returned for the handler to carry out in its own protocol."""
    if isinstance(action, Delay):
        await asyncio.sleep(action.seconds)
        return None
    return action


class ArmedFault:
    """One call's share of the plan: what to do at each named point (see the module docstring).

    A call without a fault gets an ``ArmedFault(None)``, which always answers ``None``.
    """

    def __init__(self, fault: Fault | None) -> None:
        self.fault = fault
        self._struck = False

    def _strike(self, action: FaultAction) -> FaultAction:
        self._struck = True
        return action

    def before_request(self) -> FaultAction | None:
        """Before the request is handled."""
        fault = self.fault
        if fault is None or self._struck:
            return None
        if fault.kind == "http_error":
            return self._strike(Refuse(fault.refusal()))
        if fault.kind == "drop_before":
            return self._strike(Drop(fault.drop_style))
        if fault.kind == "latency" and fault.target != _PER_SENTENCE_LATENCY:
            return self._strike(Delay(fault.delay_s))
        return None

    def sentence_delay_s(self) -> float:
        """Extra seconds before each sentence's audio (``latency`` on ``synthesis_ws``)."""
        fault = self.fault
        if fault is not None and fault.kind == "latency" and fault.target == _PER_SENTENCE_LATENCY:
            return fault.delay_s
        return 0.0

    def before_sentence(self, sentences_done: int) -> FaultAction | None:
        """Before the next sentence, ``sentences_done`` being out."""
        fault = self.fault
        if fault is None or sentences_done < fault.after_sentences:
            return None
        return self._mid_stream()

    def at_end(self, sentences_done: int) -> FaultAction | None:
        """The text ran out after ``sentences_done`` sentences: a mid-stream fault that has not struck does now."""
        return self._mid_stream()

    def on_create_input(self, given: object) -> FaultAction | None:
        """A ``create_voice`` body's ``input``, before it is checked: ``refuse_audio`` refuses ``audio``."""
        fault = self.fault
        if fault is None or self._struck or fault.kind != "refuse_audio":
            return None
        if not isinstance(given, dict) or "audio" not in given:
            return None
        code, message = fault.code or codes.INVALID_PARAMETER, fault.message or _AUDIO_REFUSED_MESSAGE
        return self._strike(Refuse(EmulatorApiError(400, code, message, detail="emulated fault: refuse_audio")))

    def after_response(self) -> FaultAction | None:
        """The server has acted (and stored what it made); the reply is about to go out."""
        fault = self.fault
        if fault is None or self._struck or fault.kind != "drop_after":
            return None
        return self._strike(Drop(fault.drop_style))

    def _mid_stream(self) -> FaultAction | None:
        fault = self.fault
        if fault is None or self._struck:
            return None
        if fault.kind == "task_failed":
            return self._strike(Refuse(fault.refusal()))
        if fault.kind == "ws_close":
            return self._strike(Drop(fault.drop_style))
        return None


class FaultPlan:
    """Thread-safe queue of armed faults (the emulator serves from a worker thread in tests)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault.model_copy())

    def arm(self, target: str | None) -> ArmedFault:
        """Consume one use of the first fault for ``target`` (``None``: no target, no fault) for one call."""
        return ArmedFault(self.take(target) if target is not None else None)

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
