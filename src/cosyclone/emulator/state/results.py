"""Synthesized audio kept for download (the ``audio.url`` of HTTP synthesis), served without auth until expiry.

Memory only, bounded: the oldest results are evicted past :data:`MAX_TOTAL_BYTES`. Imported by the backend.
"""

from __future__ import annotations

import mimetypes
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass

from cosyclone.schema.endpoints import EMULATOR_RESULTS_PATH as RESULTS_PATH

MAX_TOTAL_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class StoredResult:
    tenant: str
    data: bytes
    content_type: str
    expires_at: float


class ResultStore:
    def __init__(self, *, max_total_bytes: int = MAX_TOTAL_BYTES) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[str, StoredResult] = OrderedDict()
        self._total = 0
        self._max_total = max_total_bytes

    def put(self, tenant: str, data: bytes, suffix: str, *, expires_at: float) -> str:
        """Keep ``data``; returns the URL path it is served at (``/_emulator/results/<id><suffix>``)."""
        suffix = suffix if not suffix or suffix.startswith(".") else "." + suffix
        name = uuid.uuid4().hex + suffix
        content_type = mimetypes.guess_type("x" + suffix)[0] or "application/octet-stream"
        with self._lock:
            self._items[name] = StoredResult(tenant, bytes(data), content_type, expires_at)
            self._total += len(data)
            while self._total > self._max_total and len(self._items) > 1:
                _, evicted = self._items.popitem(last=False)
                self._total -= len(evicted.data)
        return f"{RESULTS_PATH}/{name}"

    def get(self, name: str, *, now: float) -> StoredResult | None:
        with self._lock:
            item = self._items.get(name)
            if item is not None and item.expires_at <= now:
                del self._items[name]
                self._total -= len(item.data)
                return None
            return item

    def clear(self, tenant: str | None = None) -> None:
        with self._lock:
            for name, item in list(self._items.items()):
                if tenant is None or item.tenant == tenant:
                    del self._items[name]
                    self._total -= len(item.data)

    def count(self) -> int:
        with self._lock:
            return len(self._items)
