"""Enrollment claims and intents: the per-claim OS lock (held by a live process, released by the OS when it dies)
and the intent a clone records before sending its create request.

Who may import it: :mod:`cosyclone.registry.store` (which uses both) and the enrollment workflow (the types).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt


@dataclass(frozen=True)
class EnrollIntent:
    """A create about to be sent, recorded before sending it: the claim's key, who sends (account, region,
    workspace, model, prefix), what (the sample's hash or URL), by whom (pid) and when (``started_at``: epoch
    seconds). It is dropped once the voice is recorded, or once the service certainly made nothing."""

    claim_key: str
    account: str
    region: str
    workspace: str
    target_model: str
    prefix: str
    sample_sha256: str | None
    sample_url: str | None
    pid: int
    started_at: float


class ClaimTimeoutError(TimeoutError):
    """A live process held the enrollment claim longer than we were willing to wait."""


def try_lock(fd: int) -> bool:
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
    try:  # pragma: no cover - Windows
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


def unlock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:  # pragma: no cover - Windows
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def holder_of(fd: int) -> str:
    try:
        text = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
    except OSError:
        text = ""
    return text or "a process"
