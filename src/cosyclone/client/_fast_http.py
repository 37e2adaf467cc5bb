"""Keep-alive connections for the small JSON calls of voice operations, over the codec in
:mod:`cosyclone.client._http11`: a blocking channel (sockets, thread-safe) and an asyncio one (streams).

Used by the transports when nothing asks for httpx's features: no ``http_client`` of the caller's, no proxy in
the environment, and a call with a JSON body or none (uploads' multipart forms and pre-signed URLs go through
httpx). A kept connection is checked before it is reused — one the server has closed meanwhile (readable while
idle: end of stream) is dropped for a new one, as httpcore does; a request is never sent a second time here
(after a failure the transport's retry policy, or create's reconciliation, decides). Failures map to the same
errors as httpx's.
Imported by client/_transport.py only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import select
import socket
import ssl
import sys
import threading
from typing import Any
from urllib.parse import urlencode

import httpx

from cosyclone._exceptions import APIConnectionError, APITimeoutError
from cosyclone.client._http11 import ProtocolError, Reply, ResponseReader, encode_request, header_lines
from cosyclone.client._steps import Call

#: The variables that make httpx and websockets use a proxy (then the fast channel stands aside).
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
_READ_SIZE = 65536


def usable(base_url: str) -> bool:
    """Whether the fast channel can serve ``base_url`` as httpx would (plain or TLS, and no proxy to honour)."""
    return base_url.startswith(("http://", "https://")) and not any(os.environ.get(v) for v in PROXY_VARIABLES)


def handles(call: Call) -> bool:
    """Whether ``call`` is one the fast channel sends (a JSON call to the API, with our key)."""
    return call.files is None and call.data is None and call.absolute_url is None and call.authenticated


class _Head:
    """The header lines every request carries — the key among them, so never shown."""

    __slots__ = ("value",)

    def __init__(self, value: bytes) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<request headers>"


class _ChannelBase:
    def __init__(self, base_url: str, headers: dict[str, str], timeout_s: float) -> None:
        url = httpx.URL(base_url)
        self.tls = url.scheme == "https"
        self.host = url.host
        self.port = url.port or (443 if self.tls else 80)
        self.timeout_s = timeout_s
        self._prefix = url.raw_path.decode("ascii").rstrip("/")
        host = self.host if url.port is None else f"{self.host}:{url.port}"
        self._head = _Head(header_lines({"Host": host, **headers}))
        self._json_head = _Head(self._head.value + b"Content-Type: application/json\r\n")
        self._ssl: ssl.SSLContext | None = None

    def ssl_context(self) -> ssl.SSLContext | None:
        if self.tls and self._ssl is None:
            self._ssl = httpx.create_ssl_context()
        return self._ssl

    def encode(self, call: Call) -> bytes:
        target = f"{self._prefix}/{call.path.lstrip('/')}"
        if call.params:
            target += "?" + urlencode(call.params)
        extra = header_lines(call.headers) if call.headers else b""
        if call.json is None:
            return encode_request(call.method, target, self._head.value + extra, None)
        body = json.dumps(call.json, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
        return encode_request(call.method, target, self._json_head.value + extra, body)


def _still_open(sock: socket.socket) -> bool:
    """Whether an idle kept connection can carry a request: readable while idle means the server closed it (or
    sent something unasked); either way it is not reused."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


def discard_stale(transport: asyncio.WriteTransport | asyncio.Transport | None) -> None:
    """Close the socket under a connection of an event loop that is no longer running (it cannot be closed the
    usual way: that needs its loop)."""
    if transport is None:
        return
    wrapper = transport.get_extra_info("socket")
    with contextlib.suppress(Exception):
        transport.abort()  # marks it closing; its loop being closed, the socket itself stays open
    sock = getattr(wrapper, "_sock", wrapper)  # asyncio hands out a TransportSocket wrapping the real socket
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.close()


def _connect_error(error: BaseException) -> APIConnectionError:
    if isinstance(error, TimeoutError):
        return APITimeoutError("the request timed out (ConnectTimeout)", request_sent=False)
    return APIConnectionError(f"connection failed: ConnectError: {error}", request_sent=False)


