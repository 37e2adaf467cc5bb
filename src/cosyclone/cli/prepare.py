"""``cosyclone prepare``: the seed's request helper — validate a voice-clone request and write its wire JSON.

Needs no API key and no network.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from cosyclone._exceptions import CosycloneError, InvalidRequestError, Problem
from cosyclone.catalog import DEFAULT_TARGET_MODEL
from cosyclone.cli import exit_codes
from cosyclone.cli._options import (
    EnablePreprocess,
    LanguageHints,
    MaxPromptAudioLength,
    Prefix,
    SkipCatalogCheck,
    TargetModelOption,
    VolumeNormalization,
)
from cosyclone.cli._output import emit_json, fail, say
from cosyclone.ops.session import Session

DEFAULT_REQUEST_PATH = Path("output/aliyun-cosyvoice-voice-clone/request.json")


def prepare(
    ctx: typer.Context,
    prefix: Prefix,
    voice_sample_url: Annotated[
        str, typer.Option("--voice-sample-url", help="Public http(s) URL (or oss:// temporary URL) of the sample.")
    ],
    target_model: TargetModelOption = DEFAULT_TARGET_MODEL,
    language_hint: LanguageHints = None,
    max_prompt_audio_length: MaxPromptAudioLength = None,
    enable_preprocess: EnablePreprocess = False,
    volume_normalization: VolumeNormalization = None,
    output: Path = typer.Option(DEFAULT_REQUEST_PATH, "--output", "-o", help="Where to write the request JSON."),
    validate_response: Path | None = typer.Option(
        None, "--validate-response", help="Also check a saved create_voice response JSON (exit 1 if invalid)."
    ),
    skip_catalog_check: SkipCatalogCheck = False,
) -> None:
    """Validate a voice-clone request and write its wire JSON (no key, no network needed).

    Default output: output/aliyun-cosyvoice-voice-clone/request.json.

    Prints one JSON line: {"ok", "request_path", "region", "endpoint" (the URLs the request would go to, from
    --region/--workspace/--base-url, the DASHSCOPE_* env vars or ~/.dashscope/config.toml), "notes", and with
    --validate-response "response_valid", "voice_id"}. Exit 2 on invalid input (nothing written), 1 when the
    saved response is invalid.
    """
    from cosyclone._config import resolve_endpoints
    from cosyclone._files import write_json_atomic
    from cosyclone.voice_clone import parse_saved_response, prepare_clone

    state: Session = ctx.obj
    fields: dict[str, Any] = {
        "target_model": target_model,
        "prefix": prefix,
        "voice_sample_url": voice_sample_url,
        "language_hints": language_hint or None,
        "max_prompt_audio_length": max_prompt_audio_length,
        "enable_preprocess": True if enable_preprocess else None,
        "enable_volume_normalization": volume_normalization,
    }
    try:
        endpoints = resolve_endpoints(region=state.region, base_url=state.base_url, workspace=state.workspace)
        region = endpoints.region
        prepared = prepare_clone(fields, region=region, skip_catalog_check=skip_catalog_check)
    except CosycloneError as error:
        fail(error, as_json=True)
    for note in prepared.notes:
        say(f"note: {note}")
    result: dict[str, Any] = {
        "ok": True,
        "request_path": str(output),
        "region": region,
        "endpoint": endpoints.describe(),
        "notes": prepared.notes,
    }
    code = exit_codes.OK
    if validate_response is not None:
        try:
            saved = json.loads(validate_response.read_text(encoding="utf-8"))
            response = parse_saved_response(saved)
        except (OSError, ValueError) as error:
            result.update(ok=False, response_valid=False, response_error=f"{validate_response}: {error}")
            code = exit_codes.INVALID_RESPONSE
        except InvalidRequestError as error:
            problems = "; ".join(str(p) for p in error.problems)
            result.update(ok=False, response_valid=False, response_error=problems)
            code = exit_codes.INVALID_RESPONSE
        else:
            result.update(response_valid=True, voice_id=response.voice_id, request_id=response.request_id)
    try:
        write_json_atomic(output, prepared.wire.to_wire())
    except OSError as error:
        fail(InvalidRequestError([Problem("--output", str(output), f"cannot be written: {error.strerror}")]))
    state.evidence().write_json(
        "prepare.json",
        {
            "request_path": str(output),
            "target_model": prepared.request.target_model,
            "prefix": prepared.request.prefix,
            "voice_sample_url": prepared.request.voice_sample_url,
            "region": region,
            "endpoint": endpoints.describe(),
            "notes": prepared.notes,
            "response": {k: v for k, v in result.items() if k in ("response_valid", "voice_id", "request_id")},
        },
    )
    emit_json(result)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("prepare")(prepare)
