"""The WebSocket duplex synthesis protocol at ``/api-ws/v1/inference`` (also with a trailing slash; contract §5),
one connection at a time.

Imported by :mod:`cosyclone.emulator.api.synthesis`, which mounts :func:`synthesis_websocket`.

- **Handshake**: ``Authorization: Bearer <key>`` must be accepted by the backend, else the handshake is refused
  with HTTP 401 and the ``InvalidApiKey`` envelope (a server without the ASGI denial-response extension gets a
  close before accept instead, which clients see as 403).
- **Tasks**: ``run-task`` → ``task-started``; ``continue-task`` appends text, and every *complete* sentence
  (:func:`cosyclone.schema.sentences.complete_sentences`) is synthesized at once; ``continue-task`` with
  ``input.flush: true`` (the SDK's ``streaming_flush``) synthesizes the unfinished rest too; ``finish-task``
  flushes the rest, then ``task-finished``. ``finish-task`` with ``input.directive: "cancel"`` drops the
  unsynthesized rest and finishes at once. Tasks run one after another on one connection.
- **Per sentence**: ``sentence-begin`` (``original_text``), ``sentence-synthesis`` followed by exactly one binary
  frame, ``sentence-end`` (``original_text``, cumulative billed ``usage.characters``). Word timestamps, when
  ``word_timestamp_enabled``, go on ``sentence-synthesis`` and ``sentence-end``, in ms from the task's first
  audio sample.
- **Audio framing**: one :class:`~cosyclone.emulator.api.stream_encoder.StreamEncoder` per task: the concatenation
  of a task's binary frames is always one playable file (WAV: header once, with streaming sizes; MP3: one
  continuous stream of bare frames; Opus: one logical Ogg stream). MP3 and Opus encoders hold a few ms back:
  that tail and the end of the stream go out as one more binary frame after the last ``sentence-end``, just
  before ``task-finished``.
- **Errors** end the task with ``task-failed`` (``header.error_code``/``error_message``, ``payload: {}``); the
  connection stays open for another task. Exactly one ``task-failed`` per task: messages for a task that ended,
  failed or was refused at ``run-task`` (sent before the client saw the answer) are ignored. What fails:
  ``continue-task`` or ``finish-task`` for an id that never ran (each such message is answered); a second
  ``continue-task`` with ``enable_ssml``; a ``run-task`` while a task runs (answered for the new id, the running
  task goes on); text over the limits; the idle timeout (``CLIENT_ERROR`` "request timeout after N seconds.",
  N being the backend's ``idle_timeout_s``, counted only while a task runs and the server waits for the client).
- **Faults** (``faults.arm("synthesis_ws")`` once per valid ``run-task``; :mod:`cosyclone.emulator.faults`
  says what strikes when and builds the reply): asked at ``run-task`` (before the request and before sentence
  0), before each sentence, and at ``finish-task`` (the text ran out, then "after the response", before
  ``task-finished``). A refusal is ``task-failed`` with its code and message (at ``run-task``: instead of
  ``task-started``); a drop cuts the connection (``drop_style``: ``close`` aborts TCP without a close frame,
  ``truncate`` closes with code 1011); the plan's per-sentence delay comes on top of ``sentence_latency_s``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any, NoReturn

from pydantic import ValidationError
from starlette.responses import JSONResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

from cosyclone.emulator.api.stream_encoder import StreamEncoder
from cosyclone.emulator.api.synthesis_rules import (
    SynthesisSettings,
    encoder_for,
    render,
    request_settings,
    spoken_text,
    text_is_null,
    words_of,
)
from cosyclone.emulator.errors import EmulatorApiError, invalid_api_key, invalid_parameter
from cosyclone.emulator.faults import ArmedFault, DropStyle, FaultAction, Refuse, after_delay
from cosyclone.emulator.ports import SynthesisBackend
from cosyclone.schema import errors as codes
from cosyclone.schema.errors import ErrorEnvelope
from cosyclone.schema.sentences import complete_sentences
from cosyclone.schema.synthesis import (
    ClientMessage,
    ContinuePayload,
    RunTaskPayload,
    Sentence,
    SentenceEventType,
    ServerEvent,
    ServerSynthesisParameters,
    Word,
    billed_characters,
    sentence_event,
    task_failed_event,
    task_finished_event,
    task_started_event,
)

logger = logging.getLogger("cosyclone.emulator.api.synthesis")

FAULT_TARGET = "synthesis_ws"
#: Close code of an emulated abrupt close: "internal error", what a crashing server sends.
FAULT_CLOSE_CODE = 1011


class _Closed(Exception):
    """The socket is gone (client left, or a fault closed it): stop serving this connection."""


@dataclass
class _Task:
    task_id: str
    settings: SynthesisSettings
    encoder: StreamEncoder
    fault: ArmedFault
    buffer: str = ""
    received: int = 0  # billed characters received, for the per-task limit
    billed: int = 0  # billed characters synthesized, for usage
    sentences: int = 0
    continues: int = 0
    audio_s: float = 0.0


async def synthesis_websocket(
    websocket: WebSocket, backend: SynthesisBackend, *, transport: asyncio.Transport | None = None
) -> None:
    """Serve one WebSocket connection: refuse a bad key at the handshake, else run tasks until it closes.

    ``transport`` (the server's, when known) lets a ``ws_close`` fault cut the TCP connection without a close
    frame; without it the fault closes with code 1011.
    """
    tenant = backend.authenticate(websocket.headers.get("authorization"))
    if tenant is None:
        await _deny(websocket, invalid_api_key())
        return
    await websocket.accept()
    await _Session(websocket, backend, tenant, transport).run()


async def _deny(websocket: WebSocket, error: EmulatorApiError) -> None:
    body = ErrorEnvelope(request_id=str(uuid.uuid4()), code=error.code, message=error.message).to_wire()
    try:
        await websocket.send_denial_response(JSONResponse(body, status_code=error.status))
    except RuntimeError:  # the server lacks the denial-response extension
        await websocket.close(code=1008)


class _Session:
    def __init__(
        self, websocket: WebSocket, backend: SynthesisBackend, tenant: str, transport: asyncio.Transport | None
    ) -> None:
        self.ws = websocket
        self.transport = transport
        self.backend = backend
        self.tenant = tenant
        self.task: _Task | None = None
        self.inbox: asyncio.Queue[str | bytes | None] = asyncio.Queue()
        #: Tasks that finished, failed or were refused at run-task: late messages for them (a continue-task or
        #: finish-task sent before the client saw the task-failed) are ignored, not answered with another
        #: task-failed: exactly one task-failed per task.
        self._ended: collections.deque[str] = collections.deque(maxlen=16)

    async def run(self) -> None:
        reader = asyncio.create_task(self._read())
        try:
            while True:
                timeout = self.backend.idle_timeout_s if self.task is not None else None
                try:
                    item = await asyncio.wait_for(self.inbox.get(), timeout)
                except asyncio.TimeoutError:
                    await self._fail(codes.CLIENT_ERROR, f"request timeout after {timeout:g} seconds.")
                    continue
                if item is None:
                    break
                await self._dispatch(item)
        except _Closed:
            pass
        finally:
            if self.task is not None:
                self.task.encoder.close()
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader

    async def _read(self) -> None:
        try:
            while True:
                message = await self.ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                text, data = message.get("text"), message.get("bytes")
                await self.inbox.put(text if text is not None else (data or b""))
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            await self.inbox.put(None)

    # ----- sending -------------------------------------------------------------------------------------------

    async def _send_event(self, event: ServerEvent) -> None:
        await self._send(json.dumps(event.to_wire(), ensure_ascii=False))

    async def _send(self, data: str | bytes) -> None:
        try:
            if isinstance(data, bytes):
                await self.ws.send_bytes(data)
            else:
                await self.ws.send_text(data)
        except Exception as exc:  # any failure to send means the peer is gone
            raise _Closed from exc

    async def _fail(self, code: str, message: str, *, task_id: str | None = None) -> None:
        """Send ``task-failed`` for ``task_id`` (default: the running task) and end the running task if it is it."""
        running = self.task.task_id if self.task is not None else ""
        target = running if task_id is None else task_id
        logger.info("task %s failed: %s %s", target, code, message)
        if self.task is not None and (task_id is None or task_id == running):
            self.task.encoder.close()
        if task_id is None or task_id == running:
            self.task = None
            self._ended.append(target)
        await self._send_event(task_failed_event(target, code, message))

    async def _fail_with(self, error: EmulatorApiError, *, task_id: str | None = None) -> None:
        if error.detail:
            logger.info("task refused: %s", error.detail)
        await self._fail(error.code, error.message, task_id=task_id)

    async def _carry_out(self, action: FaultAction | None) -> bool:
        """Do what a fault says; False when it ended the task (``task-failed``). A drop raises :class:`_Closed`."""
        action = await after_delay(action)
        if action is None:
            return True
        if isinstance(action, Refuse):
            await self._fail_with(action.error)
            return False
        await self._close_abruptly(action.style)

    async def _close_abruptly(self, style: DropStyle) -> NoReturn:
        if style == "close" and self.transport is not None:
            self.transport.abort()  # no close frame: the client sees an abnormal closure (1006)
        else:
            with contextlib.suppress(Exception):
                await self.ws.close(code=FAULT_CLOSE_CODE, reason="emulated fault")
        raise _Closed

    # ----- dispatch ------------------------------------------------------------------------------------------

    async def _dispatch(self, raw: str | bytes) -> None:
        if isinstance(raw, bytes):
            await self._fail_with(invalid_parameter("header", detail="binary frames are not accepted"))
            return
        try:
            message = ClientMessage.model_validate_json(raw)
        except ValidationError:
            await self._fail_with(invalid_parameter("header", detail="not a run/continue/finish-task message"))
            return
        action, task_id = message.header.action, message.header.task_id
        if action == "run-task":
            await self._run_task(task_id, message.payload)
            if self.task is None or self.task.task_id != task_id:
                # Refused (or ended at once): it had its one task-failed; what the client sent after run-task
                # without waiting for task-started is ignored, not answered with another.
                self._ended.append(task_id)
            return
        if task_id in self._ended and (self.task is None or self.task.task_id != task_id):
            logger.debug("ignoring %s for task %s, which already ended", action, task_id)
            return
        if self.task is None or self.task.task_id != task_id:
            detail = f"{action} for task {task_id!r}, which is not running; send run-task and wait for task-started"
            await self._fail_with(invalid_parameter("task_id", detail=detail), task_id=task_id)
            return
        if action == "continue-task":
            await self._continue_task(message.payload)
        else:
            await self._finish_task(message.payload)

    async def _run_task(self, task_id: str, payload: dict[str, Any]) -> None:
        if self.task is not None:
            detail = f"task {self.task.task_id!r} is still running on this connection"
            await self._fail_with(invalid_parameter("task_id", detail=detail), task_id=task_id)
            return
        try:
            run = RunTaskPayload.model_validate(payload)
        except ValidationError:
            await self._fail_with(invalid_parameter("model"), task_id=task_id)
            return
        try:
            _, settings = request_settings(
                self.backend, self.tenant, run.model, run.parameters, ServerSynthesisParameters, http=False
            )
        except EmulatorApiError as error:
            await self._fail_with(error, task_id=task_id)
            return
        fault = self.backend.faults.arm(FAULT_TARGET)
        self.task = _Task(task_id, settings, encoder_for(settings), fault)
        if not await self._carry_out(fault.before_request() or fault.before_sentence(0)):
            return
        await self._send_event(task_started_event(task_id))
        first_text = run.input.get("text")
        if isinstance(first_text, str) and first_text:
            await self._continue_task({"input": {"text": first_text}})

    async def _continue_task(self, payload: dict[str, Any]) -> None:
        task = self._running()
        task.continues += 1
        if task.settings.enable_ssml and task.continues > 1:
            detail = "with enable_ssml only one continue-task is allowed"
            await self._fail_with(invalid_parameter("enable_ssml", detail=detail))
            return
        try:
            data = ContinuePayload.model_validate(payload).input
        except ValidationError:
            await self._fail_with(text_is_null())
            return
        if data.text is None and not data.flush:
            await self._fail_with(text_is_null())
            return
        if data.text:
            try:
                text, billed = spoken_text(data.text, task.settings, used=task.received)
                task.received += billed
            except EmulatorApiError as error:
                await self._fail_with(error)
                return
            task.buffer += text
        sentences, task.buffer = complete_sentences(task.buffer)
        if data.flush and task.buffer.strip():
            sentences.append(task.buffer.strip())
            task.buffer = ""
        for sentence in sentences:
            if not await self._speak(sentence):
                return

    async def _finish_task(self, payload: dict[str, Any]) -> None:
        task = self._running()
        given = payload.get("input")
        directive = given.get("directive") if isinstance(given, dict) else None
        if directive != "cancel":
            rest, task.buffer = task.buffer.strip(), ""
            if rest and not await self._speak(rest):
                return
            if not await self._carry_out(task.fault.at_end(task.sentences) or task.fault.after_response()):
                return
        tail = await asyncio.to_thread(task.encoder.finish)
        if tail:
            await self._send(tail)
        self.task = None
        self._ended.append(task.task_id)
        await self._send_event(task_finished_event(task.task_id, str(uuid.uuid4()), task.billed))

    def _running(self) -> _Task:
        assert self.task is not None
        return self.task

    # ----- synthesis -----------------------------------------------------------------------------------------

    async def _speak(self, text: str) -> bool:
        """Synthesize one sentence and send its events and audio; False if the task ended (fault)."""
        task = self._running()
        if not await self._carry_out(task.fault.before_sentence(task.sentences)):
            return False
        index = task.sentences
        begin = sentence_event(task.task_id, "sentence-begin", Sentence(index=index), original_text=text)
        await self._send_event(begin)
        delay = self.backend.sentence_latency_s + task.fault.sentence_delay_s()
        if delay > 0:
            await asyncio.sleep(delay)
        rendered = await asyncio.to_thread(render, task.settings, text)
        chunk = await asyncio.to_thread(task.encoder.chunk, rendered.samples)
        words = words_of(rendered, task.settings, offset_s=task.audio_s)
        task.audio_s += rendered.duration_s
        task.billed += billed_characters(text)
        task.sentences += 1
        await self._sentence(task, "sentence-synthesis", index, words)
        await self._send(chunk)
        await self._sentence(task, "sentence-end", index, words, text=text, characters=task.billed)
        return True

    async def _sentence(
        self,
        task: _Task,
        kind: SentenceEventType,
        index: int,
        words: list[Word],
        *,
        text: str | None = None,
        characters: int | None = None,
    ) -> None:
        sentence = Sentence(index=index, words=words)
        await self._send_event(sentence_event(task.task_id, kind, sentence, original_text=text, characters=characters))
