"""WebSocket synthesis driver for asyncio (the ``websockets`` asyncio client): no worker thread.

**Connections.** A synthesis task owns its connection while it runs: the service runs one task at a time per
connection and its binary audio frames carry no task id, so tasks cannot share a connection at once. The client
keeps one pool (:class:`ConnectionPool`): a finished task gives its connection back and the next task — from any
asyncio task — reuses it, so a client that speaks one utterance after another holds one connection; concurrent
streams each take one, up to ``max_streams`` (the documented cap, ``AsyncClient(max_speech_streams=…)``); a
stream beyond the cap waits for a free connection.

**Text in, audio out.** What to send and when to start and finish tasks is decided by
:class:`cosyclone.client._tts_protocol.TextPlan`, shared with the blocking driver. While a task is open the
driver waits for whichever comes first — a frame from the service or the next piece of text from the caller's
async iterator — so a slow source never delays audio, and audio is yielded as it arrives.

**Cancellation.** If the consuming task is cancelled (or the stream is closed) mid-task, the pending reads are
cancelled and awaited, and the connection is closed (a half-finished task must not leak frames into the next
one): no socket and no asyncio task is left behind. Imported by client/ only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import time
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, Literal

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.protocol import State
from websockets.typing import Data

from cosyclone._exceptions import APIConnectionError, APITimeoutError
from cosyclone.client._stale_loop import discard_stale
from cosyclone.client._tts_protocol import (
    IDLE_FLUSH_S,
    START_TIMEOUT_S,
    Finish,
    Send,
    SpeechChunk,
    SynthesisTask,
    TextPlan,
    handshake_error,
)
from cosyclone.schema.synthesis import SynthesisParameters

log = logging.getLogger("cosyclone.ws")
#: Default cap on concurrent synthesis streams (connections) per AsyncClient.
DEFAULT_MAX_STREAMS = 16
#: How long closing a connection may wait for the service's close frame.
CLOSE_TIMEOUT_S = 2.0
_END = object()
#: The variables that make websockets use a proxy.
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


async def _within(awaitable: Any, seconds: float) -> Any:
    """``await awaitable`` for at most ``seconds`` (TimeoutError after)."""
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(max(seconds, 0.0)):
            return await awaitable
    return await asyncio.wait_for(awaitable, max(seconds, 0.0))  # pragma: no cover - Python 3.10


async def _cancel(future: asyncio.Future[Any] | None) -> None:
    """Cancel a pending read and wait until it has really ended (no task left behind)."""
    if future is None:
        return
    if not future.done():
        future.cancel()
    with contextlib.suppress(BaseException):
        await future


class ConnectionPool:
    """Open WebSocket connections to the synthesis endpoint, reused across tasks, at most ``max_streams`` in use."""

    def __init__(self, *, url: str, headers: dict[str, str], open_timeout_s: float, max_streams: int) -> None:
        if max_streams < 1:
            raise ValueError("max_streams must be at least 1")
        # websockets looks for a proxy in the environment on every connect (~2 ms of CPU reading os.environ):
        # decide once, when the client is made.
        self._proxy: Literal[True] | None = True if any(os.environ.get(v) for v in PROXY_VARIABLES) else None
        self.max_streams = max_streams
        self._url = url
        self._headers = headers
        self._open_timeout_s = open_timeout_s
        self._idle: list[ClientConnection] = []
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    async def acquire(self) -> ClientConnection:
        """A connection for one task: an idle open one, else a new one (waits while ``max_streams`` are busy)."""
        loop = asyncio.get_running_loop()
        if self._slots is None or loop is not self._loop:
            # A new event loop (e.g. a second asyncio.run): connections of the old one cannot be used here.
            for stale in self._idle:
                discard_stale(stale.transport)
            self._idle, self._loop = [], loop
            self._slots = asyncio.Semaphore(self.max_streams)
        await self._slots.acquire()
        try:
            while self._idle:
                ws = self._idle.pop()
                if ws.state is State.OPEN:
                    return ws
                await ws.close()
            return await self._connect()
        except BaseException:
            self._slots.release()
            raise

    async def release(self, ws: ClientConnection, *, reusable: bool) -> None:
        """Give ``ws`` back after a task: kept for the next task if ``reusable``, else closed."""
        try:
            if reusable and not self._closed and ws.state is State.OPEN:
                self._idle.append(ws)
            else:
                await ws.close()
        finally:
            if self._slots is not None:
                self._slots.release()

    async def aclose(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for ws in idle:
            if self._loop is asyncio.get_running_loop():
                await ws.close()
            else:
                discard_stale(ws.transport)

    async def _connect(self) -> ClientConnection:
        try:
            return await connect(
                self._url,
                additional_headers=self._headers,
                open_timeout=self._open_timeout_s,
                close_timeout=CLOSE_TIMEOUT_S,
                max_size=None,
                compression=None,
                user_agent_header=self._headers.get("User-Agent"),
                proxy=self._proxy,
            )
        except InvalidStatus as error:
            response = error.response
            raise handshake_error(response.status_code, response.body, response.headers.get("Retry-After")) from None
        except (OSError, InvalidHandshake, TimeoutError) as error:
            raise APIConnectionError(f"could not open the WebSocket: {error}", request_sent=False) from None


class AsyncTextSource:
    """The caller's async iterator of text, read one piece ahead while audio is awaited.

    Every piece read is kept (text is small beside audio) so that a retried attempt can send the same text again:
    :meth:`restart` replays them before reading on. :meth:`aclose` cancels a pending read.
    """

    def __init__(self, pieces: AsyncIterator[str]) -> None:
        self._pieces = pieces
        self._pending: asyncio.Future[object] | None = None
        self._read: list[str] = []
        self._replay: list[str] = []
        self.ended = False

    async def _next(self) -> object:
        try:
            return await self._pieces.__anext__()
        except StopAsyncIteration:
            return _END

    def waiter(self) -> asyncio.Future[object]:
        """The pending read of the next piece (started if none is)."""
        if self._pending is None:
            self._pending = asyncio.ensure_future(self._next())
        return self._pending

    def collect(self) -> tuple[list[str], bool]:
        """Text available now without waiting, and whether the source has ended."""
        texts, self._replay = self._replay, []
        pending = self._pending
        if pending is not None and pending.done():
            self._pending = None
            item = pending.result()  # the caller's own error, if its iterator raised
            if item is _END:
                self.ended = True
            else:
                self._read.append(str(item))
                texts.append(str(item))
        return texts, self.ended

    def restart(self) -> None:
        """Replay every piece read so far to the next attempt."""
        self._replay = list(self._read)

    async def aclose(self) -> None:
        pending, self._pending = self._pending, None
        await _cancel(pending)


class _Frames:
    """Reads frames from one connection, keeping at most one read pending across waits."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.pending: asyncio.Future[Data] | None = None

    def waiter(self) -> asyncio.Future[Data]:
        if self.pending is None:
            self.pending = asyncio.ensure_future(self.ws.recv())
        return self.pending

    def take(self) -> Data | None:
        """The frame of a completed read, if any."""
        pending = self.pending
        if pending is None or not pending.done():
            return None
        self.pending = None
        return pending.result()

    async def next(self, timeout_s: float) -> Data:
        """The next frame within ``timeout_s`` (TimeoutError after)."""
        if self.pending is None:
            frame: Data = await _within(self.ws.recv(), timeout_s)
            return frame
        done, _ = await asyncio.wait({self.pending}, timeout=max(timeout_s, 0.0))
        if not done:
            raise TimeoutError
        taken = self.take()
        assert taken is not None
        return taken

    async def aclose(self) -> None:
        pending, self.pending = self.pending, None
        await _cancel(pending)


