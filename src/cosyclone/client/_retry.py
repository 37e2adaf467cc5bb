"""Retry policy: constants plus one ``should_retry`` and one ``retry_delay`` (openai/anthropic SDK style)."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
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


def is_retryable(error: Exception) -> bool:
    """Whether a failed call may be repeated (for calls whose repetition is harmless or checked)."""
    from cosyclone._exceptions import APIConnectionError, APIStatusError

    if isinstance(error, APIStatusError):
        return error.status_code is not None and should_retry(error.status_code)
    return isinstance(error, APIConnectionError)


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
