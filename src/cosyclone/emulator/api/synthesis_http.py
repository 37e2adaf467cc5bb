"""HTTP synthesis, ``POST /api/v1/services/audio/tts/SpeechSynthesizer`` (contract §6), plain and SSE.

Imported by :mod:`cosyclone.emulator.api.synthesis`, which mounts :func:`http_synthesis`.

- All parameters are read from ``input`` (the §5.3 keys with the server defaults, mp3 at 22050 Hz), plus
  ``input.text``, at most 20 000 billed characters (one request is one "message"). Same voice rules as the
  WebSocket (418 mismatch → 400 ``InvalidParameter`` "[cosyvoice:]Engine return error code: 418"). A bad key is
  401 ``InvalidApiKey``. Any refusal before audio is made is a normal JSON envelope with its status.
- **Plain**: ``output = {finish_reason: "stop", audio: {data: "", url, id: "audio_<request_id>", expires_at}}``
  and ``usage.characters``. ``url`` is absolute (the request's own base URL + the backend's result path) and
  serves one complete file of the asked format; ``expires_at`` is now + 24 h in Unix seconds.
- **SSE** (``X-DashScope-SSE: enable`` or ``Accept: text/event-stream``): per sentence a ``sentence-begin``,
  ``sentence-synthesis`` (base64 audio in ``audio.data``) and ``sentence-end`` event, ``finish_reason: "null"``
  (a string) and cumulative ``usage.characters``; then a final event with ``finish_reason: "stop"``, the URL and
  empty ``data``. Word timestamps (``word_timestamp_enabled``) ride on the synthesis and end events, in ms
  from the start of the audio, as on the WebSocket. Frames are ``id:N`` / ``event:result`` /
  ``:HTTP_STATUS/200`` / ``data:{json}``. The chunks' concatenation is one playable file from one encoder per
  request (framing as on the WebSocket; the last sentence's chunk also carries the encoder's tail, and for MP3
  and Opus the stored file is exactly what was streamed). An error **after** the stream has started is one
  ``event:error`` frame (``:HTTP_STATUS/<n>`` and ``status:<n>``, data ``{request_id, code, message}``) that
  ends the stream: the official SDK's parser reads exactly that as an error.
- **Faults** (``faults.arm("synthesis_http")`` once per valid request; :mod:`cosyclone.emulator.faults` says
  what strikes when and builds the reply): asked before the request, before each sentence, when the text ran
  out and after the result is stored. A refusal is the envelope with its status and headers (plain) or an
  ``event:error`` (SSE); a drop is :class:`~cosyclone.emulator.api.drop.DropResponse` for a plain request
  (``drop_style``: ``close`` aborts TCP, ``truncate`` leaves the body unfinished) and an unfinished body in an
  SSE stream, whose frames already sent stay sent.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from cosyclone.emulator.api.drop import TRANSPORT_KEY
from cosyclone.emulator.api.replies import carry_out, error_response, new_request_id
from cosyclone.emulator.api.stream_encoder import StreamEncoder
from cosyclone.emulator.api.synthesis_rules import (
    SynthesisSettings,
    encode_file,
    encoder_for,
    render,
    request_settings,
    spoken_text,
    text_is_null,
    words_of,
)
from cosyclone.emulator.errors import EmulatorApiError, invalid_api_key, invalid_parameter
from cosyclone.emulator.faults import ArmedFault, Drop, FaultAction, after_delay
from cosyclone.emulator.ports import SynthesisBackend
from cosyclone.emulator.voice.rendering import RenderedSentence
from cosyclone.schema.errors import ErrorEnvelope
from cosyclone.schema.sentences import split_sentences
from cosyclone.schema.synthesis import (
    CharacterUsage,
    HttpAudio,
    HttpSynthesisOutput,
    HttpSynthesisResponse,
    Sentence,
    ServerHttpSynthesisInput,
    ServerHttpSynthesisRequest,
    Word,
    billed_characters,
    sse_frame,
)

FAULT_TARGET = "synthesis_http"
RESULT_TTL_S = 24 * 3600
#: Formats whose streamed chunks, joined, are the file to keep (no header that needs the length first).
STREAMED_FILE_FORMATS = ("mp3", "opus")


@dataclass
class _Job:
    request_id: str
    tenant: str
    settings: SynthesisSettings
    sentences: list[str]
    fault: ArmedFault
    base_url: str
    expires_at: int

    @property
    def audio_id(self) -> str:
        return f"audio_{self.request_id}"


def _wants_sse(request: Request) -> bool:
    return (
        request.headers.get("x-dashscope-sse", "").lower() == "enable"
        or "text/event-stream" in request.headers.get("accept", "").lower()
    )


async def http_synthesis(request: Request, backend: SynthesisBackend) -> Response:
    """Answer one HTTP synthesis request (plain JSON or SSE)."""
    request_id = new_request_id()
    tenant = backend.authenticate(request.headers.get("authorization"))
    if tenant is None:
        return error_response(invalid_api_key(), request_id)
    try:
        job = await _prepare(request, backend, tenant, request_id)
    except EmulatorApiError as error:
        return error_response(error, request_id)
    early = await carry_out(job.fault.before_request(), request_id)
    if early is not None:
        return early
    if _wants_sse(request):
        return _EventStream(_sse_events(job, backend, request))
    return await _plain(job, backend)


async def _prepare(request: Request, backend: SynthesisBackend, tenant: str, request_id: str) -> _Job:
    try:
        raw = await request.json()
    except ValueError:
        raise invalid_parameter("body", detail="not JSON") from None
    if not isinstance(raw, dict):
        raise invalid_parameter("body", detail="not a JSON object")
    try:
        body = ServerHttpSynthesisRequest.model_validate({k: v for k, v in raw.items() if k != "input"})
    except ValidationError as exc:
        raise invalid_parameter(str(exc.errors()[0]["loc"][0])) from None
    raw_input = raw.get("input")
    given = raw_input if isinstance(raw_input, dict) else {}
    params, settings = request_settings(backend, tenant, body.model, given, ServerHttpSynthesisInput, http=True)
    if not params.text or not params.text.strip():
        raise text_is_null()
    text, _ = spoken_text(params.text, settings, used=0)
    return _Job(
        request_id=request_id,
        tenant=tenant,
        settings=settings,
        sentences=split_sentences(text) or [text.strip() or " "],
        fault=backend.faults.arm(FAULT_TARGET),
        base_url=str(request.base_url).rstrip("/"),
        expires_at=int(time.time()) + RESULT_TTL_S,
    )


async def _render(job: _Job, backend: SynthesisBackend, sentence: str) -> RenderedSentence:
    if backend.sentence_latency_s > 0:
        await asyncio.sleep(backend.sentence_latency_s)
    return await asyncio.to_thread(render, job.settings, sentence)


async def _store(job: _Job, backend: SynthesisBackend, segments: list[NDArray[np.float32]], streamed: bytes) -> str:
    """Keep the result for download: what was streamed when it is a complete file (MP3, Opus: one stream from one
    encoder), else one file encoded from ``segments`` (WAV with its real sizes, PCM)."""
    if job.settings.format in STREAMED_FILE_FORMATS and streamed:
        data = streamed
    else:
        samples = np.concatenate(segments) if segments else np.zeros(1, dtype=np.float32)
        data = await asyncio.to_thread(encode_file, job.settings, samples)
    return job.base_url + backend.store_result(job.tenant, data, job.settings.suffix)


def _encode_sentence(encoder: StreamEncoder, samples: NDArray[np.float32], *, last: bool) -> bytes:
    """A sentence's chunk; the last one also carries what the encoder held back and the end of the stream."""
    chunk = encoder.chunk(samples)
    return chunk + encoder.finish() if last else chunk


