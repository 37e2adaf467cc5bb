"""Per-invocation CLI state: the global options and the resources opened from them, closed at exit.

It is the library's :class:`cosyclone.session.Session` (settings, client, registry, embedded emulator, redacted
verbose log, evidence); the name stays for the commands that take it from ``ctx.obj``. Who may import it: ``cli/``.
"""

from __future__ import annotations

from cosyclone.session import Session

CLIState = Session

__all__ = ["CLIState"]
