"""Retry policy: constants plus one ``is_retryable`` and one ``retry_delay`` (openai/anthropic SDK style), and
the :class:`RetryPolicy` object every retrying caller uses — the transport (voice operations), synthesis (before
any audio was handed over) and ``batch`` (through ``client.retry_policy``). Imported by client/ only; others use
``Client.retry_policy``.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cosyclone.client._steps import Call, Flow, Sleep

DEFAULT_MAX_RETRIES = 2
INITIAL_RETRY_DELAY_S = 0.5
MAX_RETRY_DELAY_S = 8.0
#: A Retry-After beyond this is not waited for: the error is raised instead.
MAX_RETRY_AFTER_S = 60.0
RETRYABLE_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
#: Statuses after which the service certainly did not act, so even a non-idempotent call may be repeated.
NOT_ACTED_STATUSES = frozenset({429, 503})


def should_retry(status_code: int) -> bool:
    """Whether an idempotent call that got ``status_code`` is worth repeating."""
    return status_code in RETRYABLE_STATUSES


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date); None when absent or odd."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, parsed.timestamp() - time.time())


def retry_delay(attempt: int, *, retry_after_s: float | None = None) -> float:
    """How long to wait before retry number ``attempt`` (0-based): Retry-After if given, else exponential
    backoff with full jitter between half and the whole step."""
    if retry_after_s is not None and retry_after_s <= MAX_RETRY_AFTER_S:
        return retry_after_s
    step = min(INITIAL_RETRY_DELAY_S * float(2**attempt), MAX_RETRY_DELAY_S)
    jitter: float = random.random()
    return step * (0.5 + jitter / 2)


def is_retryable(error: BaseException) -> bool:
    """Whether a failed call may be repeated (for calls whose repetition is harmless or checked).

    An answer with an HTTP status is judged by its status (408/409/429/5xx). A WebSocket ``task-failed`` has no
    status: it is judged by its meaning — throttled, a server fault, or a task failure not otherwise explained.
    A connection that failed or timed out is always worth another try.
    """
    from cosyclone._exceptions import (
        APIConnectionError,
        APIStatusError,
        InternalServerError,
        RateLimitError,
        SynthesisFailedError,
    )

    if isinstance(error, APIStatusError):
        if error.status_code is not None:
            return should_retry(error.status_code)
        return isinstance(error, (RateLimitError, InternalServerError, SynthesisFailedError))
    return isinstance(error, APIConnectionError)


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before repeating a failed call: ``max_retries`` repeats after a retryable
    error (:func:`is_retryable`), each after the service's ``Retry-After`` (up to :data:`MAX_RETRY_AFTER_S`) or
    an exponential back-off with jitter (:func:`retry_delay`)."""

    max_retries: int = DEFAULT_MAX_RETRIES

    def should_retry(self, error: BaseException) -> bool:
        """Whether ``error`` is worth another attempt at all (whatever the count)."""
        return is_retryable(error)

    def delay(self, error: BaseException, attempt: int) -> float | None:
        """Seconds to wait before retry number ``attempt`` (0-based) after ``error``, or None to give up."""
        if attempt >= self.max_retries or not is_retryable(error):
            return None
        return retry_delay(attempt, retry_after_s=getattr(error, "retry_after_s", None))


def repeat_flow(
    call: Call, *, max_retries: int, took_effect: Callable[[Exception], bool] = lambda _error: False
) -> Flow[Any]:
    """Send ``call`` (the transport must not retry it: ``retry="none"``) and repeat it after retryable failures.

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
