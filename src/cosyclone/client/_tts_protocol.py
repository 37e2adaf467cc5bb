"""The WebSocket synthesis protocol as a state machine (sans I/O): the messages a task sends, and what each
server frame means. Drivers (``_tts_ws``) move bytes; this module decides. Imported by client/ only.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

from pydantic import ValidationError

from cosyclone._exceptions import APIConnectionError, error_for
from cosyclone.schema.synthesis import (
    ServerEvent,
    SynthesisParameters,
    Word,
    continue_task_message,
    finish_task_message,
    run_task_message,
)


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
