"""``client.speech``: speak with a voice — whole results, streams of audio, and duplex text input.

The model follows the voice: omit ``model`` and it is the one the voice was enrolled for (registry, else the
voice_id); a model that contradicts the voice is refused before any call. WebSocket by default (one connection
reused for consecutive tasks), HTTP (``protocol="http"``, or ``"sse"`` for streaming) as an option. A failed task
always raises with its code and request_id — never an empty result.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

import httpx
from typing_extensions import Unpack

from cosyclone._exceptions import InvalidRequestError, Problem
from cosyclone.catalog import speech_protocol
from cosyclone.client._audio_sink import AudioFile, wav_header
from cosyclone.client._refusal import RefusalJudge
from cosyclone.client._speech_options import (
    SpeechOptions,
    build_options,
    check_model_support,
    resolve_model,
    wire_parameters,
)
from cosyclone.client._tts_http import synthesize_http
from cosyclone.client._tts_protocol import SentenceInfo, SpeechChunk
from cosyclone.client._tts_ws import WebSocketSynthesizer
from cosyclone.schema.synthesis import MAX_CHARS_PER_MESSAGE, MAX_CHARS_PER_TASK, billed_characters
from cosyclone.schema.synthesis_params import SynthesisOptionsDict
from cosyclone.text import chunk_text

SynthesisProtocol = Literal["websocket", "http", "sse"]
T = TypeVar("T")

__all__ = [
    "AsyncSpeech",
    "SentenceInfo",
    "Speech",
    "SpeechChunk",
    "SpeechResult",
    "SynthesisProtocol",
    "format_for_path",
]


#: Audio formats by file extension (``.ogg`` holds Opus).
FORMAT_BY_SUFFIX = {".mp3": "mp3", ".wav": "wav", ".pcm": "pcm", ".raw": "pcm", ".opus": "opus", ".ogg": "opus"}


def format_for_path(path: str | os.PathLike[str]) -> str | None:
    """The audio format a file name asks for (None when its extension says nothing)."""
    return FORMAT_BY_SUFFIX.get(Path(path).suffix.lower())


@dataclass
class SpeechResult:
    """A finished synthesis."""

    audio: bytes
    format: str
    sample_rate: int
    model: str
    voice: str
    characters: int = 0
    request_ids: list[str] = field(default_factory=list)
    sentences: list[SentenceInfo] = field(default_factory=list)
    first_audio_s: float | None = None
    elapsed_s: float = 0.0
    path: Path | None = None
    bytes_written: int = 0

    @property
    def request_id(self) -> str:
        return self.request_ids[-1] if self.request_ids else ""


class _Collector:
    """Folds a chunk stream into a SpeechResult, keeping the audio or counting it (when it goes to a file)."""

    def __init__(self, options: SpeechOptions, model: str, voice: str, *, keep_audio: bool) -> None:
        self.result = SpeechResult(b"", options.format, options.sample_rate, model, voice)
        self._parts: list[bytes] = []
        self._keep = keep_audio
        self._started = time.perf_counter()

    def add(self, chunk: SpeechChunk) -> None:
        if chunk.kind == "audio" and chunk.audio:
            if self.result.first_audio_s is None:
                self.result.first_audio_s = time.perf_counter() - self._started
            self.result.bytes_written += len(chunk.audio)
            if self._keep:
                self._parts.append(chunk.audio)
        elif chunk.kind == "sentence-end" and chunk.sentence is not None:
            # Numbered across tasks: each task of a long text counts its sentences from 0.
            self.result.sentences.append(dataclasses.replace(chunk.sentence, index=len(self.result.sentences)))
        elif chunk.kind == "task-finished":
            self.result.characters += chunk.characters
            self.result.request_ids.append(chunk.request_id)

    def finish(self) -> SpeechResult:
        self.result.elapsed_s = time.perf_counter() - self._started
        if self._keep:
            body = b"".join(self._parts)
            if self.result.format == "wav":
                body = wav_header(sample_rate=self.result.sample_rate, data_bytes=len(body)) + body
            self.result.audio = body
        return self.result


def _with_wav_header(opts: SpeechOptions, chunks: Iterator[SpeechChunk]) -> Iterator[SpeechChunk]:
    if opts.format == "wav":
        yield SpeechChunk("audio", audio=wav_header(sample_rate=opts.sample_rate))
    yield from chunks


class Speech:
    """Synchronous synthesis. Get it as ``client.speech``."""

    def __init__(
        self,
        *,
        ws_url: str,
        http_base_url: str,
        headers: dict[str, str],
        http: httpx.Client,
        timeout_s: float,
        model_lookup: Callable[[str], str | None] | None = None,
        refusals: RefusalJudge | None = None,
    ) -> None:
        self._refusals = refusals or RefusalJudge(registry=None, account=lambda: "", query=None)
        self._ws = WebSocketSynthesizer(url=ws_url, headers=headers, read_timeout_s=timeout_s)
        self._http = http
        self._http_base_url = http_base_url
        self._model_lookup = model_lookup

    def close(self) -> None:
        self._ws.close()

    def _prepare(
        self, text: str | None, voice: str, model: str | None, options: SynthesisOptionsDict
    ) -> tuple[str, SpeechOptions]:
        """Every check made before any call: text, options, model-follows-voice."""
        if text is not None and not text.strip():
            raise InvalidRequestError([Problem("text", text, "is empty: give something to say")])
        resolved = resolve_model(voice, model, self._model_lookup)
        opts = build_options(**options)
        check_model_support(opts, resolved)
        if text is not None and opts.enable_ssml and billed_characters(text) > MAX_CHARS_PER_MESSAGE:
            raise InvalidRequestError(
                [Problem("text", f"{len(text)} characters", f"SSML must fit one message ({MAX_CHARS_PER_MESSAGE})")]
            )
        return resolved, opts

    def _raw(
        self, text: str, voice: str, model: str, opts: SpeechOptions, protocol: SynthesisProtocol
    ) -> Iterator[SpeechChunk]:
        """The service's chunks for ``text`` (for ``wav``: raw PCM, framed by the caller)."""
        protocol = speech_protocol(model, protocol)  # Qwen-Audio speaks over HTTP only
        parameters = wire_parameters(opts, voice, wire_format="pcm" if opts.format == "wav" else opts.format)
        if protocol == "websocket":
            # The driver cuts the text into sentences, messages and tasks itself.
            chunks = self._ws.run(
                iter([text]), model=model, parameters=parameters, single_message=bool(opts.enable_ssml)
            )
            yield from self._refusals.watch(chunks, voice=voice, model=model)
            return
        for piece in [text] if opts.enable_ssml else chunk_text(text, max_chars=MAX_CHARS_PER_TASK):
            sse = protocol == "sse"
            chunks = synthesize_http(
                self._http, self._http_base_url, model=model, text=piece, parameters=parameters, sse=sse
            )
            yield from self._refusals.watch(chunks, voice=voice, model=model)

    def plan(
        self, voice: str, *, model: str | None = None, protocol: SynthesisProtocol = "websocket"
    ) -> tuple[str, SynthesisProtocol]:
        """The model and protocol a synthesis with ``voice`` would use (the model follows the voice)."""
        resolved = resolve_model(voice, model, self._model_lookup)
        return resolved, speech_protocol(resolved, protocol)

    def _raw_text(self, chunks: Iterable[str], voice: str, model: str, opts: SpeechOptions) -> Iterator[SpeechChunk]:
        if opts.enable_ssml:
            raise InvalidRequestError([Problem("enable_ssml", True, "SSML needs the whole text: use stream()")])
        parameters = wire_parameters(opts, voice, wire_format="pcm" if opts.format == "wav" else opts.format)
        return self._refusals.watch(
            self._ws.run(iter(chunks), model=model, parameters=parameters), voice=voice, model=model
        )

    def stream(
        self,
        text: str,
        *,
        voice: str,
        model: str | None = None,
        protocol: SynthesisProtocol = "websocket",
        **options: Unpack[SynthesisOptionsDict],
    ) -> Iterator[SpeechChunk]:
        """Yield audio chunks and sentence events as they arrive.

        ``options``: the synthesis parameters declared in :class:`cosyclone.schema.synthesis_params.SynthesisOptions`
        (format, sample_rate, volume, rate, pitch, bit_rate, instruction, language_hints, seed, enable_ssml,
        word_timestamps), ``None`` meaning the default. For ``wav`` the first chunk is a streaming
        WAV header and the rest raw PCM.

        Raises:
            InvalidRequestError: before any call, for an empty text, a bad option or a model/voice mismatch.
            APIStatusError subclasses: a refused or failed task (ModelMismatchError, …), with its request_id.
            APIConnectionError: the connection failed or closed mid-stream.
        """
        resolved, opts = self._prepare(text, voice, model, options)
        return _with_wav_header(opts, self._raw(text, voice, resolved, opts, protocol))

    def stream_text(
        self, chunks: Iterable[str], *, voice: str, model: str | None = None, **options: Unpack[SynthesisOptionsDict]
    ) -> Iterator[SpeechChunk]:
        """Duplex: speak text as it arrives from ``chunks`` (e.g. an LLM's output), over the WebSocket.

        Complete sentences are sent at once; a quiet source never trips the service's 23 s idle limit.
        """
        resolved, opts = self._prepare(None, voice, model, options)
        return _with_wav_header(opts, self._raw_text(chunks, voice, resolved, opts))

    def synthesize(
        self,
        text: str,
        *,
        voice: str,
        model: str | None = None,
        protocol: SynthesisProtocol = "websocket",
        **options: Unpack[SynthesisOptionsDict],
    ) -> SpeechResult:
        """Synthesize ``text`` and return the whole audio with request ids, billed characters and sentences."""
        resolved, opts = self._prepare(text, voice, model, options)
        collector = _Collector(opts, resolved, voice, keep_audio=True)
        for chunk in self._raw(text, voice, resolved, opts, protocol):
            collector.add(chunk)
        return collector.finish()

    def to_file(
        self,
        text: str | Iterable[str],
        path: str | os.PathLike[str],
        *,
        voice: str,
        model: str | None = None,
        protocol: SynthesisProtocol = "websocket",
        **options: Unpack[SynthesisOptionsDict],
    ) -> SpeechResult:
        """Synthesize into ``path``, written as ``path.part`` and renamed when complete (nothing under ``path`` if
        it fails). ``text`` may be an iterable of pieces (duplex). Memory stays flat for any length."""
        if isinstance(text, str):
            resolved, opts = self._prepare(text, voice, model, options)
            chunks = self._raw(text, voice, resolved, opts, protocol)
        else:
            resolved, opts = self._prepare(None, voice, model, options)
            chunks = self._raw_text(text, voice, resolved, opts)
        collector = _Collector(opts, resolved, voice, keep_audio=False)
        with AudioFile(path, wav_sample_rate=opts.sample_rate if opts.format == "wav" else None) as sink:
            for chunk in chunks:
                if chunk.kind == "audio":
                    sink.write(chunk.audio)
                collector.add(chunk)
            collector.result.path = sink.commit()
        result = collector.finish()
        result.bytes_written = result.path.stat().st_size if result.path else 0
        return result


