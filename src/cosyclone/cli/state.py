"""Per-invocation CLI state: the global options, and the resources opened from them (closed at exit)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cosyclone.evidence import Evidence


@dataclass
class CLIState:
    region: str | None = None
    base_url: str | None = None
    workspace: str | None = None
    use_emulator: bool = False
    evidence_dir: Path | None = None
    verbose: bool = False
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def evidence(self, *, secrets: tuple[str, ...] = ()) -> Evidence:
        return Evidence(self.evidence_dir, secrets=secrets)

    def on_close(self, closer: Callable[[], None]) -> None:
        self._closers.append(closer)

    def close(self) -> None:
        while self._closers:
            self._closers.pop()()