def _exchange_error(error: BaseException) -> APIConnectionError:
    if isinstance(error, TimeoutError):
        return APITimeoutError("the request timed out (ReadTimeout)", request_sent=True)
    name = "RemoteProtocolError" if isinstance(error, ProtocolError) else type(error).__name__
    return APIConnectionError(f"connection failed: {name}: {error}", request_sent=True)


class SyncChannel(_ChannelBase):
    """Blocking keep-alive connections, shared safely by threads."""

    def __init__(self, base_url: str, headers: dict[str, str], timeout_s: float) -> None:
        super().__init__(base_url, headers, timeout_s)
        self._idle: list[socket.socket] = []
        self._lock = threading.Lock()

    def _connect(self) -> socket.socket:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout_s)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            context = self.ssl_context()
            return context.wrap_socket(sock, server_hostname=self.host) if context is not None else sock
        except OSError as error:
            raise _connect_error(error) from None

    def _take(self) -> socket.socket:
        """A kept connection still open (an idle one that is readable has been closed by the server), or a new one."""
        while True:
            with self._lock:
                sock = self._idle.pop() if self._idle else None
            if sock is None:
                return self._connect()
            if _still_open(sock):
                return sock
            sock.close()

    def request(self, call: Call) -> Reply:
        data = self.encode(call)
        sock = self._take()
        reader = ResponseReader()
        try:
            sock.sendall(data)
            while reader.reply is None:
                reader.feed(sock.recv(_READ_SIZE))
        except (OSError, ProtocolError) as error:
            sock.close()
            raise _exchange_error(error) from None
        reply = reader.reply
        if reply.keep_alive:
            with self._lock:
                self._idle.append(sock)
        else:
            sock.close()
        return reply

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for sock in idle:
            sock.close()


class AsyncChannel(_ChannelBase):
    """asyncio keep-alive connections (of the event loop that opened them)."""

    def __init__(self, base_url: str, headers: dict[str, str], timeout_s: float) -> None:
        super().__init__(base_url, headers, timeout_s)
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        context = self.ssl_context()
        opening = asyncio.open_connection(
            self.host, self.port, ssl=context, server_hostname=self.host if context is not None else None
        )
        try:
            streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] = await _within(opening, self.timeout_s)
            return streams
        except (OSError, TimeoutError) as error:
            raise _connect_error(error) from None

    async def request(self, call: Call) -> Reply:
        data = self.encode(call)
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # connections of another (finished) loop cannot be used here
            for _, stale in self._idle:
                discard_stale(stale.transport)
            self._idle, self._loop = [], loop
        reader, writer = await self._take()
        response = ResponseReader()
        try:
            writer.write(data)
            await _within(_read(reader, response), self.timeout_s)
        except (OSError, ProtocolError, TimeoutError) as error:
            writer.close()
            raise _exchange_error(error) from None
        except BaseException:
            writer.close()  # cancelled mid-exchange: the connection's state is unknown
            raise
        reply = response.reply
        assert reply is not None
        if reply.keep_alive:
            self._idle.append((reader, writer))
        else:
            writer.close()
        return reply

    async def _take(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A kept connection the server has not closed, or a new one."""
        while self._idle:
            reader, writer = self._idle.pop()
            if not reader.at_eof() and not writer.is_closing():
                return reader, writer
            writer.close()
        return await self._connect()

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        if self._loop is not asyncio.get_running_loop():
            for _, stale in idle:
                discard_stale(stale.transport)
            return
        for _, writer in idle:
            writer.close()
            with contextlib.suppress(OSError, RuntimeError):
                await writer.wait_closed()


async def _read(reader: asyncio.StreamReader, response: ResponseReader) -> None:
    while response.reply is None:
        response.feed(await reader.read(_READ_SIZE))


async def _within(awaitable: Any, seconds: float) -> Any:
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(seconds):
            return await awaitable
    return await asyncio.wait_for(awaitable, seconds)  # pragma: no cover - Python 3.10
