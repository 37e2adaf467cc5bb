"""``cosyclone speak``: say a text with a voice, to a file or to stdout."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterator
from inspect import Parameter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from cosyclone._exceptions import InvalidRequestError, Problem
from cosyclone.cli._output import emit_json, reporting, say, stdout_closed
from cosyclone.ops.session import Session
from cosyclone.schema.synthesis_params import synthesis_params

BY_NAME, VAR_KEYWORD = Parameter.POSITIONAL_OR_KEYWORD, Parameter.VAR_KEYWORD
TRANSPORT_NAMES = {
    "websocket": "the WebSocket (duplex)",
    "http": "the HTTP SpeechSynthesizer endpoint",
    "sse": "the HTTP SpeechSynthesizer endpoint with SSE",
}

if TYPE_CHECKING:
    from cosyclone.client.speech import SpeechChunk, SynthesisProtocol


def speak(
    ctx: typer.Context,
    text: str | None = typer.Argument(None, help="What to say ('-' or omitted: read stdin)."),
    voice: str = typer.Option(
        ..., "--voice", help="A cloned or designed voice_id, a registry prefix, or a system voice."
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="Audio file; the format follows its extension. Default: stdout when piped, else speech.FORMAT "
        "(speech-2.FORMAT, … if taken).",
    ),
    file: Path | None = typer.Option(None, "--file", "-f", help="Read the text (UTF-8) from this file."),
    model: str | None = typer.Option(None, "--model", help="Synthesis model; default: the voice's target_model."),
    http: bool = typer.Option(False, "--http", help="Use the HTTP endpoint instead of the WebSocket."),
    sse: bool = typer.Option(False, "--sse", help="Use the HTTP endpoint with SSE streaming."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace the -o file if it exists (default: refuse)."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary (not with audio on stdout)."),
    **synthesis: Any,
) -> None:
    """Speak TEXT with a voice. The model follows the voice unless --model is given (a mismatch is refused).

    Audio goes to -o FILE (written as FILE.part and renamed when complete; an existing FILE is kept unless
    --overwrite), or to stdout when it is piped. Every option is checked before any call: one text source,
    an extension that agrees with --format, options the model accepts.
    The transport follows the model: CosyVoice over the WebSocket, Qwen-Audio-TTS (qwen-audio-*) over the HTTP
    endpoint with SSE (--verbose says which). --ssml: the text is SSML (<speak>…<break time="300ms"/>…</speak>).

    Dialects: a voice cloned from Chinese dialect audio (enrolled with --language-hint zh) speaks the dialect
    when asked: write the text in the dialect, or pass --instruction, e.g. '请用粤语说' (Cantonese) on models
    that take an instruction.
    """
    from cosyclone.ops import speak as speak_ops

    state: Session = ctx.obj
    with reporting(as_json=as_json):
        words = speak_ops.read_text(text, file, stdin=sys.stdin.buffer, stdin_is_tty=sys.stdin.isatty())
        synthesis_values = synthesis_options(synthesis)
        protocol: SynthesisProtocol = "sse" if sse else ("http" if http else "websocket")
        if output is None and sys.stdout.isatty():
            output = speak_ops.free_name("speech", synthesis_values.get("format") or "mp3")
            say(f"writing {output} (pipe the output or pass -o to choose)")
        if output is None and as_json:
            raise InvalidRequestError(
                [Problem("--json", True, "needs -o FILE: the audio goes to stdout, where the JSON would go")],
                hint="add -o FILE, or drop --json to pipe the audio",
            )
        options = speak_ops.SpeakOptions(
            words, voice, output, model=model, protocol=protocol, overwrite=overwrite, synthesis=synthesis_values
        )
        on_plan = _say_plan if state.verbose else None
        if output is None:
            _to_stdout(speak_ops.stream(state, options, on_plan=on_plan))
            return
        spoken = speak_ops.speak(state, options, on_plan=on_plan)
    if as_json:
        emit_json(spoken.summary)
    else:
        result = spoken.speech
        say(
            f"wrote {result.path} ({result.bytes_written} bytes, {result.characters} characters billed, "
            f"model {result.model}, request_id {result.request_id})"
        )


def _say_plan(model: str, protocol: str) -> None:
    say(f"speaking with {model} over {TRANSPORT_NAMES[protocol]}")


def _to_stdout(chunks: Iterator[SpeechChunk]) -> None:
    """Audio chunks to stdout as they come; a reader that stops early (``| head``) ends us quietly."""
    sink = sys.stdout.buffer
    try:
        for chunk in chunks:
            if chunk.kind == "audio":
                sink.write(chunk.audio)
                sink.flush()
    except BrokenPipeError:
        stdout_closed()


def synthesis_cli_parameters() -> list[inspect.Parameter]:
    """One CLI option per declared synthesis parameter (``schema/synthesis_params.py``): its flag, type, help.

    A switch is a flag (off: not sent); a list takes one value (``--language-hint zh``).
    """
    parameters = []
    for spec in synthesis_params():
        if spec.kind is bool:
            annotation: Any = bool
            default = typer.Option(False, spec.cli_flag, help=spec.help)
        else:
            annotation = Optional[str if spec.kind is list else spec.kind]  # noqa: UP045 (a runtime type for typer)
            default = typer.Option(None, spec.cli_flag, help=spec.help)
        parameters.append(inspect.Parameter(spec.name, BY_NAME, default=default, annotation=annotation))
    return parameters


def synthesis_options(values: dict[str, Any]) -> dict[str, Any]:
    """The parsed CLI values as ``Speech`` keyword arguments (an unset switch or option: the default)."""
    options: dict[str, Any] = {}
    for spec in synthesis_params():
        value = values.get(spec.name)
        if value is None or value is False:
            continue
        options[spec.name] = [value] if spec.kind is list else value
    return options


def with_synthesis_options(command: Callable[..., None], *, before: str) -> Callable[..., None]:
    """``command`` with the declared synthesis options inserted into its signature before option ``before``."""
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.kind is not VAR_KEYWORD]
    at = next(i for i, p in enumerate(own) if p.name == before)
    params = [*own[:at], *synthesis_cli_parameters(), *own[at:]]
    command.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    return command


def register(app: typer.Typer) -> None:
    app.command("speak")(with_synthesis_options(speak, before="http"))
