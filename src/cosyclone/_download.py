"""One capped URL download: size- and time-bounded, the whole of it (headers included) under one deadline.

``audio.io.fetch_url`` (preflight of a sample URL) and ``emulator.sample_fetch`` (the emulator judging a sample
as the service would) both download through :func:`fetch_capped`; each adds its own rules (the emulator checks
every host before connecting) and turns :class:`DownloadError` into its own error.

Imported by ``audio.io`` and ``emulator.sample_fetch``. Blocking (httpx sync): call it from a worker thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

import httpx

MAX_REDIRECTS = 5


class DownloadError(Exception):
    """The download failed. ``reason``: ``bad_url``, ``refused_address``, ``unreachable``, ``http_status``,
    ``timeout`` or ``too_large``; ``status`` for ``http_status``, ``size_bytes`` (at least) for ``too_large``."""

    def __init__(self, reason: str, detail: str, *, status: int | None = None, size_bytes: int | None = None) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.status = status
        self.size_bytes = size_bytes


def fetch_capped(
    url: str,
    *,
    max_bytes: int,
    timeout_s: float,
    before_connect: Callable[[str, int], None] | None = None,
    trust_env: bool = True,
) -> bytes:
    """The bytes at ``url`` (http(s), up to 5 redirects), at most ``max_bytes``, all within ``timeout_s``.

    ``before_connect(host, port)`` runs before the first connection and each redirect; it may raise
    :class:`DownloadError` (e.g. ``refused_address``) to stop there.

    Raises:
        DownloadError: see its ``reason``.
    """
    deadline = time.monotonic() + timeout_s
    with httpx.Client(trust_env=trust_env, follow_redirects=False, timeout=timeout_s) as client:
        # httpx's timeouts are per read: a server trickling its headers a byte at a time would never trip
        # them. A watchdog closes the client at the deadline, which ends any read in progress.
        watchdog = threading.Timer(timeout_s, client.close)
        watchdog.daemon = True
        watchdog.start()
        try:
            return _follow(client, url, before_connect=before_connect, deadline=deadline, max_bytes=max_bytes)
        except DownloadError:
            raise
        except Exception as error:  # whatever the closed client raised mid-read
            if time.monotonic() >= deadline:
                raise DownloadError("timeout", f"GET {url[:200]} took longer than {timeout_s:g} s") from error
            raise DownloadError("unreachable", f"GET {url[:200]} failed: {error}") from error
        finally:
            watchdog.cancel()


def _follow(
    client: httpx.Client,
    url: str,
    *,
    before_connect: Callable[[str, int], None] | None,
    deadline: float,
    max_bytes: int,
) -> bytes:
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise DownloadError("bad_url", f"not an http(s) URL: {url[:200]!r}")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as error:
            raise DownloadError("bad_url", str(error)) from error
        if before_connect is not None:
            before_connect(parts.hostname, port)
        try:
            with client.stream("GET", url) as response:
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                if response.status_code != 200:
                    status = response.status_code
                    raise DownloadError("http_status", f"GET {url[:200]} answered {status}", status=status)
                return _read_capped(response, deadline=deadline, max_bytes=max_bytes)
        except httpx.TimeoutException as error:
            raise DownloadError("timeout", f"GET {url[:200]} timed out") from error
        except httpx.HTTPError as error:
            if time.monotonic() >= deadline:
                raise DownloadError("timeout", f"GET {url[:200]} took too long") from error
            raise DownloadError("unreachable", f"GET {url[:200]} failed: {type(error).__name__}: {error}") from error
    raise DownloadError("unreachable", f"more than {MAX_REDIRECTS} redirects")


def _read_capped(response: httpx.Response, *, deadline: float, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        size = int(declared)
        raise DownloadError("too_large", f"Content-Length {declared} exceeds {max_bytes} bytes", size_bytes=size)
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise DownloadError("too_large", f"more than {max_bytes} bytes", size_bytes=size)
        if time.monotonic() > deadline:
            raise DownloadError("timeout", "download took too long")
        chunks.append(chunk)
    return b"".join(chunks)
