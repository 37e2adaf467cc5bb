"""Sans-I/O steps: the operations of the client are written once, as generators, and driven twice.

A flow (e.g. "create a voice, and if the connection dropped after sending, reconcile") is a generator that
``yield``s :class:`Call` or :class:`Sleep` steps and receives each call's parsed JSON (or has the mapped
exception thrown into it). :func:`drive_sync` runs it with a blocking ``send`` (one HTTP exchange, no retry) and
``time.sleep``, :func:`drive_async` with an awaitable ``send`` and ``asyncio.sleep``, so ``Client`` and
``AsyncClient`` share every rule without a copy. Each ``idempotent`` call is repeated by :func:`attempts` as the
:class:`~cosyclone.client._retry.RetryPolicy` decides; a ``none`` call is sent once and its flow decides.

Imports no driver (httpx, websockets). Who may import it: ``client/`` modules.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar

from cosyclone.client._retry import RetryPolicy, is_retryable, retry_delay

T = TypeVar("T")

#: ``idempotent``: repeated after 408/429/5xx and connection errors (the policy decides). ``none``: sent once;
#: the flow decides (``create_voice``, which must not run twice).
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


def attempts(call: Call, policy: RetryPolicy) -> Flow[Any]:
    """Send ``call``; if it is idempotent, repeat it after retryable failures as ``policy`` decides."""
    attempt = 0
    while True:
        try:
            return (yield call)
        except Exception as error:
            delay = None if call.retry == "none" else policy.delay(error, attempt)
            if delay is None:
                raise
        yield Sleep(delay)
        attempt += 1


def repeat_flow(
    call: Call, *, max_retries: int, took_effect: Callable[[Exception], bool] = lambda _error: False
) -> Flow[Any]:
    """Send ``call`` (sent once by the driver) and repeat it after retryable failures.

    A repeat whose error ``took_effect`` accepts — the sign that an earlier attempt, whose reply was lost, did
    the work (a delete now finds nothing, an upload finds its object) — counts as success: returns None.
    """
    attempt = 0
    while True:
        try:
            return (yield call)
        except Exception as error:
            if attempt and took_effect(error):
                return None
            if attempt >= max_retries or not is_retryable(error):
                raise
            yield Sleep(retry_delay(attempt, retry_after_s=getattr(error, "retry_after_s", None)))
            attempt += 1


class _Run:
    """One flow in progress: hands out its next step given the last step's outcome (sans I/O). Each call the
    flow yields is run as :func:`attempts` of it, whose outcome (or final error) goes back to the flow."""

    def __init__(self, flow: Flow[Any], policy: RetryPolicy) -> None:
        self._flow = flow
        self._attempts: Flow[Any] | None = None
        self._policy = policy
        self.value: Any = None

    def next(self, outcome: Any = None, error: BaseException | None = None) -> Step | None:
        """The next step to perform, or None when the flow has ended (its result in :attr:`value`)."""
        while True:
            if self._attempts is not None:
                try:
                    return self._attempts.throw(error) if error is not None else self._attempts.send(outcome)
                except StopIteration as stop:
                    outcome, error = stop.value, None
                except Exception as raised:  # the attempts gave up: the flow may recover (reconcile) or re-raise
                    outcome, error = None, raised
                self._attempts = None
            try:
                step = self._flow.throw(error) if error is not None else self._flow.send(outcome)
            except StopIteration as stop:
                self.value = stop.value
                return None
            if isinstance(step, Sleep):
                return step
            self._attempts = attempts(step, self._policy)
            outcome, error = None, None


class SyncSender(Protocol):
    """What :func:`drive_sync` needs of a transport: one exchange per call, and the retry policy."""

    retry_policy: RetryPolicy

    def send_once(self, call: Call) -> Any: ...


class AsyncSender(Protocol):
    """What :func:`drive_async` needs of a transport."""

    retry_policy: RetryPolicy

    def send_once(self, call: Call) -> Awaitable[Any]: ...


def drive_sync(flow: Flow[T], transport: SyncSender) -> T:
    """Run a flow to completion: each call sent once by ``transport``, repeated as its policy says."""
    run, send = _Run(flow, transport.retry_policy), transport.send_once
    step = run.next()
    while step is not None:
        if isinstance(step, Sleep):
            time.sleep(step.seconds)
            step = run.next()
            continue
        try:
            outcome = send(step)
        except Exception as raised:  # handed to the flow, which may recover (reconcile) or re-raise
            step = run.next(error=raised)
        else:
            step = run.next(outcome)
    return run.value  # type: ignore[no-any-return]


async def drive_async(flow: Flow[T], transport: AsyncSender) -> T:
    """:func:`drive_sync` with an awaitable ``send_once`` and ``asyncio.sleep``."""
    run, send = _Run(flow, transport.retry_policy), transport.send_once
    step = run.next()
    while step is not None:
        if isinstance(step, Sleep):
            await asyncio.sleep(step.seconds)
            step = run.next()
            continue
        try:
            outcome = await send(step)
        except Exception as raised:
            step = run.next(error=raised)
        else:
            step = run.next(outcome)
    return run.value  # type: ignore[no-any-return]
