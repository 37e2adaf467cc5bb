"""Reliability suite: tests that try to break cosyclone (faults, fuzzing, hostile audio, secrets, concurrency).

Shared pieces:

- the ``emulator`` and ``sample_server`` fixtures (see :mod:`tests.helpers.emulator_fixtures`);
- a **loopback tripwire** around every test of the package: in this process ``socket.connect`` refuses any
  IPv4/IPv6 address outside 127.0.0.0/8 and ::1, and ``socket.getaddrinfo`` resolves only numeric addresses and
  ``localhost`` (anything else fails as an unknown host, without a DNS query). A bug — a sample fetch following
  a generated URL to a private network, say — then fails a test instead of sending a packet anywhere.
  Subprocesses are not covered: they are only ever given 127.0.0.1 URLs.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.helpers.emulator_fixtures import EMULATOR_API_KEY, emulator, sample_server  # noqa: F401

__all__ = [
    "EMULATOR_API_KEY",
    "EXPLORE",
    "EXPLORE_FACTOR",
    "LoopbackOnly",
    "connect_attempts",
    "running_tasks",
    "wait_until_idle",
]

#: ``COSYCLONE_FUZZ_EXPLORE=1`` makes the generated tests random (new examples every run) and 10× longer; by
#: default they are derandomized, so that CI runs the same examples every time.
EXPLORE = os.environ.get("COSYCLONE_FUZZ_EXPLORE") == "1"
EXPLORE_FACTOR = 10 if EXPLORE else 1

#: Every non-loopback address something in this process tried to connect to (the tripwire refused them all).
connect_attempts: list[str] = []


class LoopbackOnly(ConnectionRefusedError):
    """Raised by the tripwire instead of connecting anywhere but loopback."""


def _is_loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) and address else address
    if not isinstance(host, str):
        return True  # AF_UNIX paths (bytes/str without a tuple are handled below)
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return True  # a name: resolution happens before connect, so the address form is checked there


def install_tripwire(allowed: Callable[[Any], bool] = _is_loopback) -> Callable[[], None]:
    """Patch ``socket.socket.connect``/``connect_ex`` to refuse addresses ``allowed`` rejects; returns an undo."""
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def guarded(sock: socket.socket, address: Any) -> Any:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not allowed(address):
            connect_attempts.append(str(address))
            raise LoopbackOnly(f"reliability tests only talk to loopback; refused a connection to {address!r}")
        return original_connect(sock, address)

    def guarded_ex(sock: socket.socket, address: Any) -> Any:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not allowed(address):
            connect_attempts.append(str(address))
            raise LoopbackOnly(f"reliability tests only talk to loopback; refused a connection to {address!r}")
        return original_connect_ex(sock, address)

    original_getaddrinfo = socket.getaddrinfo

    def numeric_only(host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name is None:
            return original_getaddrinfo(host, port, family, type, proto, flags)
        if isinstance(name, str) and name.lower().rstrip(".") == "localhost":
            name = "127.0.0.1"
        # AI_NUMERICHOST: the C library parses the address itself (all the inet_aton forms) and never asks DNS.
        return original_getaddrinfo(name, port, family, type, proto, flags | socket.AI_NUMERICHOST)

    socket.socket.connect = guarded  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = guarded_ex  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = numeric_only

    def undo() -> None:
        socket.socket.connect = original_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = original_connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = original_getaddrinfo

    return undo


@pytest.fixture(autouse=True)
def loopback_only() -> Iterator[None]:
    """The tripwire, armed around every test of this package."""
    undo = install_tripwire()
    try:
        yield
    finally:
        undo()


def running_tasks(server: Any) -> set[Any]:
    """uvicorn's running request/WebSocket tasks of ``server`` (a snapshot)."""
    state = server._server.server_state if server._server is not None else None
    return set(state.tasks) if state is not None else set()


def wait_until_idle(server: Any, *, timeout_s: float = 10.0, ignore: set[Any] | None = None) -> None:
    """Block until the emulator has no request or WebSocket handler running (a request the client gave up on
    goes on on the server, and may still act), besides those in ``ignore`` (what ran before the test: a
    connection another test left open must not stall this one). Uses uvicorn's bookkeeping of its tasks."""
    import time

    state = server._server.server_state if server._server is not None else None
    if state is None:
        return
    deadline = time.monotonic() + timeout_s
    while set(state.tasks) - (ignore or set()):
        if time.monotonic() > deadline:
            raise AssertionError(f"the emulator is still busy after {timeout_s} s ({len(state.tasks)} task(s))")
        time.sleep(0.01)
