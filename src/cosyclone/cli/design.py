"""``cosyclone design``: a voice described in words → a ready voice_id and its preview file (contract §11.1)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cosyclone.cli._options import AsJson
from cosyclone.cli._output import emit_json, reporting, say
from cosyclone.ops.session import Session
from cosyclone.schema.design import DesignOptions

Prefix = Annotated[str, typer.Option("--prefix", help=DesignOptions.model_fields["prefix"].description)]


def design(
    ctx: typer.Context,
    voice_prompt: Annotated[
        str,
        typer.Argument(
            metavar="VOICE_PROMPT",
            help="The voice in words, e.g. 'a warm low male voice, calm and slow' (Chinese or English, at most 500 "
            "characters).",
        ),
    ],
    prefix: Prefix,
    target_model: str = typer.Option(
        "cosyvoice-v3.5-plus",
        "--target-model",
        help="Model the voice is designed for, and must speak with: cosyvoice-v3.5-plus (default), "
        "cosyvoice-v3.5-flash, cosyvoice-v3-plus, cosyvoice-v3-flash, qwen-audio-3.0-tts-plus or -flash.",
    ),
    preview_text: str | None = typer.Option(
        None,
        "--preview-text",
        help="What the preview says (Chinese or English, at most 200 characters; default: a short greeting).",
    ),
    language_hint: str | None = typer.Option(
        None, "--language-hint", metavar="en|zh", help="Language of the preview text (default: read from the text)."
    ),
    preview_format: str | None = typer.Option(
        None, "--preview-format", metavar="wav|mp3|pcm", help="Preview audio format (default wav, or -o's extension)."
    ),
    preview_sample_rate: int | None = typer.Option(
        None, "--preview-sample-rate", metavar="16000|24000|48000", help="Preview sample rate in Hz (default 24000)."
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="Preview file (.wav, .mp3 or .pcm). Default: output/designs/VOICE_ID.FORMAT.",
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace the -o file if it exists (default: refuse)."),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Wait until the voice is OK (default) or return."),
    timeout: float = typer.Option(300.0, "--timeout", help="Seconds to wait for OK."),
    as_json: AsJson = False,
) -> None:
    """Design a voice from a description (VOICE_PROMPT) and print its voice_id.

    Checks every field locally first (exit 2 naming the field), sends one design request (never twice), saves the
    preview audio the service returns (it is returned only once), waits for OK, records the voice in the registry
    (kind designed, with its description) and writes evidence. The voice then speaks with `cosyclone speak --voice
    VOICE_ID` on its target model. Exit codes: 0 ok, 2 bad input, 4 service refused, 5 network, 6 still DEPLOYING
    after --timeout.
    """
    from cosyclone.ops.design import design_with_evidence

    state: Session = ctx.obj
    with reporting(as_json=as_json):
        if state.use_emulator:
            say("using the in-process emulator (no key, no quota)")
        result = design_with_evidence(
            state,
            voice_prompt=voice_prompt,
            prefix=prefix,
            target_model=target_model,
            preview_text=preview_text,
            language_hints=[language_hint] if language_hint is not None else None,
            preview_format=preview_format,
            preview_sample_rate=preview_sample_rate,
            output=output,
            overwrite=overwrite,
            wait=wait,
            wait_timeout_s=timeout,
        )
    for note in result.designed.notes:
        say(f"note: {note}")
    if as_json:
        emit_json(result.summary)
        return
    designed = result.designed
    say(f"designed: {designed.voice_id} (status {designed.status}, model {designed.target_model})")
    say(f"preview: {result.preview_file}" if result.preview_file else "preview: none (the reply carrying it was lost)")
    typer.echo(designed.voice_id)


def register(app: typer.Typer) -> None:
    app.command("design")(design)
