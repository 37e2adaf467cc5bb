"""HTTP transport over httpx — the client's one HTTP stack: one pooled ``httpx.Client`` / ``httpx.AsyncClient``
per client (the caller's ``http_client`` when given, with its proxy and TLS settings; else one made on first use,
which honours the proxy and certificate variables of the environment as httpx does), and the mapping of every
failure to the error tree. The only place the API key is put on the wire (the Authorization header).

A transport sends one exchange per :class:`~cosyclone.client._steps.Call` (``send_once``); repeats are decided by
the retry policy in the sans-I/O flows (:mod:`cosyclone.client._steps`). Kept light for CPU: each call's URL is
parsed once and cached, the JSON body is encoded once, compactly; on the client's own httpx client, a JSON call
with our key to a URL no proxy takes is handed straight to the httpcore pool under it — the pool httpx itself
would send it through — with the headers httpx would send, skipping httpx's request and response models (a third
of the CPU of a voice operation, measured). Uploads, proxied URLs and a caller's ``http_client`` go through httpx.
Imported by client/ only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import httpcore
import httpx
from pydantic import ValidationError

from cosyclone._config import APIKey, Endpoints
from cosyclone._exceptions import APIConnectionError, APITimeoutError, error_for
from cosyclone._version import __version__
from cosyclone.client._http_pool import OwnPool, async_client, sync_client
from cosyclone.client._retry import RetryPolicy, parse_retry_after
from cosyclone.client._stale_loop import discard_httpx_pool
from cosyclone.client._steps import Call
from cosyclone.schema.errors import ErrorEnvelope

log = logging.getLogger("cosyclone.http")
H = TypeVar("H", httpx.Client, httpx.AsyncClient)
DEFAULT_TIMEOUT_S = 30.0
USER_AGENT = f"cosyclone/{__version__}"
#: httpcore's failures, as httpx maps them to its TransportError (for calls handed to the pool directly).
_POOL_ERRORS = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.ProxyError,
    httpcore.UnsupportedProtocol,
)
_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpcore.ConnectError,
    httpcore.ConnectTimeout,
    httpcore.PoolTimeout,
)


def request_headers(key: APIKey, endpoints: Endpoints) -> dict[str, str]:
    """Headers of every authenticated request (the only place the key is put on the wire)."""
    headers = {
        "Authorization": f"Bearer {key.reveal()}",
        "User-Agent": USER_AGENT,
        "Accept": "application/json; charset=utf-8",
    }
    if endpoints.workspace:
        headers["X-DashScope-WorkSpace"] = endpoints.workspace
    return headers


def _body(call: Call) -> bytes | None:
    if call.json is None:
        return None
    return json.dumps(call.json, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def map_transport_error(error: Exception) -> APIConnectionError:
    """An httpx TransportError (or the httpcore error under it) as APIConnectionError / APITimeoutError."""
    sent = not isinstance(error, _NOT_SENT)
    if isinstance(error, (httpx.TimeoutException, httpcore.TimeoutException)):
        return APITimeoutError(f"the request timed out ({type(error).__name__})", request_sent=sent)
    return APIConnectionError(f"connection failed: {type(error).__name__}: {error}", request_sent=sent)


def _parse(response: httpx.Response, call: Call) -> Any:
    """The JSON of a 2xx reply, or raise the mapped APIStatusError."""
    raise_for_reply(response)
    return _json(response.content, call)


def _json(content: bytes, call: Call) -> Any:
    if not call.expect_json or not content:
        return {}
    try:
        return json.loads(content)
    except ValueError:
        raise APIConnectionError("the service sent a reply that is not JSON", request_sent=True) from None


def _oss_error(text: str) -> ErrorEnvelope | None:
    """OSS (the upload host) answers errors in XML: <Error><Code/><Message/><RequestId/></Error>."""
    if "<Error>" not in text:
        return None
    fields = {tag: re.search(rf"<{tag}>(.*?)</{tag}>", text, re.S) for tag in ("Code", "Message", "RequestId")}
    found = {tag: (m.group(1).strip() if m else "") for tag, m in fields.items()}
    return ErrorEnvelope(code=found["Code"] or "Unknown", message=found["Message"], request_id=found["RequestId"])


def raise_for_reply(response: httpx.Response) -> None:
    """Raise the mapped APIStatusError for a non-2xx reply (its body must have been read)."""
    if response.is_success:
        return
    try:
        envelope = ErrorEnvelope.model_validate(response.json())
    except (ValueError, ValidationError):
        envelope = _oss_error(response.text) or ErrorEnvelope(code="Unknown", message=response.text[:300])
    raise error_for(
        status_code=response.status_code,
        code=envelope.code,
        message=envelope.message,
        request_id=envelope.request_id or response.headers.get("x-request-id", ""),
        retry_after_s=parse_retry_after(response.headers.get("retry-after")),
    )


class _TransportBase(Generic[H]):
    """What both transports share: settings, the retry policy, and turning a call into a request."""

    def __init__(
        self,
        *,
        key: APIKey,
        endpoints: Endpoints,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_retries: int = 2,
        http_client: H | None = None,
    ) -> None:
        # The httpx client: the caller's, else made on first use (an httpx client loads its TLS certificates when
        # made, ~50 ms of CPU, which a client that only speaks over the WebSocket never needs).
        self._http: H | None = http_client
        self._given: H | None = http_client
        self._own = http_client is None
        self._http_lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.endpoints = endpoints
        self.max_retries = max_retries
        self.timeout_s = timeout_s
        self.retry_policy = RetryPolicy(max_retries=max_retries)
        self._make_headers: Callable[[], dict[str, str]] = lambda: request_headers(key, endpoints)
        self._base = endpoints.http_base_url.rstrip("/")
        self._urls: dict[str, httpx.URL] = {}
        self._own_headers = {"Accept-Encoding": "gzip, deflate", "Connection": "keep-alive", **self._make_headers()}
        self._pool_headers = [(name.encode(), value.encode()) for name, value in self._own_headers.items()]
        self._own_pool: OwnPool[Any] | None = None  # the httpcore pool under our own httpx client
        self._extensions = {"timeout": httpx.Timeout(timeout_s).as_dict()}
        if http_client is not None:
            http_client.headers.update(self._make_headers())

    def _url(self, call: Call) -> httpx.URL:
        """The call's URL, parsed once per path (httpx parses a string URL on every request)."""
        target = call.absolute_url or f"{self._base}/{call.path.lstrip('/')}"
        url = self._urls.get(target)
        if url is None:
            url = httpx.URL(target)
            if len(self._urls) < 64 and call.absolute_url is None:
                self._urls[target] = url
        return url

    def _request(self, http: httpx.Client | httpx.AsyncClient, call: Call) -> httpx.Request:
        """The httpx request for ``call``. On the client's own httpx client it is made directly (its headers and
        timeout are ours, known in advance: httpx's merging of client and request settings is skipped); on a
        caller's ``http_client`` through ``build_request``, so that its own settings apply."""
        headers = {**call.headers, "Content-Type": "application/json"} if call.json is not None else call.headers
        if http is self._given:
            request = http.build_request(
                call.method,
                self._url(call),
                headers=headers,
                content=_body(call),
                params=call.params,
                data=call.data,
                files=call.files,
            )
        else:
            request = httpx.Request(
                call.method,
                self._url(call),
                headers={**self._own_headers, **headers},
                content=_body(call),
                params=call.params,
                data=call.data,
                files=call.files,
                extensions=self._extensions,
            )
        if not call.authenticated:
            # A pre-signed upload goes to another host: it must not carry our key.
            del request.headers["Authorization"]
        return request

    def _route(self, http: httpx.Client | httpx.AsyncClient, call: Call) -> tuple[httpx.Request, Any]:
        request = self._request(http, call)
        return request, self._transport_for(http, request)

    def _transport_for(self, http: httpx.Client | httpx.AsyncClient, request: httpx.Request) -> Any:
        """The httpx transport the client's own httpx client would use for ``request`` (its proxy transport when
        the environment names a proxy for that URL, else its pool), or None for a caller's ``http_client``.

        The client's own httpx client has no auth, cookies, event hooks or redirect following to apply, so its
        transport is called directly: ``Client.send``'s bookkeeping for those was 40 % of the CPU of a voice
        operation (profiled). A caller's client always goes through ``send``, so everything it sets applies.
        """
        if http is self._given:
            return None
        pick = getattr(http, "_transport_for_url", None)  # httpx's own choice between its mounts and its pool
        return pick(request.url) if pick is not None else None

    def _outcome(self, call: Call, response: httpx.Response, started: float) -> Any:
        _log(call, response.status_code, started)
        return _parse(response, call)

    def _pool_call(self, call: Call) -> tuple[Any, dict[str, Any]] | None:
        """``call`` as the arguments of ``request`` on our own httpcore pool, when it can be handed there directly
        (see the module docstring): the headers, body and timeout httpx would send."""
        own = self._own_pool
        if own is None or call.params or call.data or call.files or call.absolute_url or not call.authenticated:
            return None
        target = own.target(f"{self._base}/{call.path.lstrip('/')}")
        if target is None or own.pool is None:
            return None
        body = _body(call) or b""
        given = dict(call.headers)
        if call.json is not None:
            given["Content-Type"] = "application/json"
        overridden = {name.lower().encode() for name in given}  # the call's headers replace ours, as in _request
        headers = [header for header in self._pool_headers if header[0].lower() not in overridden]
        headers.append((b"Host", target.host))
        if body or call.method == "POST":
            headers.append((b"Content-Length", str(len(body)).encode()))
        headers += [(name.encode(), value.encode()) for name, value in given.items()]
        return own.pool, {
            "method": call.method,
            "url": target.url,
            "headers": headers,
            "content": body,
            "extensions": self._extensions,
        }

    def _pool_outcome(self, call: Call, response: httpcore.Response, started: float) -> Any:
        """:meth:`_outcome` for a reply read from the pool: a plain 2xx JSON reply parsed as it is, anything else
        (an error, an encoded body) through httpx's response model, which decodes it as httpx would have."""
        headers = response.headers
        if 200 <= response.status < 300 and not any(name.lower() == b"content-encoding" for name, _ in headers):
            _log(call, response.status, started)
            return _json(response.content, call)
        return self._outcome(call, httpx.Response(response.status, headers=headers, content=response.content), started)


