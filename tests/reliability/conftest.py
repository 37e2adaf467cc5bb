"""Reliability suite: tests that try to break cosyclone (faults, fuzzing, hostile audio, secrets, concurrency).

Shared pieces:

- the ``emulator`` and ``sample_server`` fixtures (see :mod:`tests.helpers.emulator_fixtures`);
- a **loopback tripwire** for the whole package: while these tests run, ``socket.connect`` in this process refuses
  any IPv4/IPv6 address outside 127.0.0.0/8 and ::1, so that a bug (e.g. a sample fetch that would follow a URL
  to a private network) fails a test instead of sending a packet anywhere. Subprocesses are not covered: they
  are only ever pointed at 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.helpers.emulator_fixtures import EMULATOR_API_KEY, emulator, sample_server  # noqa: F401

__all__ = ["EMULATOR_API_KEY", "LoopbackOnly", "connect_attempts"]

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

    socket.socket.connect = guarded  # type: ignore[method-assign]
    socket.socket.connect_ex = guarded_ex  # type: ignore[method-assign]

    def undo() -> None:
        socket.socket.connect = original_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = original_connect_ex  # type: ignore[method-assign]

    return undo


@pytest.fixture(autouse=True)
def loopback_only() -> Iterator[None]:
    """The tripwire, armed around every test of this package."""
    undo = install_tripwire()
    try:
        yield
    finally:
        undo()
