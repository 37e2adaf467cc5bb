"""Rendering helpers shared by the commands: JSON to stdout, messages to stderr, errors to exit codes.

:func:`reporting` is the safety net: every error a command meets ends as one message (input, rule, next step)
and its documented exit code (:func:`exit_code_for`, the one table of ``exit_codes``), never a traceback. An
unexpected exception (a bug) prints one line and the file that holds its details; ``--verbose`` adds the stack.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import sys
from collections.abc import Iterator
from typing import Any, NoReturn

import typer

from cosyclone._exceptions import (
    APIConnectionError,
    APIStatusError,
    ConfigurationError,
    CosycloneError,
    InvalidRequestError,
    ModelMismatchError,
    Problem,
    RegistryDamagedError,
    ResultNotWrittenError,
    SamplePreflightError,
    VoiceNotReadyError,
    VoiceRejectedError,
)
from cosyclone.cli import exit_codes

#: Set by the global ``--verbose``: unexpected errors then show their stack on stderr.
VERBOSE = False
#: The session of this run (set by the app callback): its ``secrets`` are scrubbed from an error log.
SESSION: Any = None
#: Our temporary names (``NAME.<pid>-<hex>.part``, see ``_files.part_path``): errors show the user's NAME.
_PART_NAME = re.compile(r"\.\d+-[0-9a-f]{8}\.part$")


def emit_json(data: Any) -> None:
    """One JSON document on stdout (one line: easy to pipe to jq or parse from an agent)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def report_result(data: Any, *, as_json: bool, line: str) -> None:
    """A command's result: ``data`` as JSON on stdout with ``--json``, else the human ``line`` on stderr."""
    if as_json:
        emit_json(data)
    else:
        say(line)


def say(message: str) -> None:
    """A human line on stderr (never mixed into stdout, which may carry JSON or audio)."""
    typer.echo(message, err=True)


def exit_code_for(error: BaseException) -> int:
    """The exit code of ``error``: the one table (``exit_codes``, README, ``--help``)."""
    if isinstance(error, ResultNotWrittenError):
        return exit_codes.SENT_NOT_WRITTEN
    if isinstance(error, SamplePreflightError):
        return exit_codes.SAMPLE_FAILED
    if isinstance(error, InvalidRequestError):  # before APIStatusError: a model contradiction is both, not sent
        return exit_codes.BAD_INPUT
    if isinstance(error, VoiceRejectedError):
        return exit_codes.SERVICE_REFUSED
    if isinstance(error, VoiceNotReadyError):
        return exit_codes.STILL_DEPLOYING
    if isinstance(error, APIConnectionError):
        return exit_codes.NETWORK
    if isinstance(error, APIStatusError):
        return exit_codes.SERVICE_REFUSED
    if isinstance(error, KeyboardInterrupt):
        return exit_codes.INTERRUPTED
    return exit_codes.BAD_INPUT


def error_payload(error: CosycloneError) -> dict[str, Any]:
    payload: dict[str, Any] = {"ok": False, "error": type(error).__name__, "message": error.message}
    families = [c.__name__ for c in (ModelMismatchError, InvalidRequestError) if isinstance(error, c)]
    if families and families != [type(error).__name__]:
        payload["is_a"] = families  # e.g. a model contradiction: both a ModelMismatchError and an InvalidRequestError
    if error.hint:
        payload["hint"] = error.hint
    if isinstance(error, InvalidRequestError):
        payload["problems"] = [{"field": p.field, "value": p.value, "rule": p.rule} for p in error.problems]
    if isinstance(error, APIStatusError) and not isinstance(error, InvalidRequestError):
        payload.update(status_code=error.status_code, code=error.code, request_id=error.request_id)
    if isinstance(error, ResultNotWrittenError):
        payload.update(
            sent=True, characters=error.characters, request_id=error.request_id, path=str(error.path),
            kept_at=str(error.kept_at) if error.kept_at else None,
        )  # fmt: skip
    return payload


def fail(error: CosycloneError, *, as_json: bool = False) -> NoReturn:
    """Report ``error`` (stderr, plus a JSON object on stdout with ``--json``) and exit with its code."""
    if isinstance(error, APIConnectionError):
        _name_the_endpoint(error)
    if as_json:
        emit_json(error_payload(error))
    say(f"error: {error}")
    raise typer.Exit(exit_code_for(error))


def _name_the_endpoint(error: APIConnectionError) -> None:
    """A connection that failed says where it was trying to go (host:port, the URLs and where they came from)
    and how many attempts were made, so that a closed ``--base-url`` port is recognisable as one."""
    client = getattr(SESSION, "_client", None)
    endpoints = getattr(client, "endpoints", None)
    if endpoints is None or "after " in error.hint:
        return
    from urllib.parse import urlsplit

    host = urlsplit(endpoints.http_base_url).netloc or endpoints.http_base_url
    policy = getattr(client, "retry_policy", None)
    attempts = getattr(policy, "max_retries", None)
    # A connection never made is retried by the client's policy; one that may have reached the service is not.
    tried = f" after {attempts + 1} attempt(s)" if isinstance(attempts, int) and not error.request_sent else ""
    error.rehint(
        f"nothing answered at {host}{tried} (HTTP {endpoints.http_base_url}, WebSocket {endpoints.ws_url}; from "
        f"{endpoints.source}): check that the service — or `cosyclone emulator` — is running there and the URL is "
        "right, then try again"
    )


