"""Dropping a connection from inside an ASGI app (the ``drop_before`` / ``drop_after`` faults).

ASGI gives an app no way to close a connection without replying, so :class:`EmulatorApp
<cosyclone.emulator.api.app.EmulatorApp>` records the server's transport in the scope (uvicorn's ``send`` is a bound
method of the request cycle, which holds it). With it, ``close`` aborts the TCP connection before a single byte of
the reply; ``truncate`` sends a status line and headers promising a body, a few bytes of it, then closes. Without
it (e.g. httpx's ``ASGITransport``), both fall back to ``truncate`` ending the response short, which uvicorn turns
into a closed connection. The client exceptions each style produces are listed in :mod:`cosyclone.emulator.faults`.

Imported by the app and the HTTP handlers.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

#: Scope key under which :class:`cosyclone.emulator.api.app.EmulatorApp` stores the connection's transport.
TRANSPORT_KEY = "cosyclone.transport"
_PROMISED_BYTES = 4096


def transport_of_send(send: Any) -> asyncio.Transport | None:
    """The transport behind a server's ``send`` callable, when the server is uvicorn (else None)."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    return transport if isinstance(transport, asyncio.Transport) else None


class DropResponse(Response):
    """A "reply" that kills the connection instead (``style``: ``close`` or ``truncate``)."""

    def __init__(self, style: str = "close") -> None:
        super().__init__(status_code=200)
        self.style = style

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        transport: asyncio.Transport | None = scope.get(TRANSPORT_KEY)
        if self.style == "close" and transport is not None:
            await _abort(transport)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(_PROMISED_BYTES).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b'{"request_id": "', "more_body": True})
        if transport is not None:
            # The bytes above are already in the kernel's buffer (asyncio writes at once when it can), so an
            # abort still delivers them, then closes.
            await _abort(transport)


async def _abort(transport: asyncio.Transport) -> None:
    transport.abort()
    # Let the server's connection_lost run, so that it does not try to answer on the dead connection.
    for _ in range(5):
        await asyncio.sleep(0)
