"""``cosyclone emulator``: serve the offline DashScope emulator until Ctrl-C.

Parses flags, starts :class:`cosyclone.emulator.server.EmulatorServer`, prints where it listens. The emulator is
imported only when the command runs, so that ``cosyclone --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cosyclone.cli import exit_codes
from cosyclone.cli._output import emit_json, say
from cosyclone.ops.session import Session

if TYPE_CHECKING:
    from cosyclone.emulator.server import EmulatorServer

DEFAULT_PORT = 8765


def emulator(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (keep it on loopback)."),
    port: int = typer.Option(
        DEFAULT_PORT, "--port", min=0, max=65535, help="Port 0–65535; 0 picks a free one (printed)."
    ),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", help="Keep voices and uploads here across restarts (default: memory only)."
    ),
    keys: str | None = typer.Option(
        None, "--keys", help="Comma-separated API keys to accept (default: any key starting with sk-)."
    ),
    ready_delay: float = typer.Option(
        0.0, "--ready-delay", min=0.0, help="Seconds a new voice stays DEPLOYING before it is OK."
    ),
    allow_private_urls: bool = typer.Option(
        False, "--allow-private-urls", help="Let sample URLs point at private/link-local networks."
    ),
    voice_engine: str | None = typer.Option(
        None,
        "--voice-engine",
        help="speech (reads the text aloud in a voice near the sample; needs cosyclone[speech]) or formant "
        "(a fast buzz, no words). Default: $COSYCLONE_VOICE_ENGINE, else speech when installed.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON line with the URLs instead of export lines."),
) -> None:
    """Serve the DashScope CosyVoice endpoints on this machine (no key, no quota, no network).

    Prints the environment to export so that cosyclone and the official dashscope SDK talk to it:

      export DASHSCOPE_HTTP_BASE_URL=http://127.0.0.1:PORT/api/v1
      export DASHSCOPE_WEBSOCKET_BASE_URL=ws://127.0.0.1:PORT/api-ws/v1/inference

    Any API key starting with sk- works (each key is its own account) unless --keys is given. Tests steer it
    through the control plane at http://127.0.0.1:PORT/_emulator (see docs/emulator.md). Ctrl-C stops it.
    """
    from cosyclone.emulator.server import EmulatorServer
    from cosyclone.emulator.voice.engine_choice import EngineChoiceError

    state: Session | None = ctx.obj
    key_set = frozenset(k.strip() for k in keys.split(",") if k.strip()) if keys else None
    if keys is not None and not key_set:
        say("error: --keys needs at least one key")
        raise typer.Exit(exit_codes.BAD_INPUT)
    try:
        server = EmulatorServer(
            host=host,
            port=port,
            log_level="info" if state is not None and state.verbose else "warning",
            data_dir=data_dir,
            keys=key_set,
            ready_delay_s=ready_delay,
            allow_private_urls=allow_private_urls,
            voice_engine=voice_engine,
        )
    except EngineChoiceError as error:
        say(f"error: {error}")
        raise typer.Exit(exit_codes.BAD_INPUT) from error
    try:
        server.start()
    except OSError as error:
        say(f"error: cannot listen on {host}:{port}: {error.strerror or error}")
        raise typer.Exit(exit_codes.BAD_INPUT) from error
    _announce(server, host=host, as_json=as_json)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        say("emulator stopped")
    finally:
        server.stop()


def _announce(server: EmulatorServer, *, host: str, as_json: bool) -> None:
    """Where the emulator listens: the export lines (or one JSON line) on stdout, the rest on stderr."""
    if as_json:
        emit_json(
            {
                "port": server.port,
                "http_base_url": server.http_base_url,
                "ws_url": server.ws_url,
                "control_url": server.control_url,
                "env": server.env(),
            }
        )
    else:
        for name, value in server.env().items():
            typer.echo(f"export {name}={value}")
    say(
        f"cosyclone emulator listening on {server.base_url} (port {server.port}); control plane {server.control_url}; "
        f"voice engine {server.backend.voice_engine}"
    )
    if host not in ("127.0.0.1", "::1", "localhost"):
        say("warning: the control plane has no authentication; anyone who can reach this address can steer it")
    say("Ctrl-C to stop")


def register(app: typer.Typer) -> None:
    """Add the ``emulator`` command to the app."""
    app.command("emulator")(emulator)
