"""``cosyclone studio``: serve the studio (:mod:`cosyclone.studio`) on this machine and open it in the browser.

Parses its options, binds the socket, starts uvicorn and says where it is; the page and its API live in
``cosyclone.studio``. The global options (``--emulator``, ``--region``, …) choose what the studio talks to, through
the same session as every other command.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from typing import TYPE_CHECKING

import typer

from cosyclone._exceptions import InvalidRequestError, Problem
from cosyclone.cli._output import fail, say
from cosyclone.ops.session import Session

if TYPE_CHECKING:
    from starlette.applications import Starlette

DEFAULT_PORT = 8642


def studio(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: loopback only)."),
    port: int = typer.Option(DEFAULT_PORT, "--port", help="Port to listen on (0: any free port)."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Do not open the page in the browser."),
    consent_text: str | None = typer.Option(
        None, "--consent-text", metavar="TEXT", help="The words a speaker reads to consent (default: consent-text)."
    ),
) -> None:
    """Serve the studio, a local web page to record, check, consent, clone, listen and score in the browser.

    Record a sample (or choose a file): it is checked at once (pass, warn or fail, with the picture). Record the
    speaker reading the consent sentence: it is verified (the words, and the speaker against the sample). Then
    clone, listen to the new voice, and see its score; the voices of the registry are listed. Recordings are
    converted to 16-bit PCM WAV and kept in $COSYCLONE_HOME/studio (consent recordings with the voice, in
    $COSYCLONE_HOME/consent).

    Prints a line with http://HOST:PORT/ once it is serving; stop it with Ctrl-C. It answers only to its own
    address (requests from other sites are refused) and the API key never reaches the page.
    Exit codes: 0 stopped, 2 bad option, port in use, or no API key (without --emulator).
    """
    state: Session = ctx.obj
    listener = _bind(host, port)
    try:
        state.settings()  # the key found (or the embedded emulator started) before the page is served
    except BaseException:
        listener.close()
        raise
    bound_port = listener.getsockname()[1]
    url = f"http://{_url_host(host)}:{bound_port}/"
    from cosyclone.studio.app import create_app

    app = create_app(state, allowed_hosts=_own_names(host, bound_port), consent_text=consent_text)
    if not _is_loopback(host):
        say(f"warning: serving on {host}: anyone who can reach it can clone voices with your account")
    if state.use_emulator:
        say("using the in-process emulator (no key, no quota)")
    _serve(app, listener, url, open_browser=not no_browser)


def _bind(host: str, port: int) -> socket.socket:
    if not 0 <= port <= 65535:
        fail(InvalidRequestError([Problem("--port", port, "must be between 0 and 65535")]))
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        rule = "is in use: choose another --port (0 picks a free one)" if port else f"cannot be used ({error.strerror})"
        fail(InvalidRequestError([Problem("--port" if port else "--host", port or host, rule)]))
    listener.listen(64)
    return listener


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _own_names(host: str, port: int) -> set[str]:
    """The ``Host`` values the server answers to: its address, and the loopback names when it is on loopback."""
    names = {f"{_url_host(host)}:{port}"}
    if _is_loopback(host):
        names |= {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}
    return names


def _serve(app: Starlette, listener: socket.socket, url: str, *, open_browser: bool) -> None:
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    server = uvicorn.Server(config)

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            typer.echo(f"cosyclone studio serving at {url} (Ctrl-C to stop)")
            if open_browser:
                import webbrowser

                webbrowser.open(url)

    threading.Thread(target=announce, name="studio-announce", daemon=True).start()
    server.run(sockets=[listener])


def register(app: typer.Typer) -> None:
    app.command("studio")(studio)
