"""Download a voice sample the way the service does: http(s) only, size- and time-capped, private networks refused.

Before every connection (the first and each redirect) the host name is resolved and every address it resolves
to is checked: loopback is allowed (the emulator and its samples live on 127.0.0.1); private ranges (10/8,
172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10) and unspecified/multicast addresses are
refused unless the emulator runs with ``--allow-private-urls``. (A DNS answer that changes between the check and
the connection is not caught; this is a local test double, not a security boundary.) Proxies from the
environment are ignored.

Imported by the backend. Blocking (httpx sync): call it from a worker thread.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from urllib.parse import urljoin, urlsplit

import httpx

MAX_REDIRECTS = 5
_REFUSED_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "169.254.0.0/16",
        "224.0.0.0/4",
        "::/128",
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
    )
)


class SampleFetchError(Exception):
    """The sample could not be fetched. ``reason``: ``bad_url``, ``refused_address``, ``unreachable``,
    ``http_status``, ``timeout`` or ``too_large``."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def address_allowed(address: str, *, allow_private: bool) -> bool:
    """Whether the emulator may connect to this IP address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback or allow_private:
        return True
    return not any(ip in network for network in _REFUSED_NETWORKS)


def check_host(host: str, port: int, *, allow_private: bool) -> None:
    """Resolve ``host`` and refuse it if any address it resolves to is not allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise SampleFetchError("unreachable", f"cannot resolve {host!r}: {error}") from error
    for info in infos:
        address = str(info[4][0])
        if not address_allowed(address, allow_private=allow_private):
            raise SampleFetchError("refused_address", f"{host} resolves to {address}, a private or link-local address")


def fetch_sample(url: str, *, allow_private: bool, timeout_s: float, max_bytes: int) -> bytes:
    """The bytes at ``url`` (following up to 5 redirects). Raises SampleFetchError."""
    deadline = time.monotonic() + timeout_s
    with httpx.Client(trust_env=False, follow_redirects=False, timeout=timeout_s) as client:
        # httpx's timeouts are per read: a server trickling its headers a byte at a time would never trip
        # them. A watchdog closes the client at the deadline, which ends any read in progress.
        watchdog = threading.Timer(timeout_s, client.close)
        watchdog.daemon = True
        watchdog.start()
        try:
            return _fetch(client, url, allow_private=allow_private, deadline=deadline, max_bytes=max_bytes)
        except SampleFetchError:
            raise
        except Exception as error:  # whatever the closed client raised mid-read
            if time.monotonic() >= deadline:
                raise SampleFetchError("timeout", f"GET {url[:200]} took longer than {timeout_s:g} s") from error
            raise SampleFetchError("unreachable", f"GET {url[:200]} failed: {error}") from error
        finally:
            watchdog.cancel()


def _fetch(client: httpx.Client, url: str, *, allow_private: bool, deadline: float, max_bytes: int) -> bytes:
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SampleFetchError("bad_url", f"not an http(s) URL: {url[:200]!r}")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as error:
            raise SampleFetchError("bad_url", str(error)) from error
        check_host(parts.hostname, port, allow_private=allow_private)
        try:
            with client.stream("GET", url) as response:
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                if response.status_code != 200:
                    raise SampleFetchError("http_status", f"GET {url[:200]} answered {response.status_code}")
                return _read_capped(response, deadline=deadline, max_bytes=max_bytes)
        except httpx.TimeoutException as error:
            raise SampleFetchError("timeout", f"GET {url[:200]} timed out") from error
        except httpx.HTTPError as error:
            if time.monotonic() >= deadline:
                raise SampleFetchError("timeout", f"GET {url[:200]} took too long") from error
            raise SampleFetchError("unreachable", f"GET {url[:200]} failed: {error}") from error
    raise SampleFetchError("unreachable", f"more than {MAX_REDIRECTS} redirects")


def _read_capped(response: httpx.Response, *, deadline: float, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise SampleFetchError("too_large", f"Content-Length {declared} exceeds {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise SampleFetchError("too_large", f"more than {max_bytes} bytes")
        if time.monotonic() > deadline:
            raise SampleFetchError("timeout", "download took too long")
        chunks.append(chunk)
    return b"".join(chunks)
