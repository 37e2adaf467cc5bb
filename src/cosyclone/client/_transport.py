"""HTTP transport over httpx: one connection pool per client, retries, and the mapping of every failure to
the error tree. The only place the API key is put on the wire (the Authorization header). Imported by client/.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
from pydantic import ValidationError

from cosyclone._config import APIKey, Endpoints
from cosyclone._exceptions import APIConnectionError, APIStatusError, APITimeoutError, error_for
from cosyclone._version import __version__
from cosyclone.client import _fast_http
from cosyclone.client._http11 import Reply
from cosyclone.client._retry import RetryPolicy, parse_retry_after
from cosyclone.client._steps import Call
from cosyclone.schema.errors import ErrorEnvelope

log = logging.getLogger("cosyclone.http")
DEFAULT_TIMEOUT_S = 30.0
USER_AGENT = f"cosyclone/{__version__}"


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


def _request_kwargs(call: Call, base_url: str) -> dict[str, Any]:
    url = call.absolute_url or f"{base_url}/{call.path.lstrip('/')}"
    kwargs: dict[str, Any] = {"method": call.method, "url": url, "headers": call.headers}
    if call.json is not None:
        kwargs["json"] = call.json
    if call.params is not None:
        kwargs["params"] = call.params
    if call.data is not None:
        kwargs["data"] = call.data
    if call.files is not None:
        kwargs["files"] = call.files
    return kwargs


def _build(client: httpx.Client | httpx.AsyncClient, call: Call, base_url: str) -> httpx.Request:
    request = client.build_request(**_request_kwargs(call, base_url))
    if not call.authenticated:
        # A pre-signed upload goes to another host: it must not carry our key.
        del request.headers["Authorization"]
    return request


def map_transport_error(error: httpx.TransportError) -> APIConnectionError:
    sent = not isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(f"the request timed out ({type(error).__name__})", request_sent=sent)
    return APIConnectionError(f"connection failed: {type(error).__name__}: {error}", request_sent=sent)


Response = httpx.Response | Reply


def _parse(response: Response, call: Call) -> Any:
    """The JSON of a 2xx reply, or raise the mapped APIStatusError."""
    raise_for_reply(response)
    if not call.expect_json or not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        raise APIConnectionError("the service sent a reply that is not JSON", request_sent=True) from None


def _oss_error(text: str) -> ErrorEnvelope | None:
    """OSS (the upload host) answers errors in XML: <Error><Code/><Message/><RequestId/></Error>."""
    if "<Error>" not in text:
        return None
    fields = {tag: re.search(rf"<{tag}>(.*?)</{tag}>", text, re.S) for tag in ("Code", "Message", "RequestId")}
    found = {tag: (m.group(1).strip() if m else "") for tag, m in fields.items()}
    return ErrorEnvelope(code=found["Code"] or "Unknown", message=found["Message"], request_id=found["RequestId"])


def raise_for_reply(response: Response) -> None:
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


class _TransportBase:
    """What both transports share: settings, and the decision to retry."""

    def __init__(self, *, endpoints: Endpoints, timeout_s: float, max_retries: int) -> None:
        self.endpoints = endpoints
        self.max_retries = max_retries
        self.timeout_s = timeout_s
        self.retry_policy = RetryPolicy(max_retries=max_retries)

    def _delay_before_retry(self, error: APIStatusError | APIConnectionError, call: Call, attempt: int) -> float | None:
        """Seconds to wait before repeating ``call`` after ``error``, or None to give up and raise."""
        return None if call.retry == "none" else self.retry_policy.delay(error, attempt)

    def _outcome(self, call: Call, response: Response, started: float) -> Any:
        _log(call, response, started)
        return _parse(response, call)


class SyncTransport(_TransportBase):
    def __init__(
        self,
        *,
        key: APIKey,
        endpoints: Endpoints,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_retries: int = 2,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(endpoints=endpoints, timeout_s=timeout_s, max_retries=max_retries)
        headers = request_headers(key, endpoints)
        self._fast = (
            _fast_http.SyncChannel(endpoints.http_base_url, headers, timeout_s)
            if http_client is None and _fast_http.usable(endpoints.http_base_url)
            else None
        )
        # Made on first use (uploads, HTTP synthesis): an httpx client loads its TLS certificates when made
        # (~50 ms of CPU), which a client that only manages voices or speaks over the WebSocket never needs.
        self._http: httpx.Client | None = None
        self._http_lock = threading.Lock()
        self._http_given = http_client
        self._make_headers: Callable[[], dict[str, str]] = lambda: request_headers(key, endpoints)
        if http_client is not None:
            http_client.headers.update(headers)

    def send(self, call: Call) -> Any:
        attempt = 0
        while True:
            started = time.perf_counter()
            try:
                try:
                    if self._fast is not None and _fast_http.handles(call):
                        response: Response = self._fast.request(call)
                    else:
                        http = self.http
                        response = http.send(_build(http, call, self.endpoints.http_base_url))
                except httpx.TransportError as error:
                    raise map_transport_error(error) from None
                return self._outcome(call, response, started)
            except (APIStatusError, APIConnectionError) as error:
                delay = self._delay_before_retry(error, call, attempt)
                if delay is None:
                    raise
                time.sleep(delay)
                attempt += 1

    @property
    def http(self) -> httpx.Client:
        """The pooled httpx client (authenticated), for callers that stream (HTTP synthesis)."""
        if self._http is None:
            with self._http_lock:
                if self._http is None:
                    made = self._http_given or httpx.Client(timeout=self.timeout_s, headers=self._make_headers())
                    self._http = made
        return self._http

    def close(self) -> None:
        if self._fast is not None:
            self._fast.close()
        if self._http is not None:
            self._http.close()
        elif self._http_given is not None:
            self._http_given.close()


class AsyncTransport(_TransportBase):
    def __init__(
        self,
        *,
        key: APIKey,
        endpoints: Endpoints,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_retries: int = 2,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(endpoints=endpoints, timeout_s=timeout_s, max_retries=max_retries)
        headers = request_headers(key, endpoints)
        self._fast = (
            _fast_http.AsyncChannel(endpoints.http_base_url, headers, timeout_s)
            if http_client is None and _fast_http.usable(endpoints.http_base_url)
            else None
        )
        self._http: httpx.AsyncClient | None = http_client  # else made on first use (see SyncTransport)
        self._make_headers: Callable[[], dict[str, str]] = lambda: request_headers(key, endpoints)
        if http_client is not None:
            http_client.headers.update(headers)

    async def send(self, call: Call) -> Any:
        attempt = 0
        while True:
            started = time.perf_counter()
            try:
                try:
                    if self._fast is not None and _fast_http.handles(call):
                        response: Response = await self._fast.request(call)
                    else:
                        http = self.http
                        response = await http.send(_build(http, call, self.endpoints.http_base_url))
                except httpx.TransportError as error:
                    raise map_transport_error(error) from None
                return self._outcome(call, response, started)
            except (APIStatusError, APIConnectionError) as error:
                delay = self._delay_before_retry(error, call, attempt)
                if delay is None:
                    raise
                await asyncio.sleep(delay)
                attempt += 1

    @property
    def http(self) -> httpx.AsyncClient:
        """The pooled httpx client (authenticated), for callers that stream (HTTP synthesis)."""
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self.timeout_s, headers=self._make_headers())
        return self._http

    async def aclose(self) -> None:
        if self._fast is not None:
            await self._fast.aclose()
        if self._http is not None:
            await self._http.aclose()


def _log(call: Call, response: Response, started: float) -> None:
    if log.isEnabledFor(logging.DEBUG):
        action = (call.json or {}).get("input", {}).get("action", "") if call.json else ""
        log.debug(
            "%s %s %s -> %d in %.0f ms",
            call.method,
            call.absolute_url or call.path,
            action,
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
