"""WebSocket synthesis driver: one connection reused for consecutive tasks, text fed as it arrives.

Text pieces come from any iterator (a whole text already cut into messages, or an LLM's output token by token).
Complete sentences are sent as soon as they form (the service only speaks complete sentences anyway); a task is
finished and a new one started when the per-task limit would be passed, or when the source has been quiet for
:data:`IDLE_FLUSH_S` — well before the service's 23 s idle limit would fail the task. Imported by client/ only.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from cosyclone._exceptions import APIConnectionError, APIStatusError, APITimeoutError, error_for
from cosyclone.client._tts_protocol import SpeechChunk, SynthesisTask
from cosyclone.schema.synthesis import (
    IDLE_TIMEOUT_S,
    MAX_CHARS_PER_MESSAGE,
    MAX_CHARS_PER_TASK,
    SynthesisParameters,
    billed_characters,
)
from cosyclone.text import chunk_text, complete_sentences, split_sentences

log = logging.getLogger("cosyclone.ws")
#: Finish the open task after this long without new text (the service fails a task idle for 23 s).
IDLE_FLUSH_S = IDLE_TIMEOUT_S - 8.0
#: How long the service may take to acknowledge run-task (the SDK waits 10 s).
START_TIMEOUT_S = 10.0
_POLL_S = 0.02
_END = object()


class _Feeder:
    """Pulls text from the caller's iterator in a thread, so a slow source never blocks reading audio."""

    def __init__(self, pieces: Iterator[str]) -> None:
        self._queue: queue.Queue[Any] = queue.Queue()
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
        items: list[Any] = []
        try:
            items.append(self._queue.get(timeout=timeout) if timeout != 0 else self._queue.get_nowait())
            while True:
                items.append(self._queue.get_nowait())
        except queue.Empty:
            pass
        texts: list[str] = []
        for item in items:
            if item is _END:
                return texts, True
            if isinstance(item, BaseException):
                raise item
            texts.append(str(item))
        return texts, False


def _pack(sentences: list[str]) -> list[str]:
    """Sentences grouped into messages within the per-message limit."""
    return chunk_text(" ".join(sentences), max_chars=MAX_CHARS_PER_MESSAGE) if sentences else []


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
            status = error.response.status_code
            body = error.response.body.decode("utf-8", "replace") if error.response.body else ""
            raise error_for(
                status_code=status,
                code="InvalidApiKey" if status in (401, 403) else "HandshakeRefused",
                message=body.strip() or f"the WebSocket handshake was refused with HTTP {status}",
            ) from None
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
        pieces: Iterator[str],
        *,
        model: str,
        parameters: SynthesisParameters,
        single_message: bool = False,
        on_task: Callable[[SynthesisTask], None] | None = None,
    ) -> Iterator[SpeechChunk]:
        """Synthesize the text ``pieces`` as they arrive; yields audio and sentence events in order."""
        with self._lock:
            try:
                yield from self._run(pieces, model, parameters, single_message, on_task)
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
        pieces: Iterator[str],
        model: str,
        parameters: SynthesisParameters,
        single_message: bool,
        on_task: Callable[[SynthesisTask], None] | None,
    ) -> Iterator[SpeechChunk]:
        feeder = _Feeder(pieces)
        buffer = ""
        task: SynthesisTask | None = None
        last_sent = time.monotonic()
        source_done = False
        while True:
            texts, source_done = feeder.take(_POLL_S if task is not None else None)
            buffer += "".join(texts)
            if single_message:
                ready, buffer = ([buffer] if source_done and buffer else []), ("" if source_done else buffer)
            elif source_done:
                ready, buffer = split_sentences(buffer), ""
            else:
                ready, buffer = complete_sentences(buffer)
            idle = time.monotonic() - last_sent > self.idle_flush_s
            if not single_message and not source_done and task is not None and buffer and idle:
                ready, buffer = [*ready, buffer], ""  # a long-quiet partial sentence: say it rather than time out
            for message in ready if single_message else _pack(ready):
                size = billed_characters(message)
                if task is not None and task.sent_characters + size > MAX_CHARS_PER_TASK:
                    yield from self._finish(task)
                    task = None
                if task is None:
                    task = self._start(model, parameters)
                    if on_task is not None:
                        on_task(task)
                assert self._ws is not None
                self._ws.send(task.continue_message(message))
                task.sent_characters += size
                last_sent = time.monotonic()
            if task is not None:
                yield from self._drain(task)
                if source_done or time.monotonic() - last_sent > self.idle_flush_s:
                    yield from self._finish(task)
                    task = None
            if source_done:
                return
