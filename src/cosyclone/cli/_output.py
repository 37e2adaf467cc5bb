"""Rendering helpers shared by the commands: JSON to stdout, messages to stderr, errors to exit codes."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from typing import Any, NoReturn

import typer

from cosyclone._exceptions import (
    APIConnectionError,
    APIStatusError,
    CosycloneError,
    InvalidRequestError,
    Problem,
    SamplePreflightError,
)
from cosyclone.cli import exit_codes


def emit_json(data: Any) -> None:
    """One JSON document on stdout (one line: easy to pipe to jq or parse from an agent)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def say(message: str) -> None:
    """A human line on stderr (never mixed into stdout, which may carry JSON or audio)."""
    typer.echo(message, err=True)


def exit_code_for(error: BaseException) -> int:
    if isinstance(error, SamplePreflightError):
        return exit_codes.SAMPLE_FAILED
    if isinstance(error, APIConnectionError):
        return exit_codes.NETWORK
    if isinstance(error, APIStatusError):
        return exit_codes.SERVICE_REFUSED
    if isinstance(error, KeyboardInterrupt):
        return exit_codes.INTERRUPTED
    return exit_codes.BAD_INPUT


def error_payload(error: CosycloneError) -> dict[str, Any]:
    payload: dict[str, Any] = {"ok": False, "error": type(error).__name__, "message": error.message}
    if error.hint:
        payload["hint"] = error.hint
    if isinstance(error, InvalidRequestError):
        payload["problems"] = [{"field": p.field, "value": p.value, "rule": p.rule} for p in error.problems]
    if isinstance(error, APIStatusError):
        payload.update(status_code=error.status_code, code=error.code, request_id=error.request_id)
    return payload


def fail(error: CosycloneError, *, as_json: bool = False) -> NoReturn:
    """Report ``error`` (stderr, plus a JSON object on stdout with ``--json``) and exit with its code."""
    if as_json:
        emit_json(error_payload(error))
    say(f"error: {error}")
    raise typer.Exit(exit_code_for(error))


@contextlib.contextmanager
def reporting(*, as_json: bool = False) -> Iterator[None]:
    """Turn any cosyclone error raised in the block into its message and exit code."""
    try:
        yield
    except CosycloneError as error:
        fail(error, as_json=as_json)
    except ConnectionError as error:  # a socket error no lower layer mapped: still a network problem
        fail(APIConnectionError(f"connection failed: {error}"), as_json=as_json)
    except OSError as error:  # a file we were asked to read or write
        where = error.filename or "a file"
        fail(InvalidRequestError([Problem("path", str(where), error.strerror or str(error))]), as_json=as_json)


def table(title: str | None, columns: list[str], rows: list[list[str]]) -> None:
    """Print a Rich table to stdout."""
    from rich.console import Console
    from rich.table import Table

    grid = Table(title=title, show_lines=False, header_style="bold")
    for index, column in enumerate(columns):
        grid.add_column(column, no_wrap=index == 0, overflow="fold")
    for row in rows:
        grid.add_row(*row)
    # Piped output is not cut to 80 columns: ids must stay whole to be copied.
    Console(width=None if sys.stdout.isatty() else 200).print(grid)
