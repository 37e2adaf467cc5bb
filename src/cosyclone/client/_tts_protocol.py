"""The synthesis protocols as state machines (sans I/O), shared by the sync and the async drivers.

- :class:`SynthesisTask`: the messages a WebSocket task sends, and what each server frame means.
- :class:`TextPlan`: from text as it arrives (a whole text, or an LLM's tokens), which messages to send, and
  when to start and finish tasks (per-task limit, a quiet source).
- :class:`SseParser` and :func:`http_body`: the HTTP/SSE synthesis request and its event stream.

Drivers (``_tts_ws``, ``_tts_ws_async``, ``_tts_http``) move bytes; this module decides. Imported by client/ only.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from pydantic import ValidationError

from cosyclone._exceptions import APIConnectionError, APIStatusError, error_for
from cosyclone.client._retry import parse_retry_after
from cosyclone.schema.sentences import chunk_text, complete_sentences, split_sentences
from cosyclone.schema.synthesis import (
    IDLE_TIMEOUT_S,
    MAX_CHARS_PER_MESSAGE,
    MAX_CHARS_PER_TASK,
    HttpSynthesisInput,
    HttpSynthesisRequest,
    HttpSynthesisResponse,
    ServerEvent,
    SynthesisParameters,
    Word,
    billed_characters,
    continue_task_message,
    finish_task_message,
    run_task_message,
)

#: Finish the open task after this long without new text (the service fails a task idle for 23 s).
IDLE_FLUSH_S = IDLE_TIMEOUT_S - 8.0
#: How long the service may take to acknowledge run-task (the SDK waits 10 s).
START_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class SentenceInfo:
    index: int
    text: str
    words: list[Word] = field(default_factory=list)


@dataclass(frozen=True)
class SpeechChunk:
    """One thing that arrived: audio bytes (``kind == "audio"``) or a sentence event."""

    kind: str  # "audio" | "sentence-begin" | "sentence-end" | "task-finished"
    audio: bytes = b""
    sentence: SentenceInfo | None = None
    characters: int = 0
    request_id: str = ""


def handshake_error(status: int, body: bytes | bytearray | None, retry_after: str | None) -> APIStatusError:
    """The error for a WebSocket handshake refused with HTTP ``status`` (a 429 keeps its ``Retry-After``)."""
    text = body.decode("utf-8", "replace").strip() if body else ""
    return error_for(
        status_code=status,
        code="InvalidApiKey" if status in (401, 403) else "HandshakeRefused",
        message=text or f"the WebSocket handshake was refused with HTTP {status}",
        retry_after_s=parse_retry_after(retry_after),
    )


class SynthesisTask:
    """One run-task … task-finished exchange."""

    def __init__(self, *, model: str, parameters: SynthesisParameters) -> None:
        self.task_id = uuid.uuid4().hex
        self.model = model
        self.parameters = parameters
        self.started = False
        self.finished = False
        self.characters = 0
        self.request_id = ""
        self.sent_characters = 0
        self._texts: dict[int, str] = {}

    def run_message(self) -> str:
        return json.dumps(run_task_message(self.task_id, self.model, self.parameters), ensure_ascii=False)

    def continue_message(self, text: str) -> str:
        return json.dumps(continue_task_message(self.task_id, text), ensure_ascii=False)

    def finish_message(self) -> str:
        return json.dumps(finish_task_message(self.task_id))

    def on_binary(self, data: bytes) -> SpeechChunk:
        return SpeechChunk("audio", audio=data)

    def on_text(self, frame: str) -> SpeechChunk | None:
        """Interpret a text frame; raises the mapped error on ``task-failed``."""
        try:
            event = ServerEvent.model_validate_json(frame)
        except ValidationError:
            raise APIConnectionError(f"the service sent a frame we cannot read: {frame[:200]!r}") from None
        header = event.header
        if header.task_id and header.task_id != self.task_id:
            return None  # a late frame of an earlier task on this connection
        if header.event == "task-failed":
            self.finished = True
            raise error_for(
                status_code=None,
                code=header.error_code or "TaskFailed",
                message=header.error_message or "the synthesis task failed",
                request_id=str(header.attributes.get("request_uuid") or self.task_id),
            )
        if header.event == "task-started":
            self.started = True
            return None
        usage = event.payload.usage
        if usage is not None:
            self.characters = max(self.characters, usage.characters)
        if header.event == "task-finished":
            self.finished = True
            self.request_id = str(header.attributes.get("request_uuid") or self.task_id)
            return SpeechChunk("task-finished", characters=self.characters, request_id=self.request_id)
        output = event.payload.output
        if header.event != "result-generated" or output is None or output.sentence is None:
            return None
        index = output.sentence.index
        if output.original_text is not None:
            self._texts[index] = output.original_text
        if output.type in ("sentence-begin", "sentence-end"):
            info = SentenceInfo(index, self._texts.get(index, ""), list(output.sentence.words))
            return SpeechChunk(output.type, sentence=info, characters=self.characters)
        return None


# ----- text in: what to send, and when to start and finish tasks -----------------------------------------------


@dataclass(frozen=True)
class Start:
    """Open a task (run-task, then wait for task-started)."""


@dataclass(frozen=True)
class Send:
    """Send ``message`` in a continue-task of the open task."""

    message: str


@dataclass(frozen=True)
class Finish:
    """Finish the open task (finish-task, then read until task-finished) before going on."""


Action = Start | Send | Finish
START, FINISH = Start(), Finish()


def billed(text: str) -> int:
    """:func:`billed_characters`, without a look at each character when the text is ASCII (every one counts 1)."""
    return len(text) if text.isascii() else billed_characters(text)


def _pack(sentences: list[str]) -> list[str]:
    """Sentences grouped into messages within the per-message limit."""
    if not sentences:
        return []
    joined = " ".join(sentences)
    if joined.isascii() and len(joined) <= MAX_CHARS_PER_MESSAGE:
        return [joined]  # what chunk_text returns for it, without measuring every sentence
    return chunk_text(joined, max_chars=MAX_CHARS_PER_MESSAGE)


class TextPlan:
    """Decides, from the text received so far, which messages to send and when tasks start and finish.

    Complete sentences are sent as soon as they form (the service only speaks complete sentences anyway); a task
    is finished and a new one started when the per-task limit would be passed, or when the source has been quiet
    for ``idle_flush_s`` — well before the service's 23 s idle limit would fail the task. ``single_message``
    (SSML): the whole text goes in one message once the source has ended.
    """

    def __init__(self, *, now: float, single_message: bool = False, idle_flush_s: float = IDLE_FLUSH_S) -> None:
        self.single_message = single_message
        self.idle_flush_s = idle_flush_s
        self.buffer = ""
        self.source_done = False
        self.task_open = False
        self.sent_characters = 0
        self.last_sent = now

    def take(self, texts: list[str], *, source_done: bool, now: float) -> list[Action]:
        """The actions for the newly arrived ``texts`` (``source_done``: the source has ended)."""
        self.buffer += "".join(texts)
        self.source_done = self.source_done or source_done
        if self.single_message:
            ready = [self.buffer] if self.source_done and self.buffer else []
            self.buffer = "" if self.source_done else self.buffer
            messages = ready
        else:
            if self.source_done:
                ready, self.buffer = split_sentences(self.buffer), ""
            else:
                ready, self.buffer = complete_sentences(self.buffer)
            if self.task_open and self.buffer and now - self.last_sent > self.idle_flush_s:
                ready, self.buffer = [*ready, self.buffer], ""  # a long-quiet partial sentence: say it
            messages = _pack(ready)
        actions: list[Action] = []
        for message in messages:
            size = billed(message)
            if self.task_open and self.sent_characters + size > MAX_CHARS_PER_TASK:
                actions.append(FINISH)
                self.task_open = False
            if not self.task_open:
                actions.append(START)
                self.task_open, self.sent_characters = True, 0
            actions.append(Send(message))
            self.sent_characters += size
            self.last_sent = now
        return actions

    def finish_due(self, now: float) -> bool:
        """Whether the open task is to be finished now (source ended, or quiet too long); marks it finished."""
        if self.task_open and (self.source_done or now - self.last_sent > self.idle_flush_s):
            self.task_open = False
            return True
        return False

    def quiet_deadline(self) -> float:
        """When the open task must be finished if no text arrives (monotonic seconds)."""
        return self.last_sent + self.idle_flush_s

    @property
    def done(self) -> bool:
        """The source has ended and every task it needed is finished."""
        return self.source_done and not self.task_open


# ----- HTTP and SSE -------------------------------------------------------------------------------------------


def http_body(model: str, text: str, parameters: SynthesisParameters) -> dict[str, object]:
    """The HTTP synthesis request body: every run-task parameter but ``text_type`` goes into ``input`` (§6)."""
    options = parameters.model_dump(exclude={"text_type"})
    return HttpSynthesisRequest(model=model, input=HttpSynthesisInput(text=text, **options)).to_wire()


def http_result_chunks(reply: HttpSynthesisResponse, audio: bytes) -> list[SpeechChunk]:
    """The chunks of a plain HTTP synthesis: its downloaded audio, then task-finished."""
    characters = reply.usage.characters if reply.usage else 0
    return [
        SpeechChunk("audio", audio=audio),
        SpeechChunk("task-finished", characters=characters, request_id=reply.request_id),
    ]


class SseParser:
    """Reads the SSE event stream of an HTTP synthesis, line by line (``feed``), into chunks.

    Every framing DashScope is seen to use (contract §6, §10.8): ``field:value`` or ``field: value``; ``data``
    over one line or several; ``:HTTP_STATUS/200`` on every event or only the first; ``status:`` lines; no blank
    line after the last event (:meth:`finish` reads it). Other fields and comments are ignored. An
    ``event:error`` frame, or a plain ``data:`` object carrying a ``code`` and no ``output``, raises the mapped
    error; the stream is over when a chunk says ``finish_reason: stop`` (:attr:`done`).
    """

    def __init__(self) -> None:
        self.request_id = ""
        self.characters = 0
        self.done = False
        self._event_name = ""
        self._status: int | None = None
        self._data: list[str] = []

    def feed(self, line: str) -> Iterator[SpeechChunk]:
        """The chunks of the event ``line`` completes (a blank line ends an event)."""
        if not line.strip():
            yield from self._dispatch()
            return
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            self._event_name = value.strip()
        elif name == "data":
            self._data.append(value)
        elif name == "status" and value.strip().isdigit():
            self._status = int(value.strip())
        elif not name and value.startswith("HTTP_STATUS/") and value[12:].strip().isdigit():
            self._status = int(value[12:].strip())

    def finish(self) -> Iterator[SpeechChunk]:
        """The last event's chunks (when no blank line closed it), then the closing ``task-finished``."""
        yield from self._dispatch()
        yield SpeechChunk("task-finished", characters=self.characters, request_id=self.request_id)

    def _dispatch(self) -> Iterator[SpeechChunk]:
        lines, name, status = self._data, self._event_name, self._status
        self._data, self._event_name = [], ""
        if not lines or self.done:
            return
        try:
            data = json.loads("\n".join(lines))
        except ValueError:
            raise APIConnectionError(f"the service sent an event we cannot read: {lines[0][:80]!r}") from None
        if not isinstance(data, dict):
            return
        if name == "error" or (data.get("code") and "output" not in data):
            stated = str(data.get("status_code") or status or "")
            raise error_for(
                status_code=int(stated) if stated.isdigit() and int(stated) >= 400 else 400,
                code=str(data.get("code") or "Unknown"),
                message=str(data.get("message") or ""),
                request_id=str(data.get("request_id") or ""),
            )
        yield from self._chunks(HttpSynthesisResponse.model_validate(data))

    def _chunks(self, reply: HttpSynthesisResponse) -> Iterator[SpeechChunk]:
        self.request_id = reply.request_id or self.request_id
        self.characters = reply.usage.characters if reply.usage else self.characters
        output = reply.output
        if output.audio is not None and output.audio.data:
            yield SpeechChunk("audio", audio=base64.b64decode(output.audio.data))
        if output.type in ("sentence-begin", "sentence-end") and output.sentence is not None:
            info = SentenceInfo(output.sentence.index, output.original_text or "", list(output.sentence.words))
            yield SpeechChunk(output.type, sentence=info, characters=self.characters)
        if output.finish_reason == "stop":
            self.done = True
