"""API keys and tenants: each accepted key is a tenant of its own, known by an opaque id (never the key).

Imported by the backend. No I/O.
"""

from __future__ import annotations

import hashlib

KEY_PREFIX = "sk-"


def tenant_id(api_key: str) -> str:
    """The opaque tenant id of a key: stable across restarts, and safe to store, log and show."""
    return "t-" + hashlib.sha256(api_key.encode("utf-8")).hexdigest()[:20]


def bearer_key(authorization: str | None) -> str | None:
    """The key of an ``Authorization: Bearer <key>`` header value (None when absent or malformed)."""
    if not authorization:
        return None
    scheme, _, key = authorization.strip().partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        return None
    return key


def key_accepted(key: str, allowed: frozenset[str] | None) -> bool:
    """Whether a key opens a tenant: any well-formed ``sk-…`` key, or only the listed ones (``--keys``)."""
    if allowed is not None:
        return key in allowed
    return key.startswith(KEY_PREFIX) and len(key) > len(KEY_PREFIX) and key.isprintable() and " " not in key
