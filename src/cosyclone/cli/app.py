"""The ``cosyclone`` entry point: global options and the list of commands.

Commands load on first use (:mod:`cosyclone.cli._lazy`): ``cosyclone --help`` imports no command module, so it
stays fast (no pydantic, httpx, numpy); each command's module loads when it runs or shows its own help.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from cosyclone._version import __version__
from cosyclone.catalog import REGIONS
from cosyclone.cli import exit_codes
from cosyclone.cli._lazy import Entry, LazyGroup
from cosyclone.ops.settings_doc import option_help

#: Every command, in the order ``--help`` lists them: the module whose ``register(app)`` adds it, and its
#: summary (the first sentence of its help; a test keeps the two equal).
COMMANDS = {
    "demo": Entry(
        "cosyclone.cli.demo", "Check a speech sample, clone it, wait until ready and speak a sentence with it."
    ),
    "check": Entry(
        "cosyclone.cli.check",
        "Check voice samples against the CosyVoice clone rules (format, ≤ 10 MB, ≤ 60 s, ≥ 16 kHz, ≥ 5 s of "
        "continuous speech, pauses ≤ 2 s, speech on the first channel) and quality (10–20 s, clipping, noise, level).",
    ),
    "clone": Entry("cosyclone.cli.clone", "Clone a voice from SAMPLE and print its voice_id."),
    "consent-text": Entry(
        "cosyclone.cli.consent",
        "Print the default consent sentence: the speaker reads it aloud for `clone --consent RECORDING`.",
    ),
    "design": Entry("cosyclone.cli.design", "Design a voice from a description (VOICE_PROMPT) and print its voice_id."),
    "speak": Entry("cosyclone.cli.speak", "Speak TEXT with a voice."),
    "batch": Entry(
        "cosyclone.cli.batch",
        "Synthesize every item of INPUT into OUT_DIR/ID.FORMAT, writing OUT_DIR/manifest.json (id, file, duration, "
        "characters, request_id, error).",
    ),
    "score": Entry(
        "cosyclone.cli.score",
        "Score a cloned voice: speaker similarity to its sample, intelligibility (WER), loudness/clipping/rate.",
    ),
    "compare": Entry(
        "cosyclone.cli.compare",
        "Which model clones this voice best? Clone SAMPLE into each model, score each voice, rank them.",
    ),
    "prepare": Entry(
        "cosyclone.cli.prepare", "Validate a voice-clone request and write its wire JSON (no key, no network needed)."
    ),
    "validate": Entry(
        "cosyclone.cli.validate",
        "Compile-check every module of cosyclone and write validate.txt (containing py_compile_ok) as evidence.",
    ),
    "emulator": Entry(
        "cosyclone.cli.emulator",
        "Serve the DashScope CosyVoice endpoints on this machine (no key, no quota, no network).",
    ),
    "mcp": Entry(
        "cosyclone.cli.mcp",
        "Serve the cosyclone tools over MCP on stdin/stdout (for Claude Desktop, Claude Code, Cursor, …).",
    ),
    "voices": Entry("cosyclone.cli.voices", "List, inspect, update, delete, sync and import cloned voices."),
    "studio": Entry(
        "cosyclone.cli.studio",
        "Serve the studio, a local web page to record, check, consent, clone, listen and score in the browser.",
    ),
}


class _ErrorsToExitCodes(LazyGroup):
    """The safety net under every command: any cosyclone error (or an OS error on a path the user gave) that a
    command did not report itself becomes its message on stderr and its documented exit code, never a
    traceback. Commands with --json report their own errors (as JSON) through ``_output.reporting``."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        from cosyclone.cli._output import reporting

        try:
            with reporting(as_json=False):
                return super().invoke(ctx)
        except Exception as error:  # `clone x --emulator`: a global option written after the command
            self._hint_global_option(ctx, error)
            raise

    def _hint_global_option(self, ctx: typer.Context, error: Exception) -> None:
        """Add to a "No such option" usage error (click's or typer's own, told apart by name) that the option is
        a global one, to be written before the command."""
        name = getattr(error, "option_name", None)
        if type(error).__name__ != "NoSuchOption" or not isinstance(name, str):
            return
        owner = next((p for p in self.params if name in (*p.opts, *p.secondary_opts)), None)
        if owner is not None:
            command = ctx.invoked_subcommand or "COMMAND"
            written = name if getattr(owner, "is_flag", False) else f"{name} VALUE"
            error.message = (  # type: ignore[attr-defined]
                f"No such option: {name} — {name} is a global option: write it before the command, e.g. "
                f"`cosyclone {written} {command} …`"
            )
            error.possibilities = None  # type: ignore[attr-defined]

    TABLE = COMMANDS


app = typer.Typer(
    name="cosyclone",
    cls=_ErrorsToExitCodes,
    help=(
        "Clone a voice with Alibaba Cloud Model Studio CosyVoice and speak with it.\n\n"
        "check a sample → clone it → speak with the voice → keep track of it. "
        "Runs against the real service (DASHSCOPE_API_KEY) or the local emulator (--emulator).\n\n" + exit_codes.HELP
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _setting_option(setting: str, what: str) -> Any:
    """The global option of a connection setting, its help saying where the value comes from without it (the
    README's settings table, :func:`cosyclone.ops.settings_doc.option_help`)."""
    flag, help_text = option_help(setting, what)
    return typer.Option(None, flag, help=help_text)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cosyclone {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    region: str | None = _setting_option("region", f"One of {', '.join(REGIONS)}"),
    base_url: str | None = _setting_option("HTTP base URL", "HTTP base URL (…/api/v1)"),
    ws_url: str | None = _setting_option("WebSocket URL", "WebSocket URL for synthesis (…/api-ws/v1/inference)"),
    workspace: str | None = _setting_option(
        "workspace", "Model Studio workspace id: talk to https://{workspace}.{region}.maas.aliyuncs.com (recommended)"
    ),
    emulator: bool = typer.Option(
        False, "--emulator", help="Start an in-process emulator and talk to it (no key, no quota)."
    ),
    evidence_dir: Path = typer.Option(
        Path("output/aliyun-cosyvoice-voice-clone"), "--evidence-dir", help="Where evidence files go."
    ),
    no_evidence: bool = typer.Option(False, "--no-evidence", help="Write no evidence files."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log requests (never the API key)."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    from cosyclone.cli import _output
    from cosyclone.ops.session import Session

    _output.VERBOSE = verbose
    ctx.obj = _output.SESSION = Session(
        region=region,
        base_url=base_url,
        ws_url=ws_url,
        workspace=workspace,
        use_emulator=emulator,
        evidence_dir=None if no_evidence else evidence_dir,
        verbose=verbose,
    )
    ctx.call_on_close(ctx.obj.close)


def _one_line_warning(
    message: Warning | str, category: type[Warning], filename: str, lineno: int, file: Any = None, line: Any = None
) -> None:
    """Warnings as one line on stderr (``warning: …``), never Python's source-line format."""
    sys.stderr.write(f"warning: {message}\n")


def main() -> None:
    """Console-script entry point: the last net under the commands (Ctrl-C, a closed stdout, a bug)."""
    import warnings

    from cosyclone.cli import _output

    warnings.showwarning = _one_line_warning
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(exit_codes.INTERRUPTED)
    except BrokenPipeError:
        try:
            _output.stdout_closed()
        except typer.Exit as done:
            sys.exit(done.exit_code)
    except Exception as error:  # raised outside a command (parsing, closing): still one line
        try:
            _output.internal_error(error)
        except typer.Exit as done:
            sys.exit(done.exit_code)
