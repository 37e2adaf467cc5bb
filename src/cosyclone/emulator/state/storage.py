"""Where the emulator's state lives: in memory, or under ``--data-dir`` so that it survives a restart.

Layout of a data directory::

    state.json        voices and uploaded objects of every tenant (written atomically: .part, then rename)
    objects/<sha256>  the bytes of uploaded files, content-addressed

Tenants are stored under their opaque id (a hash of the API key), never the key itself. Synthesized results are
not persisted (they are short-lived download links). Imported by the backend only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from pathlib import Path
from typing import Any

from cosyclone._files import write_bytes_atomic, write_json_atomic

STATE_FILE = "state.json"
OBJECTS_DIR = "objects"
STATE_VERSION = 1

log = logging.getLogger(__name__)


class Storage:
    """A JSON state document plus a content-addressed blob store; in memory when ``data_dir`` is None."""

    def __init__(self, data_dir: Path | None) -> None:
        self.data_dir = data_dir
        self._lock = threading.Lock()
        self._blobs: dict[str, bytes] = {}
        if data_dir is not None:
            (data_dir / OBJECTS_DIR).mkdir(parents=True, exist_ok=True)

    @property
    def persistent(self) -> bool:
        return self.data_dir is not None

    def load_state(self) -> dict[str, Any] | None:
        """The saved state document, or None when there is none (or it cannot be read: then start empty)."""
        if self.data_dir is None:
            return None
        path = self.data_dir / STATE_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            log.warning("emulator state %s unreadable (%s); starting empty", path, error)
            return None
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            log.warning("emulator state %s has an unknown version; starting empty", path)
            return None
        return data

    def save_state(self, state: dict[str, Any]) -> None:
        if self.data_dir is None:
            return
        with self._lock:
            write_json_atomic(self.data_dir / STATE_FILE, {"version": STATE_VERSION, **state})

    def put_blob(self, data: bytes) -> str:
        """Store bytes; returns their name (sha256 hex)."""
        name = hashlib.sha256(data).hexdigest()
        if self.data_dir is None:
            self._blobs[name] = data
        else:
            path = self.data_dir / OBJECTS_DIR / name
            if not path.exists():
                write_bytes_atomic(path, data)
        return name

    def get_blob(self, name: str) -> bytes | None:
        if self.data_dir is None:
            return self._blobs.get(name)
        try:
            return (self.data_dir / OBJECTS_DIR / name).read_bytes()
        except OSError:
            return None

    def delete_blob(self, name: str) -> None:
        if self.data_dir is None:
            self._blobs.pop(name, None)
        else:
            (self.data_dir / OBJECTS_DIR / name).unlink(missing_ok=True)

    def clear_blobs(self) -> None:
        self._blobs.clear()
        if self.data_dir is not None:
            for path in (self.data_dir / OBJECTS_DIR).iterdir():
                if path.is_file():
                    path.unlink(missing_ok=True)
