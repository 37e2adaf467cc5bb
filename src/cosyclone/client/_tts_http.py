"""HTTP synthesis (``POST …/services/audio/tts/SpeechSynthesizer``, contract §6): plain (an audio URL to
download) or SSE (base64 audio per sentence), read in every framing of §6 and §10.8. Imported by client/ only.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import httpx
from pydantic import ValidationError

from cosyclone._exceptions import APIConnectionError, APIStatusError, error_for
from cosyclone.client._transport import map_transport_error, raise_for_reply
from cosyclone.client._tts_protocol import SentenceInfo, SpeechChunk
from cosyclone.schema.synthesis import (
    SYNTHESIS_PATH,
    HttpSynthesisInput,
    HttpSynthesisRequest,
    HttpSynthesisResponse,
    SynthesisParameters,
)


def _body(model: str, text: str, parameters: SynthesisParameters) -> dict[str, object]:
    """The request body: every run-task parameter but ``text_type`` goes into ``input`` (§6)."""
    options = parameters.model_dump(exclude={"text_type"})
    return HttpSynthesisRequest(model=model, input=HttpSynthesisInput(text=text, **options)).to_wire()


def synthesize_http(
    http: httpx.Client, base_url: str, *, model: str, text: str, parameters: SynthesisParameters, sse: bool
) -> Iterator[SpeechChunk]:
    """One HTTP synthesis call; yields the same chunks as the WebSocket driver."""
    url = f"{base_url}/{SYNTHESIS_PATH}"
    body = _body(model, text, parameters)
    try:
        if not sse:
            response = http.post(url, json=body)
            raise_for_reply(response)
            reply = HttpSynthesisResponse.model_validate(response.json())
            audio_url = reply.output.audio.url if reply.output.audio else None
            if not audio_url:
                raise APIConnectionError("the service replied without an audio URL")
            request = http.build_request("GET", audio_url)
            del request.headers["Authorization"]  # a pre-signed URL on another host: never send it our key
            download = http.send(request)
            download.raise_for_status()
            yield SpeechChunk("audio", audio=download.content)
            characters = reply.usage.characters if reply.usage else 0
            yield SpeechChunk("task-finished", characters=characters, request_id=reply.request_id)
            return
        headers = {"X-DashScope-SSE": "enable", "Accept": "text/event-stream"}
        with http.stream("POST", url, json=body, headers=headers) as response:
            if not response.is_success:
                response.read()
                raise_for_reply(response)
            yield from _read_sse(response)
    except httpx.TransportError as error:
        raise map_transport_error(error) from None
    except ValidationError as error:
        raise APIConnectionError(f"the service sent a reply we cannot read: {error.errors()[0]['msg']}") from None


@dataclass
class _SseEvent:
    """One Server-Sent Event as read: its name, the status it states (if any) and its data lines joined."""

    name: str = ""
    status: int | None = None
    data: list[str] = field(default_factory=list)


def sse_events(lines: Iterable[str]) -> Iterator[_SseEvent]:
    """Every framing DashScope is seen to use (contract §6, §10.8): ``field:value`` or ``field: value``; ``data``
    over one line or several; ``:HTTP_STATUS/200`` on every event or only the first; ``status:`` lines; no blank
    line after the last event. Other fields and comments are ignored."""
    event = _SseEvent()
    for line in lines:
        if not line.strip():
            if event.data:
                yield event
            event = _SseEvent()
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            event.name = value.strip()
        elif name == "data":
            event.data.append(value)
        elif name == "status" and value.strip().isdigit():
            event.status = int(value.strip())
        elif not name and value.startswith("HTTP_STATUS/") and value[12:].strip().isdigit():
            event.status = int(value[12:].strip())
    if event.data:
        yield event


def _stream_error(event: _SseEvent, data: dict[str, object]) -> APIStatusError:
    """An error inside a 200 stream: an ``event:error`` frame, or a plain ``data:`` object carrying a ``code``."""
    stated = data.get("status_code") or event.status
    status = int(str(stated)) if str(stated or "").isdigit() and int(str(stated)) >= 400 else 400
    return error_for(
        status_code=status,
        code=str(data.get("code") or "Unknown"),
        message=str(data.get("message") or ""),
        request_id=str(data.get("request_id") or ""),
    )


def _read_sse(response: httpx.Response) -> Iterator[SpeechChunk]:
    request_id = ""
    characters = 0
    for event in sse_events(response.iter_lines()):
        try:
            data = json.loads("\n".join(event.data))
        except ValueError:
            raise APIConnectionError(f"the service sent an event we cannot read: {event.data[0][:80]!r}") from None
        if not isinstance(data, dict):
            continue
        if event.name == "error" or (data.get("code") and "output" not in data):
            raise _stream_error(event, data)
        chunk = HttpSynthesisResponse.model_validate(data)
        request_id = chunk.request_id or request_id
        characters = chunk.usage.characters if chunk.usage else characters
        output = chunk.output
        if output.audio is not None and output.audio.data:
            yield SpeechChunk("audio", audio=base64.b64decode(output.audio.data))
        if output.type in ("sentence-begin", "sentence-end") and output.sentence is not None:
            info = SentenceInfo(output.sentence.index, output.original_text or "", list(output.sentence.words))
            yield SpeechChunk(output.type, sentence=info, characters=characters)
        if output.finish_reason == "stop":
            break
    yield SpeechChunk("task-finished", characters=characters, request_id=request_id)
