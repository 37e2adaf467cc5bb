"""The httpx clients the client makes for itself, tuned for CPU per request (the caller's ``http_client``, when
given, is used as it is).

Every request still goes through ``httpx.Client.send`` / ``httpx.AsyncClient.send`` and httpx's own transport
(``httpx.HTTPTransport``: httpcore's connection pool, h11). What changes is only the network layer under
httpcore's pool, through httpcore's public network-backend interface:

- **writes are gathered until the next read**, so a request's head and body leave in one ``send`` (httpcore
  writes them separately: two system calls and two TCP segments per JSON call);
- **under asyncio, plain asyncio** (a ``Protocol`` and a future per read) instead of anyio's socket streams,
  whose cancel scopes and checkpoints cost more CPU than the HTTP exchange they carry.

The clients are made by httpx as usual — so the proxies of the environment get httpx's own proxy transports
(``trust_env``), and certificates follow ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` — and then the pool of their
default transport (httpx's ``HTTPTransport._pool``, an httpcore pool) is replaced by one with the same TLS context
and limits over the backend above; if httpx ever holds it differently, its own pool is kept as it is.

The pool made here is handed back with the client (:class:`OwnPool`), so that the transport can give it a JSON
call directly (:mod:`cosyclone.client._transport`) for a URL that httpx itself would send through that pool — not
one the environment's proxy settings route elsewhere (:meth:`OwnPool.serves`).
Imported by client/_transport.py only.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, NamedTuple, TypeVar

import httpcore
import httpx

#: Gathered writes are sent at once beyond this size (a large upload body is not held whole).
_FLUSH_AT = 65536
P = TypeVar("P", httpcore.ConnectionPool, httpcore.AsyncConnectionPool)
_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)


class PoolTarget(NamedTuple):
    """Where a request goes on the pool: the URL as httpcore takes it, and the ``Host`` header (httpx adds it)."""

    url: httpcore.URL
    host: bytes


@dataclass(frozen=True)
class OwnPool(Generic[P]):
    """The httpcore pool this module put under a client's default transport (``None``: httpx's was kept)."""

    client: httpx.Client | httpx.AsyncClient
    pool: P | None
    _targets: dict[str, PoolTarget | None] = field(default_factory=dict)

    def target(self, url: str) -> PoolTarget | None:
        """``url`` for :attr:`pool`, if httpx would send it through that pool (no proxy of the environment takes
        it), else None; decided once per URL."""
        if url in self._targets:
            return self._targets[url]
        parsed = httpx.URL(url)
        pick = getattr(self.client, "_transport_for_url", None)  # httpx's own choice between mounts and its pool
        served = self.pool is not None and pick is not None and pick(parsed) is self.client._transport
        core_url = httpcore.URL(
            scheme=parsed.raw_scheme, host=parsed.raw_host, port=parsed.port, target=parsed.raw_path
        )
        target = PoolTarget(core_url, parsed.netloc) if served else None
        if len(self._targets) < 64:
            self._targets[url] = target
        return target


def sync_client(*, timeout_s: float, headers: dict[str, str]) -> tuple[httpx.Client, OwnPool[httpcore.ConnectionPool]]:
    """An ``httpx.Client`` whose direct connections gather writes (proxied ones are httpx's own), and its pool."""
    client = httpx.Client(timeout=timeout_s, headers=headers, limits=_LIMITS)
    pool = getattr(client._transport, "_pool", None)  # httpx's default transport holds its httpcore pool there
    if type(pool) is not httpcore.ConnectionPool:
        return client, OwnPool(client, None)
    own = httpcore.ConnectionPool(**_pool_settings(pool), network_backend=_GatheringBackend(httpcore.SyncBackend()))
    client._transport._pool = own  # type: ignore[attr-defined]
    return client, OwnPool(client, own)


def async_client(
    *, timeout_s: float, headers: dict[str, str]
) -> tuple[httpx.AsyncClient, OwnPool[httpcore.AsyncConnectionPool]]:
    """An ``httpx.AsyncClient`` whose direct connections run over plain asyncio (proxied ones are httpx's), and
    its pool."""
    client = httpx.AsyncClient(timeout=timeout_s, headers=headers, limits=_LIMITS)
    pool = getattr(client._transport, "_pool", None)
    if type(pool) is not httpcore.AsyncConnectionPool:
        return client, OwnPool(client, None)
    own = httpcore.AsyncConnectionPool(**_pool_settings(pool), network_backend=AsyncioBackend())
    client._transport._pool = own  # type: ignore[attr-defined]
    return client, OwnPool(client, own)


def _pool_settings(pool: httpcore.ConnectionPool | httpcore.AsyncConnectionPool) -> dict[str, Any]:
    """What httpx configured its pool with (TLS context from the environment's certificates, limits)."""
    return {
        "ssl_context": getattr(pool, "_ssl_context", None) or httpx.create_ssl_context(),
        "max_connections": _LIMITS.max_connections,
        "max_keepalive_connections": _LIMITS.max_keepalive_connections,
        "keepalive_expiry": _LIMITS.keepalive_expiry,
    }


# ----- blocking: httpcore's socket streams, writes gathered ----------------------------------------------------


class _GatheringStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner
        self._pending: list[bytes] = []
        self._size = 0

    def _flush(self, timeout: float | None) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending, self._size = [], 0
            self._inner.write(data, timeout)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self._flush(timeout)
        return self._inner.read(max_bytes, timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if buffer:
            self._pending.append(buffer)
            self._size += len(buffer)
            if self._size >= _FLUSH_AT:
                self._flush(timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        self._flush(timeout)
        return _GatheringStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _GatheringBackend(httpcore.NetworkBackend):
    """httpcore's blocking backend with every stream it opens wrapped in a :class:`_GatheringStream` (the
    connection options are httpcore's, passed through as they come)."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        return _GatheringStream(self._inner.connect_tcp(host, port, *args, **kwargs))

    def connect_unix_socket(self, path: str, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        return _GatheringStream(self._inner.connect_unix_socket(path, *args, **kwargs))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


# ----- asyncio: a Protocol, a future per read -------------------------------------------------------------------


class _Reader(asyncio.Protocol):
    """Collects what arrives; wakes the one pending read."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.closed = False
        self.error: BaseException | None = None
        self.waiter: asyncio.Future[None] | None = None
        self.transport: asyncio.Transport | None = None
        self._drained: asyncio.Future[None] | None = None
        self.paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._wake()

    def eof_received(self) -> bool | None:
        self.closed = True
        self._wake()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed, self.error = True, exc
        self._wake()
        self.resume_writing()

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    async def drain(self) -> None:
        if self.paused and not self.closed:
            self._drained = asyncio.get_running_loop().create_future()
            await self._drained

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)


async def _within(awaitable: Any, timeout: float | None, error: type[Exception]) -> Any:
    try:
        return await asyncio.wait_for(awaitable, timeout)
    except asyncio.TimeoutError:
        raise error("timed out") from None


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One TCP (or TLS) connection over an asyncio transport, writes gathered until the next read."""

    def __init__(self, transport: asyncio.Transport, reader: _Reader) -> None:
        self._transport = transport
        self._reader = reader
        self._pending: list[bytes] = []
        self._size = 0

    async def _flush(self, timeout: float | None) -> None:
        if not self._pending:
            return
        data = b"".join(self._pending)
        self._pending, self._size = [], 0
        if self._reader.closed:
            raise httpcore.WriteError(f"the connection was closed ({self._reader.error})")
        self._transport.write(data)
        if self._reader.paused:  # the transport's buffer is full: wait until it drains
            await _within(self._reader.drain(), timeout, httpcore.WriteTimeout)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        await self._flush(timeout)
        reader = self._reader
        if not reader.buffer and not reader.closed:
            loop = asyncio.get_running_loop()
            reader.waiter = waiter = loop.create_future()
            expired: list[bool] = []

            def expire() -> None:
                expired.append(True)
                waiter.cancel()

            timer = loop.call_later(timeout, expire) if timeout is not None else None
            try:
                await waiter
            except asyncio.CancelledError:
                if not expired:
                    raise  # cancelled by the caller, not by the timer
                raise httpcore.ReadTimeout("timed out") from None
            finally:
                reader.waiter = None
                if timer is not None:
                    timer.cancel()
        if not reader.buffer and reader.error is not None:
            raise httpcore.ReadError(str(reader.error))
        data = bytes(reader.buffer[:max_bytes])
        del reader.buffer[:max_bytes]
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if buffer:
            self._pending.append(buffer)
            self._size += len(buffer)
            if self._size >= _FLUSH_AT:
                await self._flush(timeout)

    async def aclose(self) -> None:
        self._transport.close()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        await self._flush(timeout)
        loop = asyncio.get_running_loop()
        try:
            upgrade = loop.start_tls(self._transport, self._reader, ssl_context, server_hostname=server_hostname)
            transport = await _within(upgrade, timeout, httpcore.ConnectTimeout)
        except (OSError, ssl.SSLError) as error:
            self._transport.close()
            raise httpcore.ConnectError(str(error)) from None
        assert isinstance(transport, asyncio.Transport)
        self._reader.transport = transport
        return AsyncioStream(transport, self._reader)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return bool(self._reader.buffer) or self._reader.closed
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "socket":
            return self._transport.get_extra_info("socket")
        if info in ("client_addr", "server_addr"):
            return self._transport.get_extra_info("sockname" if info == "client_addr" else "peername")
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend over plain asyncio (see the module docstring)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        local = (local_address, 0) if local_address else None
        try:
            opening = loop.create_connection(_Reader, host, port, local_addr=local)
            transport, reader = await _within(opening, timeout, httpcore.ConnectTimeout)
        except OSError as error:
            raise httpcore.ConnectError(str(error)) from None
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                for option in socket_options or ():
                    sock.setsockopt(*option)
        return AsyncioStream(transport, reader)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            transport, reader = await _within(
                loop.create_unix_connection(_Reader, path), timeout, httpcore.ConnectTimeout
            )
        except OSError as error:
            raise httpcore.ConnectError(str(error)) from None
        return AsyncioStream(transport, reader)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