class AsyncSpeech:
    """Async twin of :class:`Speech`: the same driver, run in a worker thread and bridged to the event loop."""

    def __init__(self, sync: Speech) -> None:
        self._sync = sync

    def close(self) -> None:
        self._sync.close()

    async def synthesize(
        self, text: str, *, voice: str, model: str | None = None, **options: Unpack[SynthesisOptionsDict]
    ) -> SpeechResult:
        return await asyncio.to_thread(lambda: self._sync.synthesize(text, voice=voice, model=model, **options))

    async def to_file(
        self,
        text: str,
        path: str | os.PathLike[str],
        *,
        voice: str,
        model: str | None = None,
        **options: Unpack[SynthesisOptionsDict],
    ) -> SpeechResult:
        return await asyncio.to_thread(lambda: self._sync.to_file(text, path, voice=voice, model=model, **options))

    def stream(
        self, text: str, *, voice: str, model: str | None = None, **options: Unpack[SynthesisOptionsDict]
    ) -> AsyncIterator[SpeechChunk]:
        iterator = self._sync.stream(text, voice=voice, model=model, **options)  # validates now, in the caller
        return _to_async(iterator)

    def stream_text(
        self,
        chunks: AsyncIterable[str] | Iterable[str],
        *,
        voice: str,
        model: str | None = None,
        **options: Unpack[SynthesisOptionsDict],
    ) -> AsyncIterator[SpeechChunk]:
        loop = asyncio.get_running_loop()
        source = _to_sync(chunks, loop) if isinstance(chunks, AsyncIterable) else iter(chunks)
        return _to_async(self._sync.stream_text(source, voice=voice, model=model, **options))


_DONE = object()


async def _to_async(iterator: Iterator[T]) -> AsyncIterator[T]:
    """Consume a blocking iterator in a worker thread, one item per hop."""
    while True:
        item = await asyncio.to_thread(next, iterator, _DONE)
        if item is _DONE:
            return
        yield item  # type: ignore[misc]


def _to_sync(chunks: AsyncIterable[str], loop: asyncio.AbstractEventLoop) -> Iterator[str]:
    """Read an async iterable from a worker thread by scheduling each step on ``loop``."""
    iterator = chunks.__aiter__()
    while True:
        future = asyncio.run_coroutine_threadsafe(_anext_or_done(iterator), loop)
        item = future.result()
        if item is _DONE:
            return
        yield str(item)


async def _anext_or_done(iterator: AsyncIterator[str]) -> object:
    try:
        return await iterator.__anext__()
    except StopAsyncIteration:
        return _DONE
