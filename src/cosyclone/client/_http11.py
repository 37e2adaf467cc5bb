"""A minimal HTTP/1.1 codec, sans I/O: encode a request, read a response (Content-Length, chunked, or delimited by
the connection's close). Used by :mod:`cosyclone.client._fast_http` for the small JSON calls of voice operations.

Why not httpx for these: its own Python code (URL parsing, header models, cookies, h11 events) costs ~0.5 ms of
CPU per request, most of a voice operation's client-side cost (measured in ``benchmarks/bench_voices.py``); this
codec costs ~10 µs. httpx remains the transport for everything else (uploads, streaming synthesis, a caller's
own ``http_client``, proxies). Imported by client/ only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_HEAD_BYTES = 64 * 1024


class ProtocolError(Exception):
    """The server's bytes are not an HTTP/1.1 response we can read."""


@dataclass
class Reply:
    """A complete HTTP response (the subset of ``httpx.Response`` the transport reads)."""

    status_code: int
    headers: dict[str, str]
    content: bytes
    keep_alive: bool = True

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        import json

        return json.loads(self.content)


def encode_request(method: str, target: str, head: bytes, body: bytes | None) -> bytes:
    """The request bytes: ``head`` holds the header lines shared by every request (``Host`` first), each ending
    in CRLF; ``body`` (JSON) gets its Content-Length."""
    if body is None:
        return b"%s %s HTTP/1.1\r\n%s\r\n" % (method.encode(), target.encode(), head)
    return b"%s %s HTTP/1.1\r\n%sContent-Length: %d\r\n\r\n%s" % (
        method.encode(),
        target.encode(),
        head,
        len(body),
        body,
    )


def header_lines(headers: dict[str, str]) -> bytes:
    """``Name: value\\r\\n`` lines (values must not contain CR or LF)."""
    lines = []
    for name, value in headers.items():
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
            raise ValueError(f"header {name!r} contains a line break")
        lines.append(f"{name}: {value}\r\n".encode("latin-1"))
    return b"".join(lines)


@dataclass
class ResponseReader:
    """Feed it the bytes read from the connection; :attr:`reply` is set once the response is complete.

    ``head_only``: the response to a HEAD request (no body whatever the headers say).
    """

    head_only: bool = False
    reply: Reply | None = None
    _buffer: bytearray = field(default_factory=bytearray)
    _status: int = 0
    _headers: dict[str, str] | None = None
    _length: int | None = None
    _chunked: bool = False
    _keep_alive: bool = True
    _body: bytearray = field(default_factory=bytearray)

    def feed(self, data: bytes) -> None:
        """Take bytes from the connection; ``b""`` means the server closed it."""
        if self.reply is not None:
            return
        if not data:
            self._at_eof()
            return
        self._buffer += data
        if self._headers is None and not self._read_head():
            return
        if self._chunked:
            self._read_chunks()
        elif self._length is not None and len(self._buffer) >= self._length:
            self._done(bytes(self._buffer[: self._length]))

    def _read_head(self) -> bool:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEAD_BYTES:
                raise ProtocolError("the response head is too large")
            return False
        lines = bytes(self._buffer[:end]).decode("latin-1").split("\r\n")
        del self._buffer[: end + 4]
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise ProtocolError(f"not an HTTP/1.1 status line: {lines[0][:80]!r}")
        self._status = int(parts[1])
        if 100 <= self._status < 200:  # an interim response (100 Continue): the real one follows
            return self._read_head() if self._buffer else False
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                raise ProtocolError(f"a header line without a colon: {line[:80]!r}")
            key = name.strip().lower()
            headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
        self._headers = headers
        self._keep_alive = parts[0] == "HTTP/1.1" and "close" not in headers.get("connection", "").lower()
        if self.head_only or self._status in (204, 304):
            self._length = 0
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            self._chunked = True
        elif "content-length" in headers:
            try:
                self._length = int(headers["content-length"])
            except ValueError:
                raise ProtocolError("an invalid Content-Length") from None
        else:
            self._keep_alive = False  # the body ends when the server closes the connection
        if self._length == 0:
            self._done(b"")
        return True

    def _read_chunks(self) -> None:
        while self.reply is None:
            end = self._buffer.find(b"\r\n")
            if end < 0:
                return
            size_text = bytes(self._buffer[:end]).split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise ProtocolError("an invalid chunk size") from None
            if size == 0:  # the last chunk, then optional trailer lines, then an empty line
                rest = bytes(self._buffer[end + 2 :])
                if rest.startswith(b"\r\n") or b"\r\n\r\n" in rest:
                    self._done(bytes(self._body))
                return
            if len(self._buffer) < end + 2 + size + 2:
                return
            self._body += self._buffer[end + 2 : end + 2 + size]
            del self._buffer[: end + 2 + size + 2]

    def _at_eof(self) -> None:
        if self._headers is not None and self._length is None and not self._chunked:
            self._done(bytes(self._buffer))  # a body delimited by the connection's close
            return
        raise ProtocolError("the server closed the connection before the response was complete")

    def _done(self, body: bytes) -> None:
        assert self._headers is not None
        self.reply = Reply(self._status, self._headers, body, self._keep_alive)

    @property
    def started(self) -> bool:
        """Whether any byte of the response has arrived."""
        return bool(self._buffer) or self._headers is not None
