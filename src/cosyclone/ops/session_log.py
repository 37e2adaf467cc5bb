"""The verbose request log of a :class:`~cosyclone.ops.session.Session`: cosyclone's own loggers on stderr, redacted;
and the error log where an unexpected failure's details go (one line on the terminal, the stack here).

Third-party loggers stay quiet: websockets, for one, logs the handshake headers (the Authorization header among
them) at DEBUG. Who may import it: :mod:`cosyclone.ops.session` and the front ends (the error log).
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable

from cosyclone.ops.evidence import scrub


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


def write_error_log(error: BaseException, *, secrets: tuple[str, ...] = ()) -> tuple[str, str]:
    """Write ``error``'s stack, scrubbed of ``secrets``, to ``$COSYCLONE_HOME/logs/last-error.txt``; returns
    (where it went, the text). Never raises: an unwritable home is reported in the place of a path."""
    from cosyclone._config import cosyclone_home

    details = scrub("".join(traceback.format_exception(type(error), error, error.__traceback__)), secrets)
    try:
        path = cosyclone_home() / "logs" / "last-error.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(details, encoding="utf-8")
        return str(path), details
    except OSError:
        return "(nowhere: the cosyclone home is not writable)", details
