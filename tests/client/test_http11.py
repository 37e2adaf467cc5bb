"""The minimal HTTP/1.1 codec of the fast channel (sans I/O): every way a response body can be delimited, fed in
any split, and the malformed responses it must refuse."""

from __future__ import annotations

import pytest

from cosyclone.client._http11 import ProtocolError, ResponseReader, encode_request, header_lines

BODY = b'{"output":{"voice_id":"v"},"request_id":"r"}'
LENGTH = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (len(BODY), BODY)
CHUNKED = (
    b"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\nRetry-After: 2\r\n\r\n"
    b"5\r\n" + BODY[:5] + b"\r\n" + b"%x;ext=1\r\n" % (len(BODY) - 5) + BODY[5:] + b"\r\n0\r\nX-Trailer: t\r\n\r\n"
)
CLOSE_DELIMITED = b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + BODY


def read(raw: bytes, *, step: int, eof: bool = False) -> ResponseReader:
    reader = ResponseReader()
    for start in range(0, len(raw), step):
        reader.feed(raw[start : start + step])
    if eof:
        reader.feed(b"")
    return reader


@pytest.mark.parametrize("step", [1, 3, 7, 10_000])
def test_content_length_in_any_split(step: int) -> None:
    reply = read(LENGTH, step=step).reply
    assert reply is not None and reply.status_code == 200 and reply.content == BODY and reply.keep_alive
    assert reply.json()["request_id"] == "r" and reply.headers["content-type"] == "application/json"


@pytest.mark.parametrize("step", [1, 4, 10_000])
def test_chunked_with_extensions_and_trailers(step: int) -> None:
    reply = read(CHUNKED, step=step).reply
    assert reply is not None and reply.status_code == 400 and not reply.is_success
    assert reply.content == BODY and reply.headers["retry-after"] == "2"


def test_body_until_close_and_interim_response() -> None:
    assert read(CLOSE_DELIMITED, step=5).reply is None, "not complete before the server closes"
    reply = read(CLOSE_DELIMITED, step=5, eof=True).reply
    assert reply is not None and reply.content == BODY and not reply.keep_alive
    reply = read(b"HTTP/1.1 100 Continue\r\n\r\n" + LENGTH, step=10_000).reply
    assert reply is not None and reply.status_code == 200 and reply.content == BODY


def test_connection_close_is_not_kept() -> None:
    raw = b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"
    reply = read(raw, step=100).reply
    assert reply is not None and reply.content == b"" and not reply.keep_alive


@pytest.mark.parametrize(
    "raw",
    [b"SSH-2.0-OpenSSH\r\n\r\n", b"HTTP/1.1 2x0 OK\r\n\r\n", b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n"],
)
def test_malformed_heads_are_refused(raw: bytes) -> None:
    with pytest.raises(ProtocolError):
        read(raw, step=100)


def test_a_cut_response_is_an_error_and_says_whether_anything_came() -> None:
    reader = ResponseReader()
    assert not reader.started
    reader.feed(LENGTH[:30])
    assert reader.started
    with pytest.raises(ProtocolError):
        reader.feed(b"")


def test_request_encoding_and_header_injection_refused() -> None:
    head = header_lines({"Host": "127.0.0.1:8000", "Authorization": "Bearer sk-x"})
    raw = encode_request("POST", "/api/v1/x", head, b"{}")
    assert raw == b"POST /api/v1/x HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nAuthorization: Bearer sk-x\r\n" + (
        b"Content-Length: 2\r\n\r\n{}"
    )
    assert encode_request("GET", "/p?a=1", head, None).endswith(b"sk-x\r\n\r\n")
    with pytest.raises(ValueError, match="line break"):
        header_lines({"X-Evil": "a\r\nInjected: 1"})
