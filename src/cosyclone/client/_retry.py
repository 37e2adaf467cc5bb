"""The retry policy of the client, sans I/O: which failures may succeed if repeated, and how long to wait first.

Every retrying caller asks this module and nothing else decides: the transports (voice operations and uploads,
through :func:`cosyclone.client._steps.attempts`), synthesis over the WebSocket and HTTP before any audio was
handed over (:mod:`cosyclone.client._speech_retry`), ``create_voice`` (only when the service certainly did not
act: :func:`not_acted`) and ``batch`` (through ``Client.retry_policy``).

**What is retried** — only what may succeed on another try:

- an HTTP 408, 429 or 5xx answer (:data:`RETRYABLE_STATUSES`);
- a connection that failed, was cut or timed out (``APIConnectionError``);
- a WebSocket ``task-failed`` (no HTTP status) whose code the service documents as transient: ``Throttling``,
  ``Throttling.RateQuota`` and ``InternalError`` ("please try again later", contract §3.8), or
  ``ServiceUnavailable`` (:data:`TRANSIENT_CODES`).

Never: a 400 (``InvalidParameter``, ``Throttling.AllocationQuota``, a rejected sample …), 401/403, 404, or a
``task-failed`` with ``InvalidParameter`` or any code not listed — the same request would be refused again.

**How long**: the service's ``Retry-After`` (up to :data:`MAX_RETRY_AFTER_S`), else exponential back-off with
jitter (:func:`retry_delay`). Imports no driver (no httpx, no websockets) and nothing of ``client/``. Who may
import it: ``client/`` modules; others use ``Client.retry_policy``.
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass

from cosyclone._exceptions import APIConnectionError, APIStatusError
from cosyclone.schema import error_codes as codes

DEFAULT_MAX_RETRIES = 2
INITIAL_RETRY_DELAY_S = 0.5
MAX_RETRY_DELAY_S = 8.0
#: A Retry-After beyond this is not waited for: the error is raised instead.
MAX_RETRY_AFTER_S = 60.0
#: HTTP statuses worth repeating an idempotent call after (request timeout, rate limit, server faults).
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: Statuses after which the service certainly did not act, so even a non-idempotent call may be repeated.
NOT_ACTED_STATUSES = frozenset({429, 503})
#: ``task-failed`` codes (no HTTP status) the service documents as transient (contract §3.8).
TRANSIENT_CODES = frozenset({codes.THROTTLING, codes.THROTTLING_RATE, codes.INTERNAL_ERROR, "ServiceUnavailable"})


def should_retry(status_code: int) -> bool:
    """Whether an idempotent call that got HTTP ``status_code`` is worth repeating."""
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
    backoff with jitter between half and the whole step."""
    if retry_after_s is not None and retry_after_s <= MAX_RETRY_AFTER_S:
        return retry_after_s
    step = min(INITIAL_RETRY_DELAY_S * float(2**attempt), MAX_RETRY_DELAY_S)
    jitter: float = random.random()
    return step * (0.5 + jitter / 2)


def is_retryable(error: BaseException) -> bool:
    """Whether a failed call may succeed if repeated (see the module docstring)."""
    if isinstance(error, APIStatusError):
        if error.status_code is not None:
            return should_retry(error.status_code)
        return error.code in TRANSIENT_CODES
    return isinstance(error, APIConnectionError)


def not_acted(error: BaseException) -> bool:
    """Whether the service certainly did not act on the request (a non-idempotent call may then be repeated):
    a 429 or 503, or a connection never made."""
    if isinstance(error, APIStatusError):
        return error.status_code in NOT_ACTED_STATUSES
    return isinstance(error, APIConnectionError) and not error.request_sent


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

    def delay_if_not_acted(self, error: BaseException, attempt: int) -> float | None:
        """:meth:`delay` for a call that must not run twice: only when the service certainly did not act."""
        return self.delay(error, attempt) if not_acted(error) else None
