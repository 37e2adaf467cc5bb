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

from cosyclone._download import MAX_REDIRECTS, DownloadError, fetch_capped

__all__ = ["MAX_REDIRECTS", "SampleFetchError", "address_allowed", "check_host", "fetch_sample"]
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


#: The emulator's name for a failed download (``reason``: see :class:`cosyclone._download.DownloadError`).
SampleFetchError = DownloadError


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
    """The bytes at ``url`` (following up to 5 redirects, each host checked). Raises SampleFetchError."""

    def before_connect(host: str, port: int) -> None:
        check_host(host, port, allow_private=allow_private)

    return fetch_capped(url, max_bytes=max_bytes, timeout_s=timeout_s, before_connect=before_connect, trust_env=False)