class SyncTransport(_TransportBase[httpx.Client]):
    def send_once(self, call: Call) -> Any:
        """One exchange: the parsed JSON of a 2xx reply, else the mapped error (no retry here)."""
        started, http = time.perf_counter(), self.http
        direct = self._pool_call(call)
        try:
            if direct is not None:
                pool, arguments = direct
                return self._pool_outcome(call, pool.request(**arguments), started)
            request, transport = self._route(http, call)
            response = http.send(request) if transport is None else _read(transport.handle_request(request))
        except (httpx.TransportError, *_POOL_ERRORS) as error:
            raise map_transport_error(error) from None
        return self._outcome(call, response, started)

    @property
    def http(self) -> httpx.Client:
        """The pooled httpx client (authenticated), also for callers that stream (HTTP synthesis)."""
        if self._http is None:
            with self._http_lock:
                if self._http is None:
                    self._http, self._own_pool = sync_client(timeout_s=self.timeout_s, headers=self._make_headers())
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()


class AsyncTransport(_TransportBase[httpx.AsyncClient]):
    async def send_once(self, call: Call) -> Any:
        """One exchange: the parsed JSON of a 2xx reply, else the mapped error (no retry here)."""
        started, http = time.perf_counter(), self.http
        direct = self._pool_call(call)
        try:
            if direct is not None:
                pool, arguments = direct
                return self._pool_outcome(call, await pool.request(**arguments), started)
            request, transport = self._route(http, call)
            response = await (http.send(request) if transport is None else _aread(transport, request))
        except (httpx.TransportError, *_POOL_ERRORS) as error:
            raise map_transport_error(error) from None
        return self._outcome(call, response, started)

    @property
    def http(self) -> httpx.AsyncClient:
        """The pooled httpx client (authenticated), also for callers that stream (HTTP synthesis)."""
        loop = asyncio.get_running_loop()
        if self._own and self._http is not None and loop is not self._loop:
            # A new event loop (e.g. a second asyncio.run): connections of the old one cannot be used here.
            discard_httpx_pool(self._http)
            self._http, self._own_pool = None, None
        if self._http is None:
            self._http, self._own_pool = async_client(timeout_s=self.timeout_s, headers=self._make_headers())
        self._loop = loop
        return self._http

    async def aclose(self) -> None:
        if self._http is None:
            return
        if self._own and self._loop is not asyncio.get_running_loop():
            discard_httpx_pool(self._http)
        else:
            await self._http.aclose()


def _read(response: httpx.Response) -> httpx.Response:
    """``response`` read whole, its connection given back to the pool."""
    try:
        response.read()
    finally:
        response.close()
    return response


async def _aread(transport: httpx.AsyncBaseTransport, request: httpx.Request) -> httpx.Response:
    """:func:`_read` for an async transport's reply to ``request``."""
    response = await transport.handle_async_request(request)
    try:
        await response.aread()
    finally:
        await response.aclose()
    return response


def _log(call: Call, status: int, started: float) -> None:
    if log.isEnabledFor(logging.DEBUG):
        action = (call.json or {}).get("input", {}).get("action", "") if call.json else ""
        log.debug(
            "%s %s %s -> %d in %.0f ms",
            call.method,
            call.absolute_url or call.path,
            action,
            status,
            (time.perf_counter() - started) * 1000,
        )
