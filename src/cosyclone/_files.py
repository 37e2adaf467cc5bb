"""Write files so that nothing half-written ever sits under its final name.

Everything is written to a ``NAME.<unique>.part`` file beside the target and renamed into place only when
complete; on any error (Ctrl-C included) the ``.part`` file is removed. The unique middle part keeps two writers
of one target (two processes sharing an evidence folder) from writing into each other's file. A target that can
never be a file (``.``, a directory, a path under a file) raises :class:`OutputPathError` before anything is
written. Importable from anywhere in the package.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from cosyclone._exceptions import InvalidRequestError, Problem


class OutputPathError(InvalidRequestError):
    """An output path that cannot be written (a directory, under a file, not writable)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__([Problem("output", str(path), reason)], hint="give a file path in a writable folder")


def check_output_path(path: str | os.PathLike[str]) -> Path:
    """``path`` as a Path, or OutputPathError when it can never be written as a file (checked before any work)."""
    target = Path(path)
    if target.name in ("", ".", "..") or target.is_dir():
        raise OutputPathError(target, "is a directory, not a file name")
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputPathError(target, f"{parent} is a file, not a folder")
            if not os.access(parent, os.W_OK):
                raise OutputPathError(target, f"{parent} is not writable")
            break
    return target


def probe_writable(folder: Path, *, field: str = "output", shown: str | None = None) -> None:
    """Check, before anything is sent or billed, that files can really be created in ``folder`` (or, if it does
    not exist yet, in the nearest folder above it that does): a probe file is created and removed. ``os.access``
    alone is not enough (root, read-only mounts, ACLs). Raises InvalidRequestError naming ``field``, the path
    the user gave (``shown``, default the folder) and the reason."""
    existing = folder  # a folder still to be made is judged by the nearest one that exists (nothing is created)
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        if not existing.is_dir():
            raise NotADirectoryError(20, f"{existing} is a file, not a folder")
        probe = existing / f".cosyclone-probe.{os.getpid()}-{uuid.uuid4().hex[:8]}.part"
        with probe.open("wb") as handle:
            handle.write(b"\0")
        probe.unlink()
    except OSError as error:
        where = f"its folder {folder} cannot hold files" if shown is not None else "cannot hold files"
        raise InvalidRequestError(
            [Problem(field, shown if shown is not None else str(folder), f"{where}: {error.strerror or error}")],
            hint="choose a writable folder (or free space) and run again; nothing was sent",
        ) from None


def part_path(path: Path) -> Path:
    """A temporary name beside ``path``, unique to this writer, ending in ``.part``."""
    return path.with_name(f"{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.part")


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """Open ``path.part`` for binary writing; rename it to ``path`` when the block ends without error."""
    target = check_output_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = part_path(target)
    handle = temp.open("wb")
    try:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        os.replace(temp, target)
    except BaseException:
        handle.close()
        temp.unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    with atomic_writer(path) as handle:
        handle.write(data)
    return Path(path)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: str | os.PathLike[str], data: Any) -> Path:
    return write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


_PART_SUFFIX = re.compile(r"\.(\d+)-[0-9a-f]{8}\.part$")


def remove_dead_parts(folder: Path) -> list[Path]:
    """Remove the ``.part`` files a *dead* writer left in ``folder`` (killed, e.g. SIGKILL, before it could clean
    up: see :func:`part_path`); a live writer's file is left alone. Returns what was removed."""
    removed: list[Path] = []
    if sys.platform == "win32" or not folder.is_dir():
        return removed
    for candidate in folder.glob("*.part"):
        match = _PART_SUFFIX.search(candidate.name)
        if match is None or int(match.group(1)) == os.getpid():
            continue
        try:
            os.kill(int(match.group(1)), 0)
            continue  # its writer is alive
        except ProcessLookupError:
            pass
        except (PermissionError, OverflowError):
            continue
        with contextlib.suppress(OSError):
            candidate.unlink()
            removed.append(candidate)
    return removed
