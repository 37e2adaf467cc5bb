"""``cosyclone speak``: say a text with a voice, to a file or to stdout."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cosyclone._exceptions import InvalidRequestError, Problem
from cosyclone.cli._output import emit_json, reporting, say
from cosyclone.cli.state import CLIState

if TYPE_CHECKING:
    from cosyclone.client.speech import SynthesisProtocol


def read_text(text: str | None, file: Path | None) -> str:
    """The text to speak: the argument, ``-f FILE``, or stdin (``-`` or no argument with piped input)."""
    if file is not None:
        try:
            return file.read_text(encoding="utf-8")
        except OSError as error:
            raise InvalidRequestError([Problem("--file", str(file), f"cannot be read: {error.strerror}")]) from None
    if text is not None and text != "-":
        return text
    if text == "-" or not sys.stdin.isatty():
        return sys.stdin.read()
    raise InvalidRequestError([Problem("TEXT", None, "give the text as an argument, with -f FILE, or on stdin")])


def speak(
    ctx: typer.Context,
    text: str | None = typer.Argument(None, help="What to say ('-' or omitted: read stdin)."),
    voice: str = typer.Option(..., "--voice", help="A cloned voice_id, a registry prefix, or a system voice."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Audio file; the format follows its extension. Default: stdout when piped."
    ),
    file: Path | None = typer.Option(None, "--file", "-f", help="Read the text from this file."),
    model: str | None = typer.Option(None, "--model", help="Synthesis model; default: the voice's target_model."),
    audio_format: str | None = typer.Option(None, "--format", help="mp3 (default), wav, pcm or opus."),
    sample_rate: int | None = typer.Option(None, "--sample-rate", help="8000, 16000, 22050 (default), 24000, …"),
    volume: int | None = typer.Option(None, "--volume", help="0–100 (default 50)."),
    rate: float | None = typer.Option(None, "--rate", help="Speed 0.5–2.0 (default 1.0)."),
    pitch: float | None = typer.Option(None, "--pitch", help="Pitch 0.5–2.0 (default 1.0)."),
    instruction: str | None = typer.Option(None, "--instruction", help="Style instruction (v3.5 / v3-flash)."),
    language_hint: str | None = typer.Option(None, "--language-hint", help="Target language (zh, en, …)."),
    seed: int | None = typer.Option(None, "--seed", help="0–65535, for repeatable output."),
    ssml: bool = typer.Option(False, "--ssml", help="The text is SSML."),
    http: bool = typer.Option(False, "--http", help="Use the HTTP endpoint instead of the WebSocket."),
    sse: bool = typer.Option(False, "--sse", help="Use the HTTP endpoint with SSE streaming."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary (needs -o)."),
) -> None:
    """Speak TEXT with a voice. The model follows the voice unless --model is given (a mismatch is refused).

    Audio goes to -o FILE (written as FILE.part and renamed when complete), or to stdout when it is piped.
    """
    from cosyclone.cli.voices import resolve_voice

    state: CLIState = ctx.obj
    with reporting(as_json=as_json):
        words = read_text(text, file)
        if audio_format is None and output is not None:
            from cosyclone.client.speech import format_for_path

            audio_format = format_for_path(output)
        options: dict[str, Any] = {
            "format": audio_format,
            "sample_rate": sample_rate,
            "volume": volume,
            "rate": rate,
            "pitch": pitch,
            "instruction": instruction,
            "language_hints": [language_hint] if language_hint else None,
            "seed": seed,
            "enable_ssml": ssml or None,
        }
        protocol: SynthesisProtocol = "sse" if sse else ("http" if http else "websocket")
        if output is None and sys.stdout.isatty():
            output = Path(f"speech.{audio_format or 'mp3'}")
            say(f"writing {output} (pipe the output or pass -o to choose)")
        voice_id = resolve_voice(state, voice, system_voice_ok=True)
        client = state.client()
        if output is None:
            chunks = client.speech.stream(words, voice=voice_id, model=model, protocol=protocol, **options)
            sink = sys.stdout.buffer
            for chunk in chunks:
                if chunk.kind == "audio":
                    sink.write(chunk.audio)
                    sink.flush()
            return
        result = client.speech.to_file(words, output, voice=voice_id, model=model, protocol=protocol, **options)
        from cosyclone.speech_ops import record_speech

        summary = record_speech(state, result, voice_id=voice_id)
    if as_json:
        emit_json(summary)
    else:
        say(
            f"wrote {result.path} ({result.bytes_written} bytes, {result.characters} characters billed, "
            f"model {result.model}, request_id {result.request_id})"
        )


def register(app: typer.Typer) -> None:
    app.command("speak")(speak)
