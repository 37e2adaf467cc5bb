"""Connections left behind by an event loop that has ended (e.g. a second ``asyncio.run`` with the same
``AsyncClient``): they cannot be closed the usual way — that needs their loop — so their sockets are closed
directly, leaving no file descriptor open. Used by the async HTTP transport (its httpx pool) and the async
WebSocket pool. Imported by client/ only.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any


def discard_stale(transport: asyncio.BaseTransport | None) -> None:
    """Close the socket under an asyncio transport of an event loop that is no longer running."""
    if transport is None:
        return
    wrapper = transport.get_extra_info("socket")
    with contextlib.suppress(Exception):
        transport.abort()  # type: ignore[attr-defined]  # marks it closing; its loop being closed, the socket stays open
    sock = getattr(wrapper, "_sock", wrapper)  # asyncio hands out a TransportSocket wrapping the real socket
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.close()


def discard_httpx_pool(client: Any) -> None:
    """Close the sockets of an ``httpx.AsyncClient``'s pooled connections whose loop has gone (reaches into
    httpx's httpcore pool: there is no public way; anything unexpected there is passed over)."""
    pool = getattr(getattr(client, "_transport", None), "_pool", None)
    for connection in list(getattr(pool, "connections", [])):
        stream = getattr(getattr(connection, "_connection", None), "_network_stream", None)
        transport = getattr(stream, "_transport", None)  # our own asyncio stream (client/_http_pool.py)
        if not isinstance(transport, asyncio.BaseTransport):
            transport = getattr(getattr(stream, "_stream", None), "_transport", None)  # anyio's asyncio stream
        if isinstance(transport, asyncio.BaseTransport):
            discard_stale(transport)
