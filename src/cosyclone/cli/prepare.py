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

    Default output: output/aliyun-cosyvoice-voice-clone/request.json. With --voice-prompt (instead of
    --voice-sample-url) it prepares a voice-design request (contract §11.1) the same way, and --validate-response
    checks a saved design reply (a -vd- voice_id, a base64 preview).

    Prints one JSON line: {"ok", "request_path", "region", "endpoint" (the URLs the request would go to, from
    --region/--workspace/--base-url, the DASHSCOPE_* env vars or ~/.dashscope/config.toml), "notes", and with
    --validate-response "response_valid", "voice_id"}. Exit 2 on invalid input (nothing written), 1 when the
    saved response is invalid.
    """
    from cosyclone._config import resolve_endpoints
    from cosyclone._files import write_json_atomic
    from cosyclone.voice_clone import parse_saved_response, prepare_clone

    state: Session = ctx.obj
    if voice_prompt is not None or voice_sample_url is None:
        _prepare_design(
            state,
            voice_prompt=voice_prompt,
            voice_sample_url=voice_sample_url,
            prefix=prefix,
            target_model=target_model,
            preview_text=preview_text,
            language_hint=language_hint,
            preview_format=preview_format,
            preview_sample_rate=preview_sample_rate,
            output=output,
            validate_response=validate_response,
        )
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


def _prepare_design(state: Session, **given: Any) -> None:
    """``prepare --voice-prompt``: check a design request, write its wire JSON and ``prepare.json``; exits."""
    from cosyclone._config import resolve_endpoints
    from cosyclone._files import write_json_atomic
    from cosyclone.ops.design import parse_saved_design_response, prepare_design

    output: Path = given["output"]
    try:
        if given["voice_prompt"] is None or given["voice_sample_url"] is not None:
            rule = "give exactly one: --voice-sample-url (a clone) or --voice-prompt (a design)"
            raise InvalidRequestError([Problem("--voice-sample-url", given["voice_sample_url"], rule)])
        endpoints = resolve_endpoints(region=state.region, base_url=state.base_url, workspace=state.workspace)
        wire, notes = prepare_design(
            voice_prompt=given["voice_prompt"],
            prefix=given["prefix"],
            target_model=given["target_model"],
            preview_text=given["preview_text"],
            language_hints=given["language_hint"][:1] if given["language_hint"] else None,
            preview_format=given["preview_format"],
            preview_sample_rate=given["preview_sample_rate"],
            region=endpoints.region,
        )
    except CosycloneError as error:
        fail(error, as_json=True)
    result: dict[str, Any] = {"ok": True, "kind": "design", "request_path": str(output), "region": endpoints.region}
    result.update(endpoint=endpoints.describe(), notes=notes)
    code = exit_codes.OK
    if given["validate_response"] is not None:
        try:
            saved = json.loads(Path(given["validate_response"]).read_text(encoding="utf-8"))
            voice_id, request_id, preview_bytes = parse_saved_design_response(saved)
        except (OSError, ValueError, InvalidRequestError) as error:
            result.update(ok=False, response_valid=False, response_error=str(error))
            code = exit_codes.INVALID_RESPONSE
        else:
            result.update(response_valid=True, voice_id=voice_id, request_id=request_id, preview_bytes=preview_bytes)
    try:
        write_json_atomic(output, wire)
    except OSError as error:
        fail(InvalidRequestError([Problem("--output", str(output), f"cannot be written: {error.strerror}")]))
    state.evidence().write_json("prepare.json", {**result, "request": wire})
    emit_json(result)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("prepare")(prepare)
