"""WebSocket synthesis driver (blocking): one connection reused for consecutive tasks, text fed as it arrives.

Text pieces come from any iterator (a whole text, or an LLM's output token by token); what to send and when to
start and finish tasks is decided by :class:`cosyclone.client._tts_protocol.TextPlan`, shared with the async
driver. A source that is not a whole text is read by a feeder thread, so that a slow source never blocks
reading audio. Imported by client/ only.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Generator, Iterator
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from cosyclone._exceptions import APIConnectionError, APIStatusError, APITimeoutError
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
_POLL_S = 0.02
_END = object()

__all__ = ["IDLE_FLUSH_S", "TextFeed", "WebSocketSynthesizer"]


class TextFeed:
    """Pulls text from the caller's iterator in a thread, so a slow source never blocks reading audio.

    Every piece read is kept (text is small beside audio) so that a retried attempt can send the same text again:
    :meth:`restart` replays them before reading on.
    """

    def __init__(self, pieces: Iterator[str]) -> None:
        self._queue: queue.Queue[Any] = queue.Queue()
        self._read: list[str] = []
        self._replay: list[str] = []
        self._ended = False
        self._thread = threading.Thread(target=self._run, args=(pieces,), name="cosyclone-text-feeder", daemon=True)
        self._thread.start()

    def _run(self, pieces: Iterator[str]) -> None:
        try:
            for piece in pieces:
                self._queue.put(piece)
        except BaseException as error:  # delivered to the consumer, which re-raises it
            self._queue.put(error)
        self._queue.put(_END)

    def take(self, timeout: float | None) -> tuple[list[str], bool]:
        """Pieces available now (waiting up to ``timeout`` for the first), and whether the source ended."""
        texts, self._replay = self._replay, []
        if self._ended:
            return texts, True
        items: list[Any] = []
        try:
            wait = 0 if texts else timeout
            items.append(self._queue.get(timeout=wait) if wait != 0 else self._queue.get_nowait())
            while True:
                items.append(self._queue.get_nowait())
        except queue.Empty:
            pass
        for item in items:
            if item is _END:
                self._ended = True
                break
            if isinstance(item, BaseException):
                raise item
            self._read.append(str(item))
            texts.append(str(item))
        return texts, self._ended

    def restart(self) -> None:
        """Replay every piece read so far to the next attempt."""
        self._replay = list(self._read)


class _WholeText:
    """A source that is one text, known in full: no thread needed."""

    def __init__(self, text: str) -> None:
        self._text: str | None = text

    def take(self, timeout: float | None) -> tuple[list[str], bool]:
        text, self._text = self._text, None
        return ([text] if text else []), True


class WebSocketSynthesizer:
    """Runs synthesis tasks over one reusable WebSocket connection (not thread-safe: one stream at a time)."""

    def __init__(self, *, url: str, headers: dict[str, str], read_timeout_s: float, open_timeout_s: float = 10.0):
        #: Finish the open task after this long without new text (tests shorten it).
        self.idle_flush_s = IDLE_FLUSH_S
        self._url = url
        self._headers = headers
        self._read_timeout_s = read_timeout_s
        self._open_timeout_s = open_timeout_s
        self._ws: ClientConnection | None = None
        self._stack: contextlib.ExitStack | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        self._drop()

    def _connection(self) -> ClientConnection:
        if self._ws is not None:
            return self._ws
        stack = contextlib.ExitStack()
        try:
            self._ws = stack.enter_context(
                connect(
                    self._url,
                    additional_headers=self._headers,
                    open_timeout=self._open_timeout_s,
                    max_size=None,
                    compression=None,
                    user_agent_header=self._headers.get("User-Agent"),
                )
            )
        except InvalidStatus as error:
            response = error.response
            raise handshake_error(response.status_code, response.body, response.headers.get("Retry-After")) from None
        except (OSError, InvalidHandshake, TimeoutError) as error:
            raise APIConnectionError(f"could not open the WebSocket: {error}", request_sent=False) from None
        self._stack = stack
        return self._ws

    def _drop(self) -> None:
        stack, self._stack, self._ws = self._stack, None, None
        if stack is not None:
            stack.close()

    def _recv(self, task: SynthesisTask, timeout: float) -> SpeechChunk | None:
        assert self._ws is not None
        frame = self._ws.recv(timeout=timeout)
        return task.on_binary(frame) if isinstance(frame, bytes) else task.on_text(frame)

    def _start(self, model: str, parameters: SynthesisParameters) -> SynthesisTask:
        ws = self._connection()
        task = SynthesisTask(model=model, parameters=parameters)
        ws.send(task.run_message())
        log.debug("run-task %s model=%s voice=%s", task.task_id, model, parameters.voice)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not task.started:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise APITimeoutError("the service did not start the synthesis task within 10 s")
            self._recv(task, remaining)
        return task

    def _drain(self, task: SynthesisTask) -> Iterator[SpeechChunk]:
        while True:
            try:
                chunk = self._recv(task, 0)
            except TimeoutError:
                return
            if chunk is not None:
                yield chunk

    def _finish(self, task: SynthesisTask) -> Iterator[SpeechChunk]:
        assert self._ws is not None
        self._ws.send(task.finish_message())
        while not task.finished:
            try:
                chunk = self._recv(task, self._read_timeout_s)
            except TimeoutError:
                raise APITimeoutError(f"no audio from the service for {self._read_timeout_s:.0f} s") from None
            if chunk is not None:
                yield chunk
        log.debug("task-finished %s request_id=%s characters=%d", task.task_id, task.request_id, task.characters)

    def run(
        self,
        pieces: str | TextFeed,
        *,
        model: str,
        parameters: SynthesisParameters,
        single_message: bool = False,
        on_task: Callable[[SynthesisTask], None] | None = None,
    ) -> Generator[SpeechChunk, None, None]:
        """Synthesize ``pieces`` (a whole text, or text pieces as they arrive); yields audio and sentence events
        in order."""
        with self._lock:
            try:
                source = _WholeText(pieces) if isinstance(pieces, str) else pieces
                yield from self._run(source, model, parameters, single_message, on_task)
            except ConnectionClosed as error:
                self._drop()
                raise APIConnectionError(f"the WebSocket closed during synthesis ({error})") from None
            except (APIStatusError, APIConnectionError):
                self._drop()  # after task-failed the service expects the client to close
                raise
            except BaseException:
                self._drop()  # an abandoned task must not leak frames into the next one
                raise

    def _run(
        self,
        source: TextFeed | _WholeText,
        model: str,
        parameters: SynthesisParameters,
        single_message: bool,
        on_task: Callable[[SynthesisTask], None] | None,
    ) -> Iterator[SpeechChunk]:
        plan = TextPlan(now=time.monotonic(), single_message=single_message, idle_flush_s=self.idle_flush_s)
        task: SynthesisTask | None = None
        while True:
            texts, source_done = source.take(_POLL_S if task is not None else None)
            for action in plan.take(texts, source_done=source_done, now=time.monotonic()):
                if isinstance(action, Finish):
                    assert task is not None
                    yield from self._finish(task)
                    task = None
                elif isinstance(action, Send):
                    assert task is not None and self._ws is not None
                    self._ws.send(task.continue_message(action.message))
                else:
                    task = self._start(model, parameters)
                    if on_task is not None:
                        on_task(task)
            if task is not None:
                yield from self._drain(task)
                if plan.finish_due(time.monotonic()):
                    yield from self._finish(task)
                    task = None
            if plan.done:
                return
