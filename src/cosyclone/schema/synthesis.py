"""Speech synthesis on the wire: the WebSocket duplex protocol (contract §5) and the HTTP endpoint with its
SSE stream (§6).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field, model_validator

from cosyclone.schema.base import RequestModel, ResponseModel

# The declared names other modules still import from here (re-exported).
from cosyclone.schema.synthesis_params import AUDIO_FORMATS as AUDIO_FORMATS
from cosyclone.schema.synthesis_params import DEFAULT_FORMAT as DEFAULT_FORMAT
from cosyclone.schema.synthesis_params import DEFAULT_SAMPLE_RATE as DEFAULT_SAMPLE_RATE
from cosyclone.schema.synthesis_params import PLAIN_TEXT_TYPE, SSML_TEXT_TYPE
from cosyclone.schema.synthesis_params import SAMPLE_RATES as SAMPLE_RATES
from cosyclone.schema.synthesis_params import AudioFormat as AudioFormat
from cosyclone.schema.synthesis_params import SynthesisOptions as SynthesisOptions
from cosyclone.schema.synthesis_params import billed_characters as billed_characters

SYNTHESIS_PATH = "services/audio/tts/SpeechSynthesizer"
#: Per-message and per-task text limits (CJK characters count 2) and the idle gap allowed between messages.
MAX_CHARS_PER_MESSAGE = 20_000
MAX_CHARS_PER_TASK = 200_000
IDLE_TIMEOUT_S = 23.0


class SynthesisParameters(SynthesisOptions):
    """run-task ``parameters`` (§5.3): the declared options plus the voice. Extra keys the SDK adds (``type``,
    hot_fix, …) are accepted by the server side via :class:`ServerSynthesisParameters`. ``text_type`` follows
    ``enable_ssml`` (``"SSML"``), as the SDK 2.x sends it (§10.5)."""

    text_type: str = PLAIN_TEXT_TYPE
    voice: str

    @model_validator(mode="after")
    def _text_type_follows_ssml(self) -> SynthesisParameters:
        if self.enable_ssml:
            self.text_type = SSML_TEXT_TYPE
        return self


class ServerSynthesisParameters(ResponseModel):
    """What a server reads in ``parameters`` besides the declared options (which it checks against
    :class:`SynthesisOptions`); anything else is kept and ignored."""

    text_type: str = "PlainText"
    voice: str = ""


# ----- WebSocket: client messages ---------------------------------------------------------------------------


class TaskHeader(ResponseModel):
    action: Literal["run-task", "continue-task", "finish-task"]
    task_id: str
    streaming: str = "duplex"


class RunTaskPayload(ResponseModel):
    task_group: str = "audio"
    task: str = "tts"
    function: str = "SpeechSynthesizer"
    model: str
    parameters: dict[str, Any] = Field(default_factory=dict)
    input: dict[str, Any] = Field(default_factory=dict)


class TaskInput(ResponseModel):
    text: str | None = None
    flush: bool | None = None


class ContinuePayload(ResponseModel):
    input: TaskInput = Field(default_factory=TaskInput)


class ClientMessage(ResponseModel):
    """Any client frame. ``payload`` is parsed per action by :func:`parse_client_payload`."""

    header: TaskHeader
    payload: dict[str, Any] = Field(default_factory=dict)


def run_task_message(task_id: str, model: str, parameters: SynthesisParameters) -> dict[str, object]:
    payload = RunTaskPayload(model=model, parameters=parameters.to_wire())
    return ClientMessage(header=TaskHeader(action="run-task", task_id=task_id), payload=payload.to_wire()).to_wire()


def continue_task_message(task_id: str, text: str) -> dict[str, object]:
    payload = ContinuePayload(input=TaskInput(text=text))
    return ClientMessage(
        header=TaskHeader(action="continue-task", task_id=task_id), payload=payload.to_wire()
    ).to_wire()


def finish_task_message(task_id: str) -> dict[str, object]:
    header = TaskHeader(action="finish-task", task_id=task_id)
    return ClientMessage(header=header, payload=ContinuePayload().to_wire()).to_wire()


# ----- WebSocket: server events -----------------------------------------------------------------------------

EventName = Literal["task-started", "result-generated", "task-finished", "task-failed"]
SentenceEventType = Literal["sentence-begin", "sentence-synthesis", "sentence-end"]


class Word(ResponseModel):
    text: str
    begin_index: int
    end_index: int
    begin_time: int
    end_time: int


class Sentence(ResponseModel):
    index: int = 0
    words: list[Word] = Field(default_factory=list)


class SentenceOutput(ResponseModel):
    type: str | None = None
    sentence: Sentence | None = None
    original_text: str | None = None


class CharacterUsage(ResponseModel):
    characters: int = 0


class EventPayload(ResponseModel):
    output: SentenceOutput | None = None
    usage: CharacterUsage | None = None


class EventHeader(ResponseModel):
    task_id: str = ""
    event: str
    attributes: dict[str, Any] = Field(default_factory=dict)
    error_code: str | None = None
    error_message: str | None = None


class ServerEvent(ResponseModel):
    header: EventHeader
    payload: EventPayload = Field(default_factory=EventPayload)


# ----- HTTP synthesis ---------------------------------------------------------------------------------------


class HttpSynthesisInput(SynthesisOptions):
    """HTTP synthesis ``input`` (§6): the text, the voice and every declared option. No ``text_type``: neither
    SDK sends one over HTTP; SSML is said by ``enable_ssml`` (a server also reads ``text_type: "SSML"``)."""

    text: str = Field(json_schema_extra={"minLength": 1, "maxLength": MAX_CHARS_PER_MESSAGE})
    voice: str = Field(json_schema_extra={"minLength": 1})


class HttpSynthesisRequest(RequestModel):
    model: str
    input: HttpSynthesisInput


class HttpAudio(ResponseModel):
    data: str = ""
    url: str | None = None
    id: str | None = None
    expires_at: int | None = None


class HttpSynthesisOutput(ResponseModel):
    finish_reason: str | None = None
    type: str | None = None
    original_text: str | None = None
    sentence: Sentence | None = None
    audio: HttpAudio | None = None


class HttpSynthesisResponse(ResponseModel):
    request_id: str = ""
    output: HttpSynthesisOutput
    usage: CharacterUsage | None = None


# ----- Server side: what a server accepts and the events it builds ------------------------------------------

#: What the official SDK sends for ``AudioFormat.DEFAULT`` (contract §5.5); a server reads it as mp3 at 22050 Hz.
SDK_DEFAULT_FORMAT = "Default"
#: The documented message of a voice the model cannot use (contract §4, §5.4). The ``[cosyvoice:]`` tag is the
#: newer spelling; older captures show ``[tts:]``.
ENGINE_418_MESSAGE = "[cosyvoice:]Engine return error code: 418"


class ServerHttpSynthesisInput(ServerSynthesisParameters):
    """HTTP synthesis ``input`` as a server reads it: the text, the voice; the options as for run-task (§6)."""

    text: str | None = None


class ServerHttpSynthesisRequest(ResponseModel):
    """An HTTP synthesis request body as a server reads it (tolerant of extra keys)."""

    model: str = ""
    input: ServerHttpSynthesisInput = Field(default_factory=ServerHttpSynthesisInput)
    parameters: dict[str, Any] = Field(default_factory=dict)


def task_started_event(task_id: str) -> ServerEvent:
    return ServerEvent(header=EventHeader(task_id=task_id, event="task-started"))


def task_failed_event(task_id: str, code: str, message: str) -> ServerEvent:
    return ServerEvent(header=EventHeader(task_id=task_id, event="task-failed", error_code=code, error_message=message))


def task_finished_event(task_id: str, request_uuid: str, characters: int) -> ServerEvent:
    return ServerEvent(
        header=EventHeader(task_id=task_id, event="task-finished", attributes={"request_uuid": request_uuid}),
        payload=EventPayload(output=SentenceOutput(), usage=CharacterUsage(characters=characters)),
    )


def sentence_event(
    task_id: str,
    kind: SentenceEventType,
    sentence: Sentence,
    *,
    original_text: str | None = None,
    characters: int | None = None,
) -> ServerEvent:
    """A ``result-generated`` event; ``characters`` (cumulative billed count) belongs on ``sentence-end``."""
    return ServerEvent(
        header=EventHeader(task_id=task_id, event="result-generated"),
        payload=EventPayload(
            output=SentenceOutput(type=kind, sentence=sentence, original_text=original_text),
            usage=CharacterUsage(characters=characters) if characters is not None else None,
        ),
    )


def sse_frame(event_id: int, data: dict[str, object], *, event: str = "result", status: int = 200) -> str:
    """One Server-Sent Event in DashScope's framing (contract §6), ``data`` as one line of JSON.

    ``event:error`` frames also carry ``status:<n>``, the line the official SDK's parser reads for the status.
    """
    lines = [f"id:{event_id}", f"event:{event}", f":HTTP_STATUS/{status}"]
    if event == "error":
        lines.append(f"status:{status}")
    lines.append("data:" + json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    return "\n".join(lines) + "\n\n"
