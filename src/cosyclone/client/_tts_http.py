"""HTTP synthesis drivers (``POST …/services/audio/tts/SpeechSynthesizer``, contract §6): plain (an audio URL to
download) or SSE (base64 audio per sentence), over ``httpx.Client`` and ``httpx.AsyncClient``. The request body
and the SSE event stream are read by :mod:`cosyclone.client._tts_protocol`. Imported by client/ only.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator

import httpx
from pydantic import ValidationError

from cosyclone._exceptions import APIConnectionError
from cosyclone.client._transport import map_transport_error, raise_for_reply
from cosyclone.client._tts_protocol import SpeechChunk, SseParser, http_body, http_result_chunks
from cosyclone.schema.synthesis import SYNTHESIS_PATH, HttpSynthesisResponse, SynthesisParameters

SSE_HEADERS = {"X-DashScope-SSE": "enable", "Accept": "text/event-stream"}


def _audio_url(response: httpx.Response) -> tuple[HttpSynthesisResponse, str]:
    raise_for_reply(response)
    reply = HttpSynthesisResponse.model_validate(response.json())
    audio_url = reply.output.audio.url if reply.output.audio else None
    if not audio_url:
        raise APIConnectionError("the service replied without an audio URL")
    return reply, audio_url


def _download_request(http: httpx.Client | httpx.AsyncClient, audio_url: str) -> httpx.Request:
    request = http.build_request("GET", audio_url)
    del request.headers["Authorization"]  # a pre-signed URL on another host: never send it our key
    return request


def _unreadable(error: ValidationError) -> APIConnectionError:
    return APIConnectionError(f"the service sent a reply we cannot read: {error.errors()[0]['msg']}")


def synthesize_http(
    http: httpx.Client, base_url: str, *, model: str, text: str, parameters: SynthesisParameters, sse: bool
) -> Generator[SpeechChunk, None, None]:
    """One HTTP synthesis call; yields the same chunks as the WebSocket driver."""
    url = f"{base_url}/{SYNTHESIS_PATH}"
    body = http_body(model, text, parameters)
    try:
        if not sse:
            reply, audio_url = _audio_url(http.post(url, json=body))
            download = http.send(_download_request(http, audio_url))
            download.raise_for_status()
            yield from http_result_chunks(reply, download.content)
            return
        with http.stream("POST", url, json=body, headers=SSE_HEADERS) as response:
            if not response.is_success:
                response.read()
                raise_for_reply(response)
            parser = SseParser()
            for line in response.iter_lines():
                yield from parser.feed(line)
                if parser.done:
                    break
            yield from parser.finish()
    except httpx.TransportError as error:
        raise map_transport_error(error) from None
    except ValidationError as error:
        raise _unreadable(error) from None


async def synthesize_http_async(
    http: httpx.AsyncClient, base_url: str, *, model: str, text: str, parameters: SynthesisParameters, sse: bool
) -> AsyncGenerator[SpeechChunk, None]:
    """Async twin of :func:`synthesize_http`, over ``httpx.AsyncClient`` (no worker thread)."""
    url = f"{base_url}/{SYNTHESIS_PATH}"
    body = http_body(model, text, parameters)
    try:
        if not sse:
            reply, audio_url = _audio_url(await http.post(url, json=body))
            download = await http.send(_download_request(http, audio_url))
            download.raise_for_status()
            for chunk in http_result_chunks(reply, download.content):
                yield chunk
            return
        async with http.stream("POST", url, json=body, headers=SSE_HEADERS) as response:
            if not response.is_success:
                await response.aread()
                raise_for_reply(response)
            parser = SseParser()
            async for line in response.aiter_lines():
                for chunk in parser.feed(line):
                    yield chunk
                if parser.done:
                    break
            for chunk in parser.finish():
                yield chunk
    except httpx.TransportError as error:
        raise map_transport_error(error) from None
    except ValidationError as error:
        raise _unreadable(error) from None
