"""The verbose request log of a :class:`~cosyclone.session.Session`: cosyclone's own loggers on stderr, redacted.

Third-party loggers stay quiet: websockets, for one, logs the handshake headers (the Authorization header among
them) at DEBUG. Who may import it: :mod:`cosyclone.session`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from cosyclone.evidence import scrub


class _RedactedStderr(logging.Handler):
    """Writes to whatever sys.stderr is at the time (the CLI may be run in-process, e.g. by tests)."""

    def __init__(self, secrets: Callable[[], tuple[str, ...]]) -> None:
        super().__init__()
        self._secrets = secrets

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(f"{record.name}: {scrub(record.getMessage(), self._secrets())}\n")
        except Exception:
            self.handleError(record)


def log_verbosely(secrets: Callable[[], tuple[str, ...]]) -> Callable[[], None]:
    """Send the ``cosyclone`` loggers to stderr at DEBUG, every line scrubbed of ``secrets()`` (asked each time:
    the key may be known only later); returns the function that puts things back."""
    handler = _RedactedStderr(secrets)
    logger = logging.getLogger("cosyclone")
    previous = (logger.level, logger.propagate)
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    logger.propagate = False

    def restore() -> None:
        logger.removeHandler(handler)
        logger.setLevel(previous[0])
        logger.propagate = previous[1]

    return restore
