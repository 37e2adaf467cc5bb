"""Speech synthesis on the wire: the WebSocket duplex protocol (contract §5) and the HTTP endpoint with its
SSE stream (§6).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field

from cosyclone.schema.base import RequestModel, ResponseModel

SYNTHESIS_PATH = "services/audio/tts/SpeechSynthesizer"
AudioFormat = Literal["pcm", "wav", "mp3", "opus"]
AUDIO_FORMATS: tuple[str, ...] = ("pcm", "wav", "mp3", "opus")
SAMPLE_RATES: tuple[int, ...] = (8000, 16000, 22050, 24000, 44100, 48000)
DEFAULT_FORMAT = "mp3"
DEFAULT_SAMPLE_RATE = 22050
#: Per-message and per-task text limits (CJK characters count 2) and the idle gap allowed between messages.
MAX_CHARS_PER_MESSAGE = 20_000
MAX_CHARS_PER_TASK = 200_000
IDLE_TIMEOUT_S = 23.0


class SynthesisParameters(RequestModel):
    """run-task ``parameters`` (§5.3). Extra keys the SDK adds (``type``, hot_fix, …) are accepted as extras
    by the server side via :class:`ServerSynthesisParameters`."""

    text_type: str = "PlainText"
    voice: str
    format: str = DEFAULT_FORMAT
    sample_rate: int = DEFAULT_SAMPLE_RATE
    volume: int = 50
    rate: float = 1.0
    pitch: float = 1.0
    bit_rate: int | None = None
    enable_ssml: bool | None = None
    word_timestamp_enabled: bool | None = None
    seed: int | None = None
    language_hints: list[str] | None = None
    instruction: str | None = None


class ServerSynthesisParameters(ResponseModel):
    """What a server accepts in ``parameters``: the documented keys plus anything else (kept, ignored)."""

    text_type: str = "PlainText"
    voice: str = ""
    format: str = DEFAULT_FORMAT
    sample_rate: int = DEFAULT_SAMPLE_RATE
    volume: int = 50
    rate: float = 1.0
    pitch: float = 1.0
    bit_rate: int | None = None
    enable_ssml: bool = False
    word_timestamp_enabled: bool = False
    seed: int = 0
    language_hints: list[str] | None = None
    instruction: str | None = None


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
    return {
        "header": {"action": "run-task", "task_id": task_id, "streaming": "duplex"},
        "payload": {
            "task_group": "audio",
            "task": "tts",
            "function": "SpeechSynthesizer",
            "model": model,
            "parameters": parameters.to_wire(),
            "input": {},
        },
    }


def continue_task_message(task_id: str, text: str) -> dict[str, object]:
    return {
        "header": {"action": "continue-task", "task_id": task_id, "streaming": "duplex"},
        "payload": {"input": {"text": text}},
    }


def finish_task_message(task_id: str) -> dict[str, object]:
    return {
        "header": {"action": "finish-task", "task_id": task_id, "streaming": "duplex"},
        "payload": {"input": {}},
    }


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


class HttpSynthesisInput(ResponseModel):
    """All parameters go inside ``input`` (§6). Tolerant: the SDK copies any extra kwargs here."""

    text: str = ""
    voice: str = ""
    format: str = "wav"
    sample_rate: int = 24000
    volume: int = 50
    rate: float = 1.0
    pitch: float = 1.0
    bit_rate: int | None = None
    enable_ssml: bool = False
    word_timestamp_enabled: bool = False
    seed: int = 0
    language_hints: list[str] | None = None
    instruction: str | None = None


class HttpSynthesisRequest(ResponseModel):
    model: str
    input: HttpSynthesisInput
    parameters: dict[str, Any] = Field(default_factory=dict)


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


def billed_characters(text: str) -> int:
    """Characters as the service bills them: CJK ideographs (and full-width forms) count 2, others 1."""
    return sum(2 if _is_wide(ch) else 1 for ch in text)


def _is_wide(ch: str) -> bool:
    code = ord(ch)
    return (
        0x1100 <= code <= 0x115F
        or 0x2E80 <= code <= 0xA4CF
        or 0xAC00 <= code <= 0xD7A3
        or 0xF900 <= code <= 0xFAFF
        or 0xFE30 <= code <= 0xFE4F
        or 0xFF00 <= code <= 0xFF60
        or 0xFFE0 <= code <= 0xFFE6
        or 0x20000 <= code <= 0x3FFFD
    )


# ----- Server side: what a server accepts and the events it builds ------------------------------------------

#: What the official SDK sends for ``AudioFormat.DEFAULT`` (contract §5.5); a server reads it as mp3 at 22050 Hz.
SDK_DEFAULT_FORMAT = "Default"
#: The documented message of a voice the model cannot use (contract §4, §5.4). The ``[cosyvoice:]`` tag is the
#: newer spelling; older captures show ``[tts:]``.
ENGINE_418_MESSAGE = "[cosyvoice:]Engine return error code: 418"


class ServerHttpSynthesisInput(ServerSynthesisParameters):
    """HTTP synthesis ``input`` as a server reads it: the text plus every §5.3 key, server defaults (§6)."""

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