def _total_characters(job: _Job) -> int:
    return sum(billed_characters(s) for s in job.sentences)


async def _plain(job: _Job, backend: SynthesisBackend) -> Response:
    segments: list[NDArray[np.float32]] = []
    for done, sentence in enumerate(job.sentences):
        if (reply := await carry_out(job.fault.before_sentence(done), job.request_id)) is not None:
            return reply
        segments.append((await _render(job, backend, sentence)).samples)
    if (reply := await carry_out(job.fault.at_end(len(job.sentences)), job.request_id)) is not None:
        return reply
    url = await _store(job, backend, segments, b"")
    audio = HttpAudio(data="", url=url, id=job.audio_id, expires_at=job.expires_at)
    body = HttpSynthesisResponse(
        request_id=job.request_id,
        output=HttpSynthesisOutput(finish_reason="stop", audio=audio),
        usage=CharacterUsage(characters=_total_characters(job)),
    )
    return await carry_out(job.fault.after_response(), job.request_id) or JSONResponse(body.to_wire())


class _Cut(Exception):
    """Marks where an emulated dropped connection happens inside an SSE stream (``style`` as ``drop_style``)."""

    def __init__(self, style: str) -> None:
        super().__init__(style)
        self.style = style


async def _sse_events(job: _Job, backend: SynthesisBackend, request: Request) -> AsyncIterator[str]:
    encoder = encoder_for(job.settings)
    segments: list[NDArray[np.float32]] = []
    streamed: list[bytes] = []
    billed = 0
    event_id = 0
    audio_s = 0.0

    def frame(kind: str, index: int, text: str | None, data: str = "", words: list[Word] | None = None) -> str:
        nonlocal event_id
        event_id += 1
        output = HttpSynthesisOutput(
            finish_reason="null",
            type=kind,
            original_text=text,
            sentence=Sentence(index=index, words=words or []),
            audio=HttpAudio(data=data, id=job.audio_id, expires_at=job.expires_at),
        )
        body = HttpSynthesisResponse(
            request_id=job.request_id, output=output, usage=CharacterUsage(characters=billed)
        ).to_wire()
        return sse_frame(event_id, body)

    try:
        for done, sentence in enumerate(job.sentences):
            if (failure := await _sse_fault(job.fault.before_sentence(done), job, event_id + 1)) is not None:
                yield failure
                return
            if await request.is_disconnected():
                return
            yield frame("sentence-begin", done, sentence)
            rendered = await _render(job, backend, sentence)
            segments.append(rendered.samples)
            last = done == len(job.sentences) - 1
            chunk = await asyncio.to_thread(_encode_sentence, encoder, rendered.samples, last=last)
            streamed.append(chunk)
            words = words_of(rendered, job.settings, offset_s=audio_s)
            audio_s += rendered.duration_s
            billed += billed_characters(sentence)
            yield frame("sentence-synthesis", done, None, base64.b64encode(chunk).decode("ascii"), words)
            yield frame("sentence-end", done, sentence, words=words)
    finally:
        encoder.close()
    if (failure := await _sse_fault(job.fault.at_end(len(job.sentences)), job, event_id + 1)) is not None:
        yield failure
        return
    url = await _store(job, backend, segments, b"".join(streamed))
    if (failure := await _sse_fault(job.fault.after_response(), job, event_id + 1)) is not None:
        yield failure
        return
    final = HttpSynthesisResponse(
        request_id=job.request_id,
        output=HttpSynthesisOutput(
            finish_reason="stop", audio=HttpAudio(data="", url=url, id=job.audio_id, expires_at=job.expires_at)
        ),
        usage=CharacterUsage(characters=billed),
    )
    yield sse_frame(event_id + 1, final.to_wire())


