"""Retries for synthesis: a failure before any audio was handed to the caller is retried with the client's
:class:`~cosyclone.client._retry.RetryPolicy` (the one voice operations use: 429/5xx/connection failures,
``Retry-After`` honoured); after audio has started the error surfaces, carrying ``delivered_bytes`` (the audio
already handed over) — nothing is said twice.

Sentence events that come before a task's first audio are held back until that audio, so a retried attempt
never repeats an event the caller has seen. :class:`Delivery` decides (sans I/O); :func:`retrying` and
:func:`retrying_async` drive attempts with ``time.sleep`` / ``asyncio.sleep``. Imported by client/speech.py only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Callable, Generator

from cosyclone.client._retry import RetryPolicy
from cosyclone.client._tts_protocol import SpeechChunk

log = logging.getLogger("cosyclone.speech")


class Delivery:
    """What one attempt has handed to the caller so far, and which chunks may be handed over now."""

    def __init__(self) -> None:
        self.started = False
        self.bytes = 0
        self._held: list[SpeechChunk] = []

    def accept(self, chunk: SpeechChunk) -> list[SpeechChunk]:
        """The chunks to hand over now that ``chunk`` has arrived (events wait for the first audio)."""
        if chunk.kind == "audio":
            self.started = True
            self.bytes += len(chunk.audio)
            held, self._held = self._held, []
            return [*held, chunk]
        if self.started:
            return [chunk]
        self._held.append(chunk)
        return []

    def rest(self) -> list[SpeechChunk]:
        """Chunks still held when the attempt ended well (a task that produced no audio)."""
        held, self._held = self._held, []
        return held

    def retry_delay(self, error: Exception, policy: RetryPolicy, attempt: int) -> float | None:
        """Seconds to wait before another attempt, or None to raise ``error`` (marked with what was delivered)."""
        if self.started:
            error.delivered_bytes = self.bytes  # type: ignore[attr-defined]
            return None
        delay = policy.delay(error, attempt)
        if delay is not None:
            log.info("synthesis failed before any audio (%s); retry %d in %.2f s", error, attempt + 1, delay)
        return delay


def retrying(
    policy: RetryPolicy,
    attempt: Callable[[], Generator[SpeechChunk, None, None]],
    on_retry: Callable[[], None] = lambda: None,
) -> Generator[SpeechChunk, None, None]:
    """Yield the chunks of ``attempt()``, starting it again after a retryable failure that came before audio."""
    count = 0
    while True:
        delivery = Delivery()
        try:
            with contextlib.closing(attempt()) as chunks:  # closed at once if the caller stops early
                for chunk in chunks:
                    yield from delivery.accept(chunk)
            yield from delivery.rest()
            return
        except Exception as error:
            delay = delivery.retry_delay(error, policy, count)
            if delay is None:
                raise
        time.sleep(delay)
        count += 1
        on_retry()


async def retrying_async(
    policy: RetryPolicy,
    attempt: Callable[[], AsyncGenerator[SpeechChunk, None]],
    on_retry: Callable[[], None] = lambda: None,
) -> AsyncGenerator[SpeechChunk, None]:
    """Async twin of :func:`retrying`."""
    count = 0
    while True:
        delivery = Delivery()
        try:
            async with contextlib.aclosing(attempt()) as chunks:  # closed at once if the caller stops early
                async for chunk in chunks:
                    for ready in delivery.accept(chunk):
                        yield ready
            for ready in delivery.rest():
                yield ready
            return
        except Exception as error:
            delay = delivery.retry_delay(error, policy, count)
            if delay is None:
                raise
        await asyncio.sleep(delay)
        count += 1
        on_retry()
