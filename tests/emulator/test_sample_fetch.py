"""How the emulator downloads samples: size and time caps, refused networks, unreachable URLs."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from cosyclone.emulator.server import EmulatorServer
from cosyclone.emulator.state.sample_fetch import address_allowed
from tests.emulator._api import GOOD_SAMPLE, assert_error, create, create_ok
from tests.helpers.emulator_fixtures import SampleServer


class _TrickHandler(BaseHTTPRequestHandler):
    """``/redirect?to=URL`` redirects; ``/slow`` stalls; anything else is 404."""

    def do_GET(self) -> None:
        if self.path.startswith("/redirect?to="):
            self.send_response(302)
            self.send_header("Location", self.path.split("=", 1)[1])
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/slow":
            time.sleep(1.5)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def trick_server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _TrickHandler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("8.8.8.8", True),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("172.31.255.255", False),
        ("172.32.0.1", True),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("::ffff:192.168.1.1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("0.0.0.0", False),
    ],
)
def test_address_rules(address: str, allowed: bool) -> None:
    assert address_allowed(address, allow_private=False) is allowed
    assert address_allowed(address, allow_private=True) is True


def test_unreachable_url_is_an_internal_error(emulator: EmulatorServer) -> None:
    response = create(emulator, f"http://127.0.0.1:{_free_port()}/sample.wav")
    assert_error(response, 500, "InternalError")
    assert "unreachable" in response.headers["x-emulator-detail"]


def test_http_error_status_is_an_internal_error(emulator: EmulatorServer, trick_server: str) -> None:
    assert_error(create(emulator, f"{trick_server}/missing.wav"), 500, "InternalError")


def test_private_address_is_refused_before_connecting(emulator: EmulatorServer) -> None:
    response = create(emulator, "http://10.255.0.1:81/sample.wav")
    assert_error(response, 500, "InternalError")
    assert "refused_address" in response.headers["x-emulator-detail"]


def test_host_name_is_resolved_and_checked(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    real_getaddrinfo = socket.getaddrinfo

    def fake_getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        if host == "intranet.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.168.7.7", port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    response = create(emulator, "http://intranet.example/sample.wav")
    assert "refused_address" in response.headers["x-emulator-detail"]


def test_redirect_to_a_private_address_is_refused(emulator: EmulatorServer, trick_server: str) -> None:
    response = create(emulator, f"{trick_server}/redirect?to=http://192.168.0.10/sample.wav")
    assert "refused_address" in response.headers["x-emulator-detail"]


def test_redirect_is_followed(emulator: EmulatorServer, trick_server: str, sample_server: SampleServer) -> None:
    create_ok(emulator, f"{trick_server}/redirect?to={sample_server.url(GOOD_SAMPLE)}")


def test_download_time_is_capped(trick_server: str) -> None:
    with EmulatorServer(sample_fetch_timeout_s=0.3) as emu:
        started = time.monotonic()
        response = create(emu, f"{trick_server}/slow")
        assert_error(response, 500, "InternalError")
        assert time.monotonic() - started < 1.4
        assert "timeout" in response.headers["x-emulator-detail"]


@pytest.fixture(scope="module")
def big_files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleServer]:
    root: Path = tmp_path_factory.mktemp("big")
    (root / "huge.bin").write_bytes(b"\0" * (12 * 1024 * 1024))
    # A real WAV just over 10 MB (but under the fetcher's 11 MB cap): the preflight's size rule answers.
    frames = (10 * 1024 * 1024 + 200_000) // 2
    sf.write(root / "big.wav", np.zeros(frames, dtype=np.int16), 16000, subtype="PCM_16")
    with SampleServer(root) as server:
        yield server


@pytest.mark.parametrize("name", ["huge.bin", "big.wav"])
def test_file_size_cap(emulator: EmulatorServer, big_files: SampleServer, name: str) -> None:
    assert_error(create(emulator, big_files.url(name)), 400, "Audio.FileSizeExceed", "File too large")