class AsyncWebSocketSynthesizer:
    """Runs synthesis tasks over pooled WebSocket connections, safe to use from many asyncio tasks at once."""

    def __init__(
        self,
        *,
        url: str,
        headers: dict[str, str],
        read_timeout_s: float,
        open_timeout_s: float = 10.0,
        max_streams: int = DEFAULT_MAX_STREAMS,
    ) -> None:
        #: Finish the open task after this long without new text (tests shorten it).
        self.idle_flush_s = IDLE_FLUSH_S
        self.pool = ConnectionPool(url=url, headers=headers, open_timeout_s=open_timeout_s, max_streams=max_streams)
        self._read_timeout_s = read_timeout_s

    async def aclose(self) -> None:
        await self.pool.aclose()

    async def run(
        self,
        pieces: str | AsyncTextSource,
        *,
        model: str,
        parameters: SynthesisParameters,
        single_message: bool = False,
    ) -> AsyncGenerator[SpeechChunk, None]:
        """Synthesize ``pieces`` (a whole text, or text as it arrives); yields audio and sentence events in order."""
        ws = await self.pool.acquire()
        frames = _Frames(ws)
        reusable = False
        try:
            plan = TextPlan(now=time.monotonic(), single_message=single_message, idle_flush_s=self.idle_flush_s)
            async for chunk in self._run(frames, pieces, plan, model, parameters):
                yield chunk
            reusable = frames.pending is None
        except ConnectionClosed as error:
            raise APIConnectionError(f"the WebSocket closed during synthesis ({error})") from None
        finally:
            await frames.aclose()
            await self.pool.release(ws, reusable=reusable)

    async def _run(
        self,
        frames: _Frames,
        pieces: str | AsyncTextSource,
        plan: TextPlan,
        model: str,
        parameters: SynthesisParameters,
    ) -> AsyncGenerator[SpeechChunk, None]:
        source = pieces if isinstance(pieces, AsyncTextSource) else None
        texts, source_done = ([pieces], True) if isinstance(pieces, str) else ([], False)
        task: SynthesisTask | None = None
        while True:
            if source is not None:
                texts, source_done = source.collect()
            for action in plan.take(texts, source_done=source_done, now=time.monotonic()):
                if isinstance(action, Finish):
                    assert task is not None
                    async for chunk in self._finish(frames, task):
                        yield chunk
                    task = None
                elif isinstance(action, Send):
                    assert task is not None
                    await frames.ws.send(task.continue_message(action.message))
                else:
                    task = await self._start(frames, model, parameters)
            texts = []
            if task is not None and plan.finish_due(time.monotonic()):
                async for chunk in self._finish(frames, task):
                    yield chunk
                task = None
            if plan.done:
                return
            assert source is not None  # a whole text is done by now
            if task is None:
                await asyncio.wait({source.waiter()})
                continue
            arrived = await self._frame_or_text(frames, source, task, plan)
            if arrived is not None:
                yield arrived

    async def _frame_or_text(
        self, frames: _Frames, source: AsyncTextSource, task: SynthesisTask, plan: TextPlan
    ) -> SpeechChunk | None:
        """Wait for a frame or a piece of text (or the quiet deadline); the chunk a frame makes, if any."""
        waiters: set[asyncio.Future[Any]] = {frames.waiter(), source.waiter()}
        await asyncio.wait(
            waiters,
            timeout=max(plan.quiet_deadline() - time.monotonic(), 0.0) + 0.001,
            return_when=asyncio.FIRST_COMPLETED,
        )
        frame = frames.take()
        if frame is None:
            return None
        return task.on_binary(frame) if isinstance(frame, bytes) else task.on_text(frame)

    async def _start(self, frames: _Frames, model: str, parameters: SynthesisParameters) -> SynthesisTask:
        task = SynthesisTask(model=model, parameters=parameters)
        await frames.ws.send(task.run_message())
        log.debug("run-task %s model=%s voice=%s", task.task_id, model, parameters.voice)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not task.started:
            try:
                frame = await frames.next(deadline - time.monotonic())
            except TimeoutError:
                raise APITimeoutError("the service did not start the synthesis task within 10 s") from None
            task.on_binary(frame) if isinstance(frame, bytes) else task.on_text(frame)
        return task

    async def _finish(self, frames: _Frames, task: SynthesisTask) -> AsyncGenerator[SpeechChunk, None]:
        await frames.ws.send(task.finish_message())
        while not task.finished:
            try:
                frame = await frames.next(self._read_timeout_s)
            except TimeoutError:
                raise APITimeoutError(f"no audio from the service for {self._read_timeout_s:.0f} s") from None
            chunk = task.on_binary(frame) if isinstance(frame, bytes) else task.on_text(frame)
            if chunk is not None:
                yield chunk
        log.debug("task-finished %s request_id=%s characters=%d", task.task_id, task.request_id, task.characters)