async def _sse_fault(action: FaultAction | None, job: _Job, event_id: int) -> str | None:
    """A fault's action in an SSE stream: None to go on, the ``event:error`` frame that ends it, or :class:`_Cut`."""
    action = await after_delay(action)
    if action is None:
        return None
    if isinstance(action, Drop):
        raise _Cut(action.style)
    error = action.error
    body = ErrorEnvelope(request_id=job.request_id, code=error.code, message=error.message).to_wire()
    return sse_frame(event_id, body, event="error", status=error.status)


class _EventStream(Response):
    """``text/event-stream`` from an async iterator of frames; a :class:`_Cut` leaves the body unfinished."""

    media_type = "text/event-stream"

    def __init__(self, frames: AsyncIterator[str]) -> None:
        # No Response.__init__: it would promise ``content-length: 0``.
        self.status_code = 200
        self.background = None
        self.raw_headers = [
            (b"content-type", b"text/event-stream; charset=utf-8"),
            (b"cache-control", b"no-cache"),
            (b"x-accel-buffering", b"no"),
        ]
        self._frames = frames

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        try:
            async for frame in self._frames:
                await send({"type": "http.response.body", "body": frame.encode("utf-8"), "more_body": True})
        except _Cut as cut:
            transport: asyncio.Transport | None = scope.get(TRANSPORT_KEY)
            if cut.style == "close" and transport is not None:
                transport.abort()
                await asyncio.sleep(0)
            return  # else the server closes a connection whose response the app left unfinished
        await send({"type": "http.response.body", "body": b"", "more_body": False})
