"""``Client`` and ``AsyncClient``: configuration resolved once, one connection pool, resources on top."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, TypedDict, TypeVar

import httpx
from typing_extensions import Unpack

from cosyclone._config import Endpoints, account_fingerprint, resolve_api_key, resolve_endpoints
from cosyclone.client._refusal import RefusalJudge
from cosyclone.client._retry import DEFAULT_MAX_RETRIES, RetryPolicy
from cosyclone.client._transport import DEFAULT_TIMEOUT_S, AsyncTransport, SyncTransport, request_headers
from cosyclone.client._tts_ws_async import DEFAULT_MAX_STREAMS
from cosyclone.client.speech import AsyncSpeech, Speech, SpeechWiring
from cosyclone.client.uploads import AsyncUploads, Uploads
from cosyclone.client.voices import AsyncVoices, Voices

if TYPE_CHECKING:
    from cosyclone.client.types import Voice
    from cosyclone.registry import VoiceRegistry


log = logging.getLogger("cosyclone.client")
T = TypeVar("T", SyncTransport, AsyncTransport)
_logged: list[str] = []


def _log_endpoints(endpoints: Endpoints) -> None:
    """Say (``--verbose``) which URLs are used and where each came from; once per distinct setting."""
    line = endpoints.sources()
    if log.isEnabledFor(logging.DEBUG) and line not in _logged:
        _logged.append(line)
        log.debug("%s", line)


class ClientSettingsDict(TypedDict, total=False):
    """The settings both clients take, by keyword (their defaults and meaning: :class:`Client`)."""

    api_key: str | None
    region: str | None
    base_url: str | None
    ws_url: str | None
    workspace: str | None
    timeout: float
    max_retries: int
    registry: VoiceRegistry | None


class _ClientBase:
    """Settings shared by both clients: the key (kept private), endpoints, region and timeout.

    Args:
        api_key: the DashScope key; else looked up (env, key files, Alibaba Cloud credentials file).
        region: ``cn-beijing`` (default) or ``ap-southeast-1``.
        base_url: HTTP base (``…/api/v1``), e.g. an emulator's; else ``DASHSCOPE_BASE_URL`` and friends.
        ws_url: WebSocket URL; else ``DASHSCOPE_WEBSOCKET_BASE_URL``; else the host of a configured HTTP base
            URL (never the public host for a local base), else the region's.
        workspace: Model Studio workspace id.
        timeout: seconds per HTTP request (and per WebSocket read).
        max_retries: retries of idempotent calls (and of create when the service certainly did not act).
        registry: a VoiceRegistry, so that synthesis takes each cloned voice's model from it.
        http_client: an ``httpx.Client`` (``httpx.AsyncClient`` for AsyncClient) to send every HTTP call through,
            with its own proxy, TLS settings and hooks; else the client makes and pools its own.
        max_speech_streams: (AsyncClient) how many synthesis streams may run at once, one pooled WebSocket
            connection each (a finished stream's connection is reused by the next); more wait for a free one.

    ``retry_policy`` (a :class:`~cosyclone.client._retry.RetryPolicy`): the one retry policy of this client —
    voice operations, uploads and synthesis before its first audio all follow it; ``batch`` uses it too.
    """

    retry_policy: RetryPolicy

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
        registry: VoiceRegistry | None = None,
    ) -> None:
        self._key = resolve_api_key(api_key)
        self.endpoints = resolve_endpoints(region=region, base_url=base_url, ws_url=ws_url, workspace=workspace)
        _log_endpoints(self.endpoints)
        self.region = self.endpoints.region
        self.timeout = timeout
        self.max_retries = max_retries
        self._registry = registry

    @property
    def api_key_source(self) -> str:
        """Where the key came from (never the key)."""
        return self._key.source

    @property
    def account(self) -> str:
        """A non-reversible fingerprint of the key's account (for the registry; never the key)."""
        return account_fingerprint(self._key.reveal())

    def _connect(self, kind: Callable[..., T], http_client: httpx.Client | httpx.AsyncClient | None) -> T:
        """This client's HTTP transport (its one connection pool, the caller's ``http_client`` when given); its
        retry policy becomes the client's."""
        transport = kind(
            key=self._key,
            endpoints=self.endpoints,
            timeout_s=self.timeout,
            max_retries=self.max_retries,
            http_client=http_client,
        )
        self.retry_policy = transport.retry_policy
        return transport

    def _headers(self) -> dict[str, str]:
        return request_headers(self._key, self.endpoints)

    def _speech_wiring(self, judge: RefusalJudge) -> SpeechWiring:
        """What both speech fronts are built from (after ``retry_policy`` is set from the transport)."""
        return SpeechWiring(
            ws_url=self.endpoints.ws_url,
            http_base_url=self.endpoints.http_base_url,
            headers=self._headers(),
            timeout_s=self.timeout,
            model_lookup=judge.model_for,
            retry_policy=self.retry_policy,
            refusals=judge,
        )

    def _refusal_judge(
        self, *, query: Callable[[str], Voice] | None = None, aquery: Callable[[str], Awaitable[Voice]] | None = None
    ) -> RefusalJudge:
        """Tells why a synthesis was refused, from the registry and at most one ``query_voice``."""
        return RefusalJudge(registry=self._registry, account=lambda: self.account, query=query, aquery=aquery)


class Client(_ClientBase):
    __doc__ = "Synchronous CosyVoice client.\n" + (_ClientBase.__doc__ or "").split("\n", 1)[1]

    def __init__(self, *, http_client: httpx.Client | None = None, **settings: Unpack[ClientSettingsDict]) -> None:
        super().__init__(**settings)
        self._transport = transport = self._connect(SyncTransport, http_client)
        self.uploads = Uploads(transport)
        self.voices = Voices(transport, self.uploads, region=self.region)
        self.speech = Speech(
            self._speech_wiring(self._refusal_judge(query=self.voices.get)), http=lambda: transport.http
        )

    def close(self) -> None:
        self.speech.close()
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncClient(_ClientBase):
    __doc__ = "Asynchronous CosyVoice client.\n" + (_ClientBase.__doc__ or "").split("\n", 1)[1]

    def __init__(
        self,
        *,
        http_client: httpx.AsyncClient | None = None,
        max_speech_streams: int = DEFAULT_MAX_STREAMS,
        **settings: Unpack[ClientSettingsDict],
    ) -> None:
        super().__init__(**settings)
        self._transport = transport = self._connect(AsyncTransport, http_client)
        self.uploads = AsyncUploads(transport)
        self.voices = AsyncVoices(transport, self.uploads, region=self.region)
        judge = self._refusal_judge(aquery=self.voices.get)
        self.speech = AsyncSpeech(
            self._speech_wiring(judge), http=lambda: transport.http, max_streams=max_speech_streams
        )

    async def close(self) -> None:
        await self.speech.aclose()
        await self._transport.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
