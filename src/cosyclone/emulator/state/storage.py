"""Where the emulator's state lives: in memory, or under ``--data-dir`` so that it survives a restart.

Layout of a data directory::

    state.json        voices and uploaded objects of every tenant (written atomically: .part, then rename)
    state.lock        taken (an exclusive OS file lock) by whoever changes state.json
    objects/<sha256>  the bytes of uploaded files, content-addressed

Several processes may share one data directory (two CLI commands with the embedded emulator at once): a change
is made under :meth:`Storage.locked`, after reloading state.json if another process wrote it since
(:meth:`Storage.changed`), and saved before the lock is released. Readers need no lock: state.json is only ever
replaced whole, by a rename.

Tenants are stored under their opaque id (a hash of the API key), never the key itself. Synthesized results are
not persisted (they are short-lived download links). Imported by the backend's core only.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cosyclone._files import write_bytes_atomic, write_json_atomic

STATE_FILE = "state.json"
LOCK_FILE = "state.lock"
OBJECTS_DIR = "objects"
STATE_VERSION = 1

log = logging.getLogger(__name__)


class Storage:
    """A JSON state document plus a content-addressed blob store; in memory when ``data_dir`` is None."""

    def __init__(self, data_dir: Path | None) -> None:
        self.data_dir = data_dir
        self._lock = threading.Lock()
        self._blobs: dict[str, bytes] = {}
        self._seen: tuple[int, int, int] | None = None
        self._lock_depth = 0
        self._lock_fd: int | None = None
        if data_dir is not None:
            (data_dir / OBJECTS_DIR).mkdir(parents=True, exist_ok=True)

    @property
    def persistent(self) -> bool:
        return self.data_dir is not None

    def _signature(self) -> tuple[int, int, int] | None:
        """What identifies the state file's current version: inode, size and modification time (None: none)."""
        if self.data_dir is None:
            return None
        try:
            stat = (self.data_dir / STATE_FILE).stat()
        except OSError:
            return None
        return (stat.st_ino, stat.st_size, stat.st_mtime_ns)

    def changed(self) -> bool:
        """Whether state.json is not the version this process last loaded or saved (another process wrote it)."""
        return self.data_dir is not None and self._signature() != self._seen

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the data directory's lock (across processes) for a change; re-entrant within the caller's own
        thread lock. In memory there is nothing to lock."""
        if self.data_dir is None:
            yield
            return
        if self._lock_depth == 0:
            fd = os.open(self.data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                _lock_file(fd)
            except BaseException:
                os.close(fd)
                raise
            self._lock_fd = fd
        self._lock_depth += 1
        try:
            yield
        finally:
            self._lock_depth -= 1
            if self._lock_depth == 0 and self._lock_fd is not None:
                fd, self._lock_fd = self._lock_fd, None
                _unlock_file(fd)
                os.close(fd)

    def load_state(self) -> dict[str, Any] | None:
        """The saved state document, or None when there is none (or it cannot be read: then start empty)."""
        if self.data_dir is None:
            return None
        path = self.data_dir / STATE_FILE
        self._seen = self._signature()
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
            self._seen = self._signature()

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


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock_file(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_LOCK, 1)

    def _unlock_file(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock_file(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)

    def _unlock_file(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
