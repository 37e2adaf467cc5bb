"""The package's loopback tripwire works (the safety of the other reliability tests rests on it)."""

from __future__ import annotations

import socket

import httpx
import pytest

from tests.reliability import conftest
from tests.reliability.conftest import LoopbackOnly, connect_attempts, install_tripwire


def test_the_tripwire_is_armed_in_every_test() -> None:
    assert socket.socket.connect.__name__ == "guarded"
    assert socket.getaddrinfo.__name__ == "numeric_only"
    assert connect_attempts is conftest.connect_attempts


def test_a_refused_address_is_recorded_and_never_connected() -> None:
    """Forbid a loopback address (harmless if the guard failed) and go through httpx, as the emulator does."""
    undo = install_tripwire(lambda address: not (isinstance(address, tuple) and address[0] == "127.0.0.2"))
    connect_attempts.clear()
    try:
        with pytest.raises(httpx.ConnectError, match="only talk to loopback"):
            httpx.get("http://127.0.0.2:9/x.wav", timeout=2)
    finally:
        undo()
    assert connect_attempts and "127.0.0.2" in connect_attempts[0]
    connect_attempts.clear()


def test_names_are_not_resolved() -> None:
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("example.com", 80)
    assert socket.getaddrinfo("localhost", 80, type=socket.SOCK_STREAM)[0][4][0] == "127.0.0.1"
    assert socket.getaddrinfo("167772161", 80, type=socket.SOCK_STREAM)[0][4][0] == "10.0.0.1"  # parsed, not sent


def test_loopback_only_is_a_connection_refusal() -> None:
    assert issubclass(LoopbackOnly, ConnectionRefusedError)
