"""``client.speech``: speak with a voice — whole results, streams of audio, and duplex text input.

The model follows the voice: omit ``model`` and it is the one the voice was enrolled for (registry, else the
voice_id); a model that contradicts the voice is refused before any call. WebSocket by default, HTTP
(``protocol="http"``, or ``"sse"`` for streaming) as an option. A failed task always raises with its code and
request_id — never an empty result.

**Retries.** A 429, 5xx or connection failure *before any audio was handed to the caller* is retried with the
client's ``retry_policy`` (the one voice operations use; ``Retry-After`` honoured). After audio has started, the
error surfaces with ``error.delivered_bytes`` (what was handed over) and, for ``to_file``, nothing under the
final file name. Over HTTP each request (a long text takes several) is retried on its own.

**Sync and async.** :class:`Speech` (``Client.speech``) drives the blocking WebSocket driver, one connection
reused for consecutive tasks. :class:`AsyncSpeech` (``AsyncClient.speech``) is native asyncio — the
``websockets`` asyncio client and ``httpx.AsyncClient``, no worker thread — over a pool of connections reused
across tasks, at most ``max_speech_streams`` streams at once (more wait). Both share the protocol logic
(:mod:`cosyclone.client._tts_protocol`) and the retry decisions (:mod:`cosyclone.client._speech_retry`).
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Literal

import httpx
from typing_extensions import Required, Unpack

from cosyclone._exceptions import InvalidRequestError, Problem
from cosyclone.catalog import speech_protocol
from cosyclone.client._audio_sink import wav_header
from cosyclone.client._refusal import RefusalJudge
from cosyclone.client._retry import RetryPolicy
from cosyclone.client._speech_options import (
    SpeechOptions,
    build_options,
    check_model_support,
    resolve_model,
    wire_parameters,
)
from cosyclone.client._speech_result import Collector, ResultFile, SpeechResult
from cosyclone.client._speech_retry import retrying, retrying_async
from cosyclone.client._tts_http import synthesize_http, synthesize_http_async
from cosyclone.client._tts_protocol import SentenceInfo, SpeechChunk
from cosyclone.client._tts_ws import TextFeed, WebSocketSynthesizer
from cosyclone.client._tts_ws_async import DEFAULT_MAX_STREAMS, AsyncTextSource, AsyncWebSocketSynthesizer
from cosyclone.schema.sentences import chunk_text
from cosyclone.schema.synthesis import MAX_CHARS_PER_MESSAGE, MAX_CHARS_PER_TASK, SynthesisParameters, billed_characters
from cosyclone.schema.synthesis_params import SynthesisOptionsDict

SynthesisProtocol = Literal["websocket", "http", "sse"]

__all__ = [
    "AsyncSpeech",
    "SentenceInfo",
    "Speech",
    "SpeechChunk",
    "SpeechResult",
    "SpeechStream",
    "SynthesisProtocol",
    "format_for_path",
]


#: Audio formats by file extension (``.ogg`` holds Opus).
FORMAT_BY_SUFFIX = {".mp3": "mp3", ".wav": "wav", ".pcm": "pcm", ".raw": "pcm", ".opus": "opus", ".ogg": "opus"}


def format_for_path(path: str | os.PathLike[str]) -> str | None:
    """The audio format a file name asks for (None when its extension says nothing)."""
    return FORMAT_BY_SUFFIX.get(Path(path).suffix.lower())


def _wav_header_chunk(opts: SpeechOptions) -> SpeechChunk | None:
    """For ``wav``, the streaming header the caller gets first (the service sends raw PCM)."""
    return SpeechChunk("audio", audio=wav_header(sample_rate=opts.sample_rate)) if opts.format == "wav" else None


def _with_wav_header(opts: SpeechOptions, chunks: Generator[SpeechChunk, None, None]) -> Iterator[SpeechChunk]:
    header = _wav_header_chunk(opts)
    if header is not None:
        yield header
    with contextlib.closing(chunks):
        yield from chunks


def _http_pieces(text: str, opts: SpeechOptions) -> list[str]:
    """The texts of the HTTP requests for ``text`` (one per task's worth; SSML whole)."""
    return [text] if opts.enable_ssml else chunk_text(text, max_chars=MAX_CHARS_PER_TASK)


@dataclass(frozen=True)
class SpeechWiring:
    """What a client hands its speech front, the same for sync and async: the endpoints and headers, the read
    timeout, the model-follows-voice lookup, the retry policy and the refusal judge."""

    ws_url: str
    http_base_url: str
    headers: dict[str, str]
    timeout_s: float
    model_lookup: Callable[[str], str | None] | None = None
    retry_policy: RetryPolicy | None = None
    refusals: RefusalJudge | None = None


class DuplexRequest(SynthesisOptionsDict, total=False):
    """The keywords of a duplex synthesis (``stream_text``, both clients): the voice, the model (``None``: the
    voice's own) and the synthesis options of :class:`~cosyclone.schema.synthesis_params.SynthesisOptions`."""

    voice: Required[str]
    model: str | None


class SpeechRequest(DuplexRequest, total=False):
    """The keywords of ``stream`` / ``synthesize`` / ``to_file`` (both clients): those of :class:`DuplexRequest`
    and the protocol (``websocket``, the default; ``http``; ``sse``)."""

    protocol: SynthesisProtocol


@dataclass(frozen=True)
class _Job:
    """One synthesis as checked before any call: the voice, the model it resolved to, the options, the protocol
    it will use and the parameters on the wire."""

    voice: str
    model: str
    opts: SpeechOptions
    protocol: SynthesisProtocol
    parameters: SynthesisParameters


class _SpeechBase:
    """What both fronts share: every check made before any call, and the wire parameters (:meth:`_job`)."""

    def __init__(self, wiring: SpeechWiring) -> None:
        self.retry_policy = wiring.retry_policy or RetryPolicy()
        self._model_lookup = wiring.model_lookup
        # Tells why the engine refused a voice (unknown, not ready, another account's, or a model mismatch).
        self._refusals = wiring.refusals or RefusalJudge(registry=None, account=lambda: "", query=None)
        self._http_base_url = wiring.http_base_url

    def plan(
        self, voice: str, *, model: str | None = None, protocol: SynthesisProtocol = "websocket"
    ) -> tuple[str, SynthesisProtocol]:
        """The model and protocol a synthesis with ``voice`` would use (the model follows the voice; Qwen-Audio
        speaks over HTTP)."""
        resolved = resolve_model(voice, model, self._model_lookup)
        return resolved, speech_protocol(resolved, protocol)

    def _job(
        self,
        text: str | None,
        *,
        voice: str,
        model: str | None = None,
        protocol: SynthesisProtocol = "websocket",
        **options: Unpack[SynthesisOptionsDict],
    ) -> _Job:
        """Every check made before any call: text, options, model-follows-voice. ``text`` None: a duplex
        synthesis (pieces as they come, over the WebSocket), which cannot carry SSML."""
        if text is not None and not text.strip():
            raise InvalidRequestError([Problem("text", text, "is empty: give something to say")])
        resolved, planned = self.plan(voice, model=model, protocol=protocol)
        opts = build_options(**options)
        check_model_support(opts, resolved)
        if text is None and opts.enable_ssml:
            raise InvalidRequestError([Problem("enable_ssml", True, "SSML needs the whole text: use stream()")])
        if text is not None and opts.enable_ssml and billed_characters(text) > MAX_CHARS_PER_MESSAGE:
            raise InvalidRequestError(
                [Problem("text", f"{len(text)} characters", f"SSML must fit one message ({MAX_CHARS_PER_MESSAGE})")]
            )
        wire = wire_parameters(opts, voice, wire_format="pcm" if opts.format == "wav" else opts.format)
        protocol = "websocket" if text is None else planned  # a duplex synthesis always over the WebSocket
        return _Job(voice=voice, model=resolved, opts=opts, protocol=protocol, parameters=wire)


class Speech(_SpeechBase):
    """Synchronous synthesis. Get it as ``client.speech``."""

    def __init__(self, wiring: SpeechWiring, *, http: Callable[[], httpx.Client]) -> None:
        super().__init__(wiring)
        self._ws = WebSocketSynthesizer(url=wiring.ws_url, headers=wiring.headers, read_timeout_s=wiring.timeout_s)
        self._http = http  # the client's pooled httpx client, made when first asked for

    def close(self) -> None:
        self._ws.close()

    def _raw(self, text: str, job: _Job) -> Generator[SpeechChunk, None, None]:
        """The service's chunks for ``text`` (for ``wav``: raw PCM, framed by the caller), retried before audio."""
        policy, refusals = self.retry_policy, functools.partial(self._refusals.watch, voice=job.voice, model=job.model)
        if job.protocol == "websocket":
            # The driver cuts the text into sentences, messages and tasks itself.
            single = bool(job.opts.enable_ssml)
            run = functools.partial(
                self._ws.run, text, model=job.model, parameters=job.parameters, single_message=single
            )
            yield from refusals(retrying(policy, run))
            return
        for piece in _http_pieces(text, job.opts):
            request = functools.partial(
                synthesize_http,
                self._http(),
                self._http_base_url,
                model=job.model,
                text=piece,
                parameters=job.parameters,
            )
            yield from refusals(retrying(policy, functools.partial(request, sse=job.protocol == "sse")))

    def _raw_text(self, chunks: Iterable[str], job: _Job) -> Generator[SpeechChunk, None, None]:
        feed = TextFeed(iter(chunks))
        run = functools.partial(self._ws.run, feed, model=job.model, parameters=job.parameters)
        attempts = retrying(self.retry_policy, run, feed.restart)
        yield from self._refusals.watch(attempts, voice=job.voice, model=job.model)

    def stream(self, text: str, **request: Unpack[SpeechRequest]) -> Iterator[SpeechChunk]:
        """Yield audio chunks and sentence events as they arrive.

        Keywords (:class:`SpeechRequest`): ``voice`` (required), ``model`` (default: the voice's own),
        ``protocol`` (``websocket``, the default; ``http``; ``sse``) and the synthesis parameters declared in
        :class:`cosyclone.schema.synthesis_params.SynthesisOptions` (format, sample_rate, volume, rate, pitch,
        bit_rate, instruction, language_hints, seed, enable_ssml, word_timestamps), ``None`` meaning the default.
        For ``wav`` the first chunk is a streaming WAV header and the rest raw PCM.

        Raises:
            InvalidRequestError: before any call, for an empty text, a bad option or a model/voice mismatch.
            APIStatusError subclasses: a refused or failed task (ModelMismatchError, …), with its request_id.
            APIConnectionError: the connection failed or closed mid-stream.
        """
        job = self._job(text, **request)
        return _with_wav_header(job.opts, self._raw(text, job))

    def stream_text(self, chunks: Iterable[str], **request: Unpack[DuplexRequest]) -> Iterator[SpeechChunk]:
        """Duplex: speak text as it arrives from ``chunks`` (e.g. an LLM's output), over the WebSocket.

        Complete sentences are sent at once; a quiet source never trips the service's 23 s idle limit.
        Keywords: as :meth:`stream`, without ``protocol``.
        """
        job = self._job(None, **request)
        return _with_wav_header(job.opts, self._raw_text(chunks, job))

    def synthesize(self, text: str, **request: Unpack[SpeechRequest]) -> SpeechResult:
        """Synthesize ``text`` and return the whole audio with request ids, billed characters and sentences.
        Keywords: as :meth:`stream`."""
        job = self._job(text, **request)
        collector = Collector(job.opts, job.model, job.voice, keep_audio=True)
        for chunk in self._raw(text, job):
            collector.add(chunk)
        return collector.finish()

    def to_file(
        self, text: str | Iterable[str], path: str | os.PathLike[str], **request: Unpack[SpeechRequest]
    ) -> SpeechResult:
        """Synthesize into ``path``, written as ``path.part`` and renamed when complete (nothing under ``path`` if
        it fails). ``text`` may be an iterable of pieces (duplex). Keywords: as :meth:`stream`. Memory stays flat
        for any length — unless the file cannot be written (disk full): the synthesis then runs to its end and
        ResultNotWrittenError carries what was billed and the audio (kept in memory from then on)."""
        job = self._job(text if isinstance(text, str) else None, **request)
        chunks = self._raw(text, job) if isinstance(text, str) else self._raw_text(text, job)
        with ResultFile(path, job.opts, job.model, job.voice) as out:
            with contextlib.closing(chunks):
                for chunk in chunks:
                    out.add(chunk)
            out.commit()
        return out.result()


class SpeechStream:
    """The audio of an async synthesis as it arrives: iterate it with ``async for``; use ``async with`` (or
    :meth:`aclose`) to end it early — its connection is closed or returned at once, nothing left running."""

    def __init__(self, chunks: AsyncGenerator[SpeechChunk, None]) -> None:
        self._chunks = chunks

    def __aiter__(self) -> SpeechStream:
        return self

    async def __anext__(self) -> SpeechChunk:
        return await self._chunks.__anext__()

    async def aclose(self) -> None:
        await self._chunks.aclose()

    async def __aenter__(self) -> SpeechStream:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


async def _async_pieces(chunks: Iterable[str]) -> AsyncIterator[str]:
    for piece in chunks:
        yield piece


class AsyncSpeech(_SpeechBase):
    """Asynchronous synthesis, native asyncio (no worker thread). Get it as ``AsyncClient.speech``.

    Safe to use from many asyncio tasks at once: each stream takes a pooled connection (at most ``max_streams``
    at once; more wait for one to come free), and a finished stream gives it back for the next one.
    """

    def __init__(
        self, wiring: SpeechWiring, *, http: Callable[[], httpx.AsyncClient], max_streams: int = DEFAULT_MAX_STREAMS
    ) -> None:
        super().__init__(wiring)
        self._ws = AsyncWebSocketSynthesizer(
            url=wiring.ws_url, headers=wiring.headers, read_timeout_s=wiring.timeout_s, max_streams=max_streams
        )
        self._http = http

    async def aclose(self) -> None:
        """Close the pooled connections (streams still running close theirs when they end)."""
        await self._ws.aclose()

    async def _raw(self, text: str, job: _Job) -> AsyncGenerator[SpeechChunk, None]:
        policy, refusals = self.retry_policy, functools.partial(self._refusals.awatch, voice=job.voice, model=job.model)
        if job.protocol == "websocket":
            single = bool(job.opts.enable_ssml)
            run = functools.partial(
                self._ws.run, text, model=job.model, parameters=job.parameters, single_message=single
            )
            async with contextlib.aclosing(refusals(retrying_async(policy, run))) as attempts:
                async for chunk in attempts:
                    yield chunk
            return
        for piece in _http_pieces(text, job.opts):
            request = functools.partial(
                synthesize_http_async,
                self._http(),
                self._http_base_url,
                model=job.model,
                text=piece,
                parameters=job.parameters,
            )
            sse = job.protocol == "sse"
            async with contextlib.aclosing(
                refusals(retrying_async(policy, functools.partial(request, sse=sse)))
            ) as attempts:
                async for chunk in attempts:
                    yield chunk

    async def _raw_text(
        self, chunks: AsyncIterable[str] | Iterable[str], job: _Job
    ) -> AsyncGenerator[SpeechChunk, None]:
        pieces = chunks.__aiter__() if isinstance(chunks, AsyncIterable) else _async_pieces(chunks)
        source = AsyncTextSource(pieces)
        run = functools.partial(self._ws.run, source, model=job.model, parameters=job.parameters)
        attempts = self._refusals.awatch(
            retrying_async(self.retry_policy, run, source.restart), voice=job.voice, model=job.model
        )
        try:
            async with contextlib.aclosing(attempts):
                async for chunk in attempts:
                    yield chunk
        finally:
            await source.aclose()

    def stream(self, text: str, **request: Unpack[SpeechRequest]) -> SpeechStream:
        """Async twin of :meth:`Speech.stream` (checks made now, before any call): ``async for chunk in …``."""
        job = self._job(text, **request)
        return SpeechStream(_async_with_wav_header(job.opts, self._raw(text, job)))

    def stream_text(self, chunks: AsyncIterable[str] | Iterable[str], **request: Unpack[DuplexRequest]) -> SpeechStream:
        """Duplex: speak text as it arrives from ``chunks`` (e.g. an LLM's tokens from an async generator); audio
        is yielded as it arrives. Cancelling the consuming task (or leaving ``async with``) ends the task and
        closes its connection, leaving no socket or asyncio task behind. Keywords: as :meth:`Speech.stream`,
        without ``protocol``."""
        job = self._job(None, **request)
        return SpeechStream(_async_with_wav_header(job.opts, self._raw_text(chunks, job)))

    async def synthesize(self, text: str, **request: Unpack[SpeechRequest]) -> SpeechResult:
        """Async twin of :meth:`Speech.synthesize`."""
        job = self._job(text, **request)
        collector = Collector(job.opts, job.model, job.voice, keep_audio=True)
        async with contextlib.aclosing(self._raw(text, job)) as chunks:
            async for chunk in chunks:
                collector.add(chunk)
        return collector.finish()

    async def to_file(
        self,
        text: str | AsyncIterable[str] | Iterable[str],
        path: str | os.PathLike[str],
        **request: Unpack[SpeechRequest],
    ) -> SpeechResult:
        """Async twin of :meth:`Speech.to_file` (``text`` may also be an async iterable of pieces)."""
        job = self._job(text if isinstance(text, str) else None, **request)
        chunks = self._raw(text, job) if isinstance(text, str) else self._raw_text(text, job)
        with ResultFile(path, job.opts, job.model, job.voice) as out:
            async with contextlib.aclosing(chunks):
                async for chunk in chunks:
                    out.add(chunk)
            out.commit()
        return out.result()


async def _async_with_wav_header(
    opts: SpeechOptions, chunks: AsyncGenerator[SpeechChunk, None]
) -> AsyncGenerator[SpeechChunk, None]:
    header = _wav_header_chunk(opts)
    async with contextlib.aclosing(chunks):
        if header is not None:
            yield header
        async for chunk in chunks:
            yield chunk
