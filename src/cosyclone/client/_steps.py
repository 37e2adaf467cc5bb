"""Sans-I/O steps: the operations of the client are written once, as generators, and driven twice.

A flow (e.g. "create a voice, and if the connection dropped after sending, reconcile") is a generator that
``yield``s :class:`Call` or :class:`Sleep` steps and receives each call's parsed JSON (or has the mapped
exception thrown into it). :func:`drive_sync` runs it over the sync transport, :func:`drive_async` over the
async one, so ``Client`` and ``AsyncClient`` share every rule without a copy. Imported by client/ only.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

if TYPE_CHECKING:
    from cosyclone.client._transport import AsyncTransport, SyncTransport

T = TypeVar("T")

#: ``idempotent``: the transport retries on 408/409/429/5xx and connection errors. ``none``: the transport never
#: retries; the flow decides (``create_voice``, which must not run twice).
RetryMode = Literal["idempotent", "none"]


@dataclass(frozen=True)
class Call:
    """One HTTP request. ``path`` is joined to the base URL unless ``absolute_url`` is given."""

    method: Literal["GET", "POST"]
    path: str = ""
    json: dict[str, Any] | None = None
    params: dict[str, str] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    data: dict[str, str] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    absolute_url: str | None = None
    authenticated: bool = True
    retry: RetryMode = "idempotent"
    expect_json: bool = True


@dataclass(frozen=True)
class Sleep:
    seconds: float


Step = Call | Sleep
Flow = Generator[Step, Any, T]


def drive_sync(flow: Flow[T], transport: SyncTransport) -> T:
    """Run a flow to completion over a synchronous transport."""
    to_send: Any = None
    error: BaseException | None = None
    while True:
        try:
            step = flow.throw(error) if error is not None else flow.send(to_send)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        to_send, error = None, None
        if isinstance(step, Sleep):
            time.sleep(step.seconds)
            continue
        try:
            to_send = transport.send(step)
        except Exception as raised:  # handed to the flow, which may recover (reconcile) or re-raise
            error = raised


async def drive_async(flow: Flow[T], transport: AsyncTransport) -> T:
    """Run a flow to completion over an asynchronous transport."""
    to_send: Any = None
    error: BaseException | None = None
    while True:
        try:
            step = flow.throw(error) if error is not None else flow.send(to_send)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        to_send, error = None, None
        if isinstance(step, Sleep):
            await asyncio.sleep(step.seconds)
            continue
        try:
            to_send = await transport.send(step)
        except Exception as raised:
            error = raised
