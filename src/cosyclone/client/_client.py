"""``Client`` and ``AsyncClient``: configuration resolved once, one connection pool, resources on top."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

import httpx

from cosyclone._config import APIKey, Endpoints, account_fingerprint, resolve_api_key, resolve_endpoints
from cosyclone.client._retry import DEFAULT_MAX_RETRIES
from cosyclone.client._transport import DEFAULT_TIMEOUT_S, AsyncTransport, SyncTransport, request_headers
from cosyclone.client.speech import AsyncSpeech, Speech
from cosyclone.client.uploads import AsyncUploads, Uploads
from cosyclone.client.voices import AsyncVoices, Voices

if TYPE_CHECKING:
    from cosyclone.registry import VoiceRegistry


class _Settings:
    def __init__(
        self,
        api_key: str | None,
        region: str | None,
        base_url: str | None,
        ws_url: str | None,
        workspace: str | None,
    ) -> None:
        self.key: APIKey = resolve_api_key(api_key)
        self.endpoints: Endpoints = resolve_endpoints(
            region=region, base_url=base_url, ws_url=ws_url, workspace=workspace
        )


def _speech(settings: _Settings, http: httpx.Client, timeout: float, registry: VoiceRegistry | None) -> Speech:
    def lookup(voice_id: str) -> str | None:
        record = registry.get(voice_id) if registry is not None else None
        return record.target_model if record is not None else None

    return Speech(
        ws_url=settings.endpoints.ws_url,
        http_base_url=settings.endpoints.http_base_url,
        headers=request_headers(settings.key, settings.endpoints),
        http=http,
        timeout_s=timeout,
        model_lookup=lookup,
    )


class Client:
    """Synchronous CosyVoice client.

    Args:
        api_key: the DashScope key; else looked up (env, key files, Alibaba Cloud credentials file).
        region: ``cn-beijing`` (default) or ``ap-southeast-1``.
        base_url: HTTP base (``…/api/v1``), e.g. an emulator's; the WebSocket URL follows it.
        ws_url: WebSocket URL, if it does not follow ``base_url``.
        workspace: Model Studio workspace id.
        timeout: seconds per HTTP request.
        max_retries: retries of idempotent calls (and of create when the service certainly did not act).
        registry: a VoiceRegistry, so that synthesis takes each cloned voice's model from it.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        region: str | None = None,
        base_url: str | None = None,
        ws_url: str | None = None,
        workspace: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.Client | None = None,
        registry: VoiceRegistry | None = None,
    ) -> None:
        settings = _Settings(api_key, region, base_url, ws_url, workspace)
        self.endpoints = settings.endpoints
        self.region = settings.endpoints.region
        self._key = settings.key
        self.timeout = timeout
        self._transport = SyncTransport(
            key=settings.key,
            endpoints=settings.endpoints,
            timeout_s=timeout,
            max_retries=max_retries,
            http_client=http_client,
        )
        self.uploads = Uploads(self._transport)
        self.voices = Voices(self._transport, self.uploads, region=self.region)
        self.speech = _speech(settings, self._transport.http, timeout, registry)

    @property
    def api_key_source(self) -> str:
        """Where the key came from (never the key)."""
        return self._key.source

    @property
    def account(self) -> str:
        """A non-reversible fingerprint of the key's account (for the registry; never the key)."""
        return account_fingerprint(self._key.reveal())

    def close(self) -> None:
        self.speech.close()
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncClient:
    """Asynchronous twin of :class:`Client` (same arguments)."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        region: str | None = None,
        base_url: str | None = None,
        ws_url: str | None = None,
        workspace: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
        registry: VoiceRegistry | None = None,
    ) -> None:
        settings = _Settings(api_key, region, base_url, ws_url, workspace)
        self.endpoints = settings.endpoints
        self.region = settings.endpoints.region
        self._key = settings.key
        self.timeout = timeout
        self._transport = AsyncTransport(
            key=settings.key,
            endpoints=settings.endpoints,
            timeout_s=timeout,
            max_retries=max_retries,
            http_client=http_client,
        )
        self.uploads = AsyncUploads(self._transport)
        self.voices = AsyncVoices(self._transport, self.uploads, region=self.region)
        # Synthesis runs the synchronous driver in worker threads (see AsyncSpeech), with its own pool.
        self._speech_http = httpx.Client(timeout=timeout, headers=request_headers(settings.key, settings.endpoints))
        self.speech = AsyncSpeech(_speech(settings, self._speech_http, timeout, registry))

    @property
    def api_key_source(self) -> str:
        return self._key.source

    @property
    def account(self) -> str:
        return account_fingerprint(self._key.reveal())

    async def close(self) -> None:
        self.speech.close()
        self._speech_http.close()
        await self._transport.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
