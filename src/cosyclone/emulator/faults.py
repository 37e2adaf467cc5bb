"""Faults the emulator can inject, steered by tests through the control plane or in-process.

A :class:`FaultPlan` is a queue of :class:`Fault` rules. Each API handler asks ``plan.take(target)`` once per
call; the first armed rule for that target is consumed (``times`` counts down) and returned. Targets are the
five enrollment actions, ``get_policy``, ``upload``, ``synthesis_ws`` and ``synthesis_http``.

Kinds:

- ``http_error``: answer ``status`` (429/500/503…) with the DashScope envelope; ``retry_after_s`` adds a
  ``Retry-After`` header. The server does not act.
- ``latency``: sleep ``delay_s`` before handling (then handle normally).
- ``drop_before``: close the connection without a complete reply; the server does not act.
- ``drop_after``: act (e.g. create the voice), then close the connection without a complete reply.
- ``ws_close``: (synthesis) close the WebSocket abruptly after ``after_sentences`` sentences.
- ``task_failed``: (synthesis) send ``task-failed`` with ``code``/``message`` after ``after_sentences``.
"""

from __future__ import annotations

import threading
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
FAULT_TARGETS: tuple[str, ...] = (
    "create_voice",
    "list_voice",
    "query_voice",
    "update_voice",
    "delete_voice",
    "get_policy",
    "upload",
    "synthesis_ws",
    "synthesis_http",
)


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
