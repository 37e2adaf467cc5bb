"""``cosyclone mcp``: serve cosyclone's tools to an AI agent over the Model Context Protocol (stdio).

Parses nothing of its own: the global options (``--emulator``, ``--region``, ``--base-url``, ``--workspace``,
``--evidence-dir``/``--no-evidence``, ``--verbose``) choose what the tools talk to, through the same
:class:`~cosyclone.ops.session.Session` as every other command. The server lives in :mod:`cosyclone.mcp.server`
and is imported only when the command runs, so that ``cosyclone --help`` stays fast.
"""

from __future__ import annotations

import typer

from cosyclone.cli import exit_codes
from cosyclone.cli._output import say
from cosyclone.ops.session import Session


def mcp(ctx: typer.Context) -> None:
    """Serve the cosyclone tools over MCP on stdin/stdout (for Claude Desktop, Claude Code, Cursor, …).

    Tools: check_sample, clone_voice, list_voices, get_voice, update_voice, delete_voice (needs confirm=true),
    synthesize (writes an audio file and returns its path), score_voice, compare_models (needs confirm=true to
    spend enrollments). Errors come back as tool errors naming the error class, message, hint, code and
    request_id; a bad argument is named with its rule, as the CLI names a bad flag.

    Register it with an MCP host as the command `cosyclone mcp` (with DASHSCOPE_API_KEY in its environment),
    or `cosyclone --emulator mcp` to work offline against the embedded emulator. Stops when the host closes
    stdin. Exit codes: 0 when the host disconnects, 2 when the MCP SDK is missing.
    """
    state: Session = ctx.obj
    try:
        from cosyclone.mcp.server import serve
    except ImportError as error:
        say(f"error: the MCP server needs the `mcp` package ({error}); install it with `pip install 'mcp>=2.3'`")
        raise typer.Exit(exit_codes.BAD_INPUT) from None
    if state.use_emulator:
        say("cosyclone MCP server on stdio, using the in-process emulator (no key, no quota)")
    serve(state)


def register(app: typer.Typer) -> None:
    """Add the ``mcp`` command to the app."""
    app.command("mcp")(mcp)
