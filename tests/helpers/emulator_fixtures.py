"""Pytest fixtures for any test package that needs a running emulator or a server for audio samples.

Import them into a package's ``conftest.py``::

    from tests.helpers.emulator_fixtures import emulator, sample_server  # noqa: F401

Fixtures (names are stable):

- ``emulator``: a running :class:`cosyclone.emulator.server.EmulatorServer` on 127.0.0.1 (port picked by the OS),
  shared by every test of the process (started once, stopped at exit) and **reset before each test**: no voices,
  no uploads, no faults, default settings (voices ready at once, quota 1000, idle timeout 23 s, no sentence
  latency). Steer it with ``emulator.backend`` (in-process) or ``emulator.control_url`` (HTTP).
  Any ``sk-…`` key is accepted; :data:`EMULATOR_API_KEY` is a convenient one.
- ``sample_server``: a read-only HTTP server for ``tests/fixtures/audio/`` on 127.0.0.1, shared by the whole
  session; ``sample_server.url("good/librivox-reader-15s.wav")`` is the URL to give ``create_voice``.

Tests that need their own configuration (a data directory, restricted keys, a ready delay from the start)
construct ``EmulatorServer(...)`` themselves, as a context manager.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from cosyclone.client import Client
    from cosyclone.emulator.server import EmulatorServer

AUDIO_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "audio"
#: A key the emulator accepts (any ``sk-…`` key is a tenant of its own).
EMULATOR_API_KEY = "sk-emulator-test-0123456789"
#: A second tenant, to check that voices of one key are invisible to another.
OTHER_API_KEY = "sk-emulator-other-9876543210"

_lock = threading.Lock()
_shared: EmulatorServer | None = None


def shared_emulator() -> EmulatorServer:
    """The process-wide emulator (started on first use, stopped at interpreter exit)."""
    global _shared
    with _lock:
        if _shared is None:
            from cosyclone.emulator.server import EmulatorServer

            server = EmulatorServer(port=0)
            server.start()
            atexit.register(server.stop)
            _shared = server
        return _shared


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    """A running emulator with fresh state (shared server, reset before the test)."""
    server = shared_emulator()
    server.backend.reset()
    yield server


class SampleServer:
    """A quiet ``http.server`` serving one directory on 127.0.0.1 in a daemon thread."""

    def __init__(self, root: Path = AUDIO_FIXTURES) -> None:
        handler = partial(_QuietHandler, directory=str(root))
        self.root = root
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self.port: int = self._httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="sample-server", daemon=True
        )

    def start(self) -> SampleServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def url(self, relative_path: str) -> str:
        """The URL of a file under the served directory, e.g. ``url("good/flite-awb.wav")``."""
        return f"{self.base_url}/{relative_path.lstrip('/')}"

    def __enter__(self) -> SampleServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def sample_server() -> Iterator[SampleServer]:
    """Serves ``tests/fixtures/audio/`` over HTTP on 127.0.0.1 for the whole session."""
    with SampleServer() as server:
        yield server


@pytest.fixture(scope="module")
def speaking() -> Iterator[EmulatorServer]:
    """An emulator that speaks with its speech engine, one per test module (binding samples is slow)."""
    from cosyclone.emulator.server import EmulatorServer

    with EmulatorServer(port=0, voice_engine="speech") as server:
        yield server


@pytest.fixture
def speaking_client(speaking: EmulatorServer) -> Iterator[Client]:
    """A client of :func:`speaking`, whose state is reset for each test."""
    from cosyclone.client import Client

    speaking.backend.reset()
    with Client(api_key=EMULATOR_API_KEY, base_url=speaking.http_base_url, max_retries=3) as made:
        yield made
