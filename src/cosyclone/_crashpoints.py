"""Named crash points, for crash-consistency tests "the way databases test them".

``COSYCLONE_CRASH_AT=clone:after-create`` (a comma-separated list of point names) makes the process kill itself
with SIGKILL — no ``finally``, no ``atexit``, no flush — the moment it reaches that point; the test then checks
that the registry opens, no final file is half written, no voice is lost or duplicated, and that running the
same command again finishes the work. Unset (always, outside tests), :func:`crash_point` is one dictionary look-up.

The points (each placed where an interruption would be hardest to recover from):

- ``clone:before-create`` — the intent is recorded, the create request not yet sent;
- ``clone:after-create`` — the service made the voice, the registry does not know it yet;
- ``clone:after-record`` — recorded as DEPLOYING, not yet waited for;
- ``batch:after-item`` — an item's file is in place (billed), the manifest does not say so yet;
- ``batch:after-manifest`` — the manifest records the first item done, the others are still to do;
- ``compare:after-clone`` — a model's voice is made, the compare run's state not yet saved.

Points in the middle of writing a file are reached by killing after varying delays instead (the tests do both).

Who may import it: any module of cosyclone that marks a point.
"""

from __future__ import annotations

import os
import signal

CRASH_ENV = "COSYCLONE_CRASH_AT"
POINTS = (
    "clone:before-create",
    "clone:after-create",
    "clone:after-record",
    "batch:after-item",
    "batch:after-manifest",
    "compare:after-clone",
)


def crash_point(name: str) -> None:
    """Die here, at once and uncleanly (SIGKILL), when ``COSYCLONE_CRASH_AT`` names ``name``."""
    wanted = os.environ.get(CRASH_ENV)
    if wanted and name in wanted.split(","):
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
