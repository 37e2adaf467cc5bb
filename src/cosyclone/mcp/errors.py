"""How an MCP tool error reads: the error class and message, its hint, and for service errors the code, HTTP
status and request_id — never a traceback, never the API key.

Who may import it: :mod:`cosyclone.mcp.server`.
"""

from __future__ import annotations

from pathlib import Path

from cosyclone._exceptions import (
    APIStatusError,
    CosycloneError,
    InvalidRequestError,
    ModelMismatchError,
    SamplePreflightError,
)

#: Classes an agent may catch by: a subclass says which of them it also is (a model contradiction is both).
_FAMILIES = (ModelMismatchError, InvalidRequestError)


def error_name(error: CosycloneError) -> str:
    """The class name, plus the families it belongs to: ``ModelContradictionError (a ModelMismatchError, an
    InvalidRequestError)``."""
    families = [f"a {c.__name__}" for c in _FAMILIES if isinstance(error, c) and type(error) is not c]
    return f"{type(error).__name__} ({', '.join(families)})" if families else type(error).__name__


def describe_error(error: BaseException, *, secrets: tuple[str, ...] = ()) -> str:
    """The text of a tool error: class and message, then ``hint``, ``code``, ``status_code``, ``request_id`` lines
    (and the failing findings of a preflight), with every secret in ``secrets`` replaced by ``[REDACTED]``."""
    if isinstance(error, CosycloneError):
        lines = [f"{error_name(error)}: {error.message}"]
        if isinstance(error, SamplePreflightError) and error.report is not None:
            for finding in error.report.findings:
                if finding.level == "fail":
                    unit = f" {finding.unit}" if finding.unit else ""
                    lines.append(
                        f"finding: {finding.code} (measured {finding.measured}{unit}, limit {finding.limit}{unit})"
                    )
        if error.hint:
            lines.append(f"hint: {error.hint}")
        if isinstance(error, APIStatusError) and not isinstance(error, InvalidRequestError):  # sent: service facts
            lines.append(f"code: {error.code}")
            if error.status_code is not None:
                lines.append(f"status_code: {error.status_code}")
            lines.append(f"request_id: {error.request_id or '(none)'}")
    elif isinstance(error, OSError):
        lines = [
            f"{type(error).__name__}: {error}",
            f"hint: check the path and its permissions; relative paths start at the server's working directory "
            f"({Path.cwd()})",
        ]
    else:
        lines = [
            f"{type(error).__name__}: {error}",
            "hint: an unexpected failure inside cosyclone (a bug); its details are in "
            "$COSYCLONE_HOME/logs/last-error.txt",
        ]
    text = "\n".join(lines)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[REDACTED]")
    return text
