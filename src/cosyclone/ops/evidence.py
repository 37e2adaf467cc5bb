"""Evidence files under ``output/aliyun-cosyvoice-voice-clone/`` (the seed's "Output And Evidence").

Every command that talks to the service (or prepares a request for it) leaves a summary here: what was asked
(target_model, prefix, sample URL), what came back (voice_id, request_id) and when. ``--evidence-dir`` moves
the folder, ``--no-evidence`` turns it off. Who may import it: the session (and through it both front ends), the
demo, the verbose log (:func:`scrub`), and CLI commands that write their own evidence.

Nothing written here may contain the API key: every string is scrubbed of registered secrets and of anything
shaped like a DashScope key (``sk-…``) before it reaches the disk.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from cosyclone._files import check_output_path, probe_writable, write_bytes_atomic, write_json_atomic, write_text_atomic

DEFAULT_EVIDENCE_DIR = Path("output") / "aliyun-cosyvoice-voice-clone"
#: A DashScope key standing on its own ("Bearer sk-…", "key=sk-…"), not "sk-" inside a word or an id such as
#: "cosyvoice-v3.5-plus-task-0123…".
_KEY_SHAPE = re.compile(r"(?<![A-Za-z0-9\-])sk-[A-Za-z0-9_\-]{6,}")
REDACTED = "[REDACTED]"


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def scrub(value: Any, secrets: tuple[str, ...] = ()) -> Any:
    """A copy of ``value`` (JSON-like) with every secret and every ``sk-…`` token replaced by ``[REDACTED]``."""
    if isinstance(value, str):
        for secret in secrets:
            if secret:
                value = value.replace(secret, REDACTED)
        return _KEY_SHAPE.sub(REDACTED, value)
    if isinstance(value, dict):
        return {scrub(k, secrets): scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(v, secrets) for v in value]
    return value


class _Secrets:
    """The values to scrub, held so that no ``repr`` (of the folder, or of its ``vars()``) shows them."""

    __slots__ = ("values",)

    def __init__(self, values: tuple[str, ...]) -> None:
        self.values = values

    def __repr__(self) -> str:
        return f"<{len(self.values)} secret(s)>"


class Evidence:
    """The evidence folder of one run (a no-op when disabled)."""

    def __init__(self, directory: Path | None = DEFAULT_EVIDENCE_DIR, *, secrets: tuple[str, ...] = ()) -> None:
        if directory is not None:
            check_output_path(directory / "evidence.json")  # a folder that can never hold files: say so now
        self.directory = directory
        self._secrets = _Secrets(secrets)

    def __repr__(self) -> str:
        return f"Evidence({self.directory!r})"

    @property
    def enabled(self) -> bool:
        return self.directory is not None

    def add_secret(self, secret: str) -> None:
        self._secrets = _Secrets((*self._secrets.values, secret))

    def path(self, name: str) -> Path | None:
        return self.directory / name if self.directory is not None else None

    def check_writable(self, *names: str) -> None:
        """Before sending: the folder can hold files, and neither ``names`` nor ``history.jsonl`` is a folder
        (raises InvalidRequestError / OutputPathError naming ``--evidence-dir``: nothing was sent)."""
        if self.directory is None:
            return
        probe_writable(self.directory, field="--evidence-dir")
        for name in (*names, "history.jsonl"):
            check_output_path(self.directory / name)

    def write_json(self, name: str, data: Any) -> Path | None:
        """Write ``name`` (scrubbed, atomically) and append a line to ``history.jsonl``."""
        if self.directory is None:
            return None
        clean = scrub(data, self._secrets.values)
        if isinstance(clean, dict):
            clean.setdefault("recorded_at", utc_now())
        target = write_json_atomic(self.directory / name, clean)
        with (self.directory / "history.jsonl").open("a", encoding="utf-8") as log:
            log.write(json.dumps({"at": utc_now(), "file": name, "data": clean}, default=str) + "\n")
        return target

    def write_text(self, name: str, text: str) -> Path | None:
        if self.directory is None:
            return None
        return write_text_atomic(self.directory / name, scrub(text, self._secrets.values))

    def write_bytes(self, name: str, data: bytes) -> Path | None:
        if self.directory is None:
            return None
        return write_bytes_atomic(self.directory / name, data)
