"""``cosyclone prepare``: the seed's request helper — validate a voice-clone (or voice-design) request and write
its wire JSON.

Needs no API key and no network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cosyclone._exceptions import CosycloneError
from cosyclone.cli import exit_codes
from cosyclone.cli._options import SkipCatalogCheck, clone_values, with_clone_options
from cosyclone.cli._output import emit_json, fail, say
from cosyclone.ops.session import Session

DEFAULT_REQUEST_PATH = Path("output/aliyun-cosyvoice-voice-clone/request.json")


def prepare(
    ctx: typer.Context,
    voice_sample_url: Annotated[
        str | None,
        typer.Option("--voice-sample-url", help="Public http(s) URL (or oss:// temporary URL) of the sample."),
    ] = None,
    voice_prompt: Annotated[
        str | None,
        typer.Option(
            "--voice-prompt",
            help="Prepare a voice-design request instead: the voice in words (then --preview-text, "
            "--preview-format, --preview-sample-rate apply; no sample URL).",
        ),
    ] = None,
    preview_text: Annotated[str | None, typer.Option("--preview-text", help="Design: what the preview says.")] = None,
    preview_format: Annotated[
        str | None, typer.Option("--preview-format", metavar="wav|mp3|pcm", help="Design: preview format.")
    ] = None,
    preview_sample_rate: Annotated[
        int | None, typer.Option("--preview-sample-rate", metavar="HZ", help="Design: 16000, 24000 or 48000.")
    ] = None,
    output: Path = typer.Option(DEFAULT_REQUEST_PATH, "--output", "-o", help="Where to write the request JSON."),
    validate_response: Path | None = typer.Option(
        None, "--validate-response", help="Also check a saved create_voice response JSON (exit 1 if invalid)."
    ),
    skip_catalog_check: SkipCatalogCheck = False,
    **options: Any,
) -> None:
    """Validate a voice-clone request and write its wire JSON (no key, no network needed).

    Default output: output/aliyun-cosyvoice-voice-clone/request.json. With --voice-prompt (instead of
    --voice-sample-url) it prepares a voice-design request (contract §11.1) the same way, and --validate-response
    checks a saved design reply (a -vd- voice_id, a base64 preview).

    Prints one JSON line: {"ok", "request_path", "region", "endpoint" (the URLs the request would go to, from
    --region/--workspace/--base-url, the DASHSCOPE_* env vars or ~/.dashscope/config.toml), "notes", and with
    --validate-response "response_valid", "voice_id"}. Exit 2 on invalid input (nothing written), 1 when the
    saved response is invalid.
    """
    from cosyclone.ops.prepare import prepare as run

    state: Session = ctx.obj
    fields: dict[str, Any] = {**clone_values("prepare", options), "voice_sample_url": voice_sample_url}
    design = {
        "voice_prompt": voice_prompt,
        "preview_text": preview_text,
        "preview_format": preview_format,
        "preview_sample_rate": preview_sample_rate,
    }
    try:
        result = run(
            state,
            fields,
            output=output,
            validate_response=validate_response,
            skip_catalog_check=skip_catalog_check,
            design=design,
        )
    except CosycloneError as error:
        fail(error, as_json=True)
    for note in result.summary["notes"]:
        say(f"note: {note}")
    emit_json(result.summary)
    raise typer.Exit(exit_codes.OK if result.response_valid else exit_codes.INVALID_RESPONSE)


def register(app: typer.Typer) -> None:
    app.command("prepare")(with_clone_options(prepare, "prepare", before="voice_sample_url"))
