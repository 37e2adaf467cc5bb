"""``prepare``: validate a voice-clone request (or, with a ``voice_prompt``, a voice-design request) against every
rule and write its wire JSON (no key, no network); optionally check a saved ``create_voice`` response. The flow
behind ``cosyclone prepare``.

Who may import it: the front ends.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cosyclone._exceptions import InvalidRequestError, Problem

if TYPE_CHECKING:
    from cosyclone.ops.session import Session

__all__ = ["PrepareResult", "prepare", "prepare_design_request"]


@dataclass
class PrepareResult:
    """``summary``: ``{ok, request_path, region, endpoint, notes}`` and, when a saved response was checked,
    ``response_valid`` with ``voice_id`` / ``request_id`` or ``response_error``."""

    summary: dict[str, Any]

    @property
    def response_valid(self) -> bool:
        return bool(self.summary.get("response_valid", True))


def check_saved_response(path: Path) -> dict[str, Any]:
    """Whether the saved ``create_voice`` response at ``path`` is valid: ``{response_valid, voice_id,
    request_id}`` or ``{ok: False, response_valid: False, response_error}``."""
    from cosyclone.voice_clone import parse_saved_response

    try:
        response = parse_saved_response(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as error:
        return {"ok": False, "response_valid": False, "response_error": f"{path}: {error}"}
    except InvalidRequestError as error:
        problems = "; ".join(str(p) for p in error.problems)
        return {"ok": False, "response_valid": False, "response_error": problems}
    return {"response_valid": True, "voice_id": response.voice_id, "request_id": response.request_id}


def prepare(
    session: Session,
    fields: Mapping[str, Any],
    *,
    output: Path,
    validate_response: Path | None = None,
    skip_catalog_check: bool = False,
    design: Mapping[str, Any] | None = None,
) -> PrepareResult:
    """Check the request ``fields`` (the declared clone options and ``voice_sample_url``) for the session's
    region, write the wire body to ``output`` (atomically) and ``prepare.json`` to the evidence folder.

    ``design`` (``voice_prompt``, ``preview_text``, ``preview_format``, ``preview_sample_rate``): with a
    ``voice_prompt`` (and no ``voice_sample_url``) the request is a voice design instead (see
    :func:`prepare_design_request`).

    Raises:
        InvalidRequestError: a field breaks a rule, or ``output`` cannot be written (nothing written).
        ConfigurationError: the region/endpoint settings are wrong.
    """
    design = design or {}
    if design.get("voice_prompt") is not None or fields.get("voice_sample_url") is None:
        return prepare_design_request(session, fields, design, output=output, validate_response=validate_response)
    from cosyclone._config import resolve_endpoints
    from cosyclone._files import write_json_atomic
    from cosyclone.voice_clone import prepare_clone

    endpoints = resolve_endpoints(region=session.region, base_url=session.base_url, workspace=session.workspace)
    prepared = prepare_clone(fields, region=endpoints.region, skip_catalog_check=skip_catalog_check)
    summary: dict[str, Any] = {
        "ok": True,
        "request_path": str(output),
        "region": endpoints.region,
        "endpoint": endpoints.describe(),
        "notes": prepared.notes,
    }
    if validate_response is not None:
        summary.update(check_saved_response(validate_response))
    try:
        write_json_atomic(output, prepared.wire.to_wire())
    except OSError as error:
        raise InvalidRequestError([Problem("--output", str(output), f"cannot be written: {error.strerror}")]) from None
    response = {k: v for k, v in summary.items() if k in ("response_valid", "voice_id", "request_id")}
    evidence = {
        "request_path": str(output),
        "target_model": prepared.request.target_model,
        "prefix": prepared.request.prefix,
        "voice_sample_url": prepared.request.voice_sample_url,
        "region": endpoints.region,
        "endpoint": endpoints.describe(),
        "notes": prepared.notes,
        "response": response,
    }
    session.write_evidence("prepare.json", evidence, summary)
    return PrepareResult(summary)


def prepare_design_request(
    session: Session,
    fields: Mapping[str, Any],
    design: Mapping[str, Any],
    *,
    output: Path,
    validate_response: Path | None = None,
) -> PrepareResult:
    """``prepare`` of a voice-design request: ``design["voice_prompt"]`` (exactly one of it and
    ``fields["voice_sample_url"]``) with ``prefix``, ``target_model`` and the first of ``language_hints`` from
    ``fields``; the summary carries ``"kind": "design"`` and, for a checked reply, ``preview_bytes``."""
    from cosyclone._config import resolve_endpoints
    from cosyclone._files import write_json_atomic
    from cosyclone.ops.design import prepare_design

    voice_prompt, url = design.get("voice_prompt"), fields.get("voice_sample_url")
    if voice_prompt is None or url is not None:
        rule = "give exactly one: --voice-sample-url (a clone) or --voice-prompt (a design)"
        raise InvalidRequestError([Problem("--voice-sample-url", url, rule)])
    endpoints = resolve_endpoints(region=session.region, base_url=session.base_url, workspace=session.workspace)
    hints = fields.get("language_hints")
    wire, notes = prepare_design(
        voice_prompt=voice_prompt,
        prefix=fields["prefix"],
        target_model=fields.get("target_model"),
        preview_text=design.get("preview_text"),
        language_hints=hints[:1] if hints else None,
        preview_format=design.get("preview_format"),
        preview_sample_rate=design.get("preview_sample_rate"),
        region=endpoints.region,
    )
    summary: dict[str, Any] = {"ok": True, "kind": "design", "request_path": str(output), "region": endpoints.region}
    summary.update(endpoint=endpoints.describe(), notes=notes)
    if validate_response is not None:
        summary.update(_check_saved_design_response(validate_response))
    try:
        write_json_atomic(output, wire)
    except OSError as error:
        raise InvalidRequestError([Problem("--output", str(output), f"cannot be written: {error.strerror}")]) from None
    session.write_evidence("prepare.json", {**summary, "request": wire}, summary)
    return PrepareResult(summary)


def _check_saved_design_response(path: Path) -> dict[str, Any]:
    """Whether the saved design reply at ``path`` is valid: ``{response_valid, voice_id, request_id,
    preview_bytes}`` or ``{ok: False, response_valid: False, response_error}``."""
    from cosyclone.ops.design import parse_saved_design_response

    try:
        voice_id, request_id, preview_bytes = parse_saved_design_response(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, InvalidRequestError) as error:
        return {"ok": False, "response_valid": False, "response_error": str(error)}
    return {"response_valid": True, "voice_id": voice_id, "request_id": request_id, "preview_bytes": preview_bytes}