def user_path(filename: object) -> str:
    """The path as the user named it: our temporary ``NAME.<pid>-<hex>.part`` shown as ``NAME``."""
    return _PART_NAME.sub("", os.fsdecode(filename)) if isinstance(filename, (str, bytes, os.PathLike)) else ""


def stdout_closed() -> NoReturn:
    """Whoever reads stdout closed it (``| head``): stop quietly, and keep Python from complaining at exit."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    raise typer.Exit(exit_codes.STDOUT_CLOSED)


@contextlib.contextmanager
def reporting(*, as_json: bool = False) -> Iterator[None]:
    """Turn any error raised in the block into one message and its exit code (see the module docstring)."""
    try:
        yield
    except (typer.Exit, typer.Abort, typer.TyperException):  # typer's own: usage errors, exits
        raise
    except CosycloneError as error:
        fail(error, as_json=as_json)
    except BrokenPipeError:
        stdout_closed()
    except KeyboardInterrupt as error:  # Ctrl-C: say what state things are in (a clone says what it sent)
        interrupted(getattr(error, "state", ""), as_json=as_json)
    except ConnectionError as error:  # a socket error no lower layer mapped: still a network problem
        fail(APIConnectionError(f"connection failed: {error}"), as_json=as_json)
    except OSError as error:  # a file we were asked to read or write
        where = user_path(error.filename) or "a file"
        fail(InvalidRequestError([Problem("path", where, error.strerror or str(error))]), as_json=as_json)
    except UnicodeError as error:
        problem = Problem("input", f"byte {getattr(error, 'start', '?')}", "is not UTF-8 text")
        hint = "save the text as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)"
        fail(InvalidRequestError([problem], hint=hint), as_json=as_json)
    except sqlite3.OperationalError as error:  # locked for too long, disk full, read-only: not damage
        unusable = ConfigurationError(
            f"the voice registry could not be read or written: {error}",
            hint="check the free space and permissions of COSYCLONE_HOME (or another process holding it), then "
            "run again",
        )
        fail(unusable, as_json=as_json)
    except sqlite3.DatabaseError as error:
        fail(RegistryDamagedError("(registry.sqlite3)", str(error)), as_json=as_json)
    except Exception as error:  # a bug: one line, the details in a file
        internal_error(error, as_json=as_json)


def confirmed(question: str, *, refused: str, command: str) -> bool:
    """Ask ``question`` on stderr and read yes/no from a terminal. Without a terminal on stdin (a pipe,
    ``< /dev/null``, an agent) nothing is asked: InvalidRequestError (exit 2) says that confirmation needs a
    terminal or ``--yes`` (``command``: the command to run instead; ``refused``: what was not done)."""
    if not sys.stdin.isatty():
        raise InvalidRequestError(
            [Problem("--yes", False, f"not confirmed: confirmation needs a terminal (stdin is not one); {refused}")],
            hint=f"run `{command}` to confirm without asking",
        )
    try:
        return bool(typer.confirm(question, default=False, err=True))
    except typer.Abort:  # end of input, Ctrl-D
        return False


def interrupted(state: str, *, as_json: bool = False) -> NoReturn:
    """Ctrl-C: one line saying what was done (``state``, when the command knows it) and how to finish; exit 130."""
    if as_json:
        emit_json({"ok": False, "error": "Interrupted", "message": state or "interrupted"})
    say(f"interrupted: {state}" if state else "interrupted")
    raise typer.Exit(exit_codes.INTERRUPTED)


def internal_error(error: BaseException, *, as_json: bool = False) -> NoReturn:
    """Report an unexpected exception: one line naming it and the file holding its stack (the stack itself on
    stderr only with ``--verbose``); exit 70."""
    from cosyclone.ops.session_log import write_error_log

    where, details = write_error_log(error, secrets=tuple(getattr(SESSION, "secrets", ())))
    if VERBOSE:
        sys.stderr.write(details)
    if as_json:
        emit_json({"ok": False, "error": "InternalError", "message": f"{type(error).__name__}: {error}", "log": where})
    say(
        f"internal error: {type(error).__name__}: {error} — this is a bug in cosyclone; the details are in {where} "
        "(rerun with --verbose to see them here)"
    )
    raise typer.Exit(exit_codes.INTERNAL)


def table(title: str | None, columns: list[str], rows: list[list[str]]) -> None:
    """Print a Rich table to stdout. Every title, heading and cell is plain text, never Rich markup: a hint such
    as ``pip install 'cosyclone[quality]'`` keeps its brackets."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    grid = Table(title=escape(title) if title is not None else None, show_lines=False, header_style="bold")
    for index, column in enumerate(columns):
        grid.add_column(escape(column), no_wrap=index == 0, overflow="fold")
    for row in rows:
        grid.add_row(*(escape(str(cell)) for cell in row))
    # Piped output is not cut to 80 columns: ids must stay whole to be copied.
    Console(width=None if sys.stdout.isatty() else 200).print(grid)
