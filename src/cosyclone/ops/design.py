"""Design a voice for a front end (contract §11.1): check everything locally, design it through the client, save
the preview, record the voice in the registry (kind ``designed``, with its description) and write the evidence
(``design.json``) — in one place for the CLI's ``design`` and the MCP ``design_voice``.

The preview goes to ``output`` when given (its extension may name the format), else to
``output/designs/{voice_id}.{format}``; it is written as ``name.part`` and renamed, and never replaces a file unless
``overwrite``. A given ``output`` is checked before anything is sent. Designing twice makes two voices (the service
may answer the same description with a different voice each time, and its docs advise designing several): this
module never repeats a request, and never reuses an earlier design.

Who may import it: the front ends (``cli/``, ``mcp/``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from typing_extensions import Required, Unpack

from cosyclone._exceptions import InvalidRequestError, Problem

if TYPE_CHECKING:
    from cosyclone.client.design import DesignedVoice
    from cosyclone.ops.session import Session
    from cosyclone.registry.store import VoiceRecord
    from cosyclone.schema.design import DesignOptions

#: Where previews go when no file is named (relative to the working directory, beside the evidence folder).
DEFAULT_PREVIEW_DIR = Path("output") / "designs"
_EXTENSIONS = {".wav": "wav", ".mp3": "mp3", ".pcm": "pcm"}
#: Regions the design page lists (D-DESIGN-2605); others are warned about, never refused (UNCERTAIN, §11.1).
_DESIGN_REGIONS = ("cn-beijing", "ap-southeast-1")


@dataclass
class DesignResult:
    """What a front end shows: the designed voice, its registry record, the preview file and the JSON summary."""

    designed: DesignedVoice
    record: VoiceRecord
    preview_file: Path | None
    summary: dict[str, Any]


def writable_preview_folder() -> Path:
    """``output/designs`` under the working directory, or ``$COSYCLONE_HOME/designs`` when it is not writable (MCP
    hosts may start a server in ``/``): where a default-named preview goes."""
    import os

    cwd = Path.cwd()
    if os.access(cwd, os.W_OK):
        return cwd / "output" / "designs"
    from cosyclone._config import cosyclone_home

    return cosyclone_home() / "designs"


def preview_format_for(output: Path | None, preview_format: str | None) -> str | None:
    """The preview format: ``preview_format``, or the one ``output``'s extension names; InvalidRequestError when
    they disagree or the extension names none of wav, mp3, pcm."""
    if output is None:
        return preview_format
    by_name = _EXTENSIONS.get(output.suffix.lower())
    if by_name is None:
        raise InvalidRequestError([Problem("--output", str(output), "its extension must be .wav, .mp3 or .pcm")])
    if preview_format is not None and preview_format != by_name:
        raise InvalidRequestError(
            [Problem("--preview-format", preview_format, f"disagrees with the extension of {output.name}")]
        )
    return by_name


def check_preview_output(output: Path | None, *, overwrite: bool) -> None:
    """Refuse, before anything is sent, an ``output`` that exists (unless ``overwrite``) or can never be written."""
    if output is None:
        return
    from cosyclone._files import check_output_path

    check_output_path(output)
    if output.exists() and not overwrite:
        raise InvalidRequestError(
            [Problem("--output", str(output), "already exists")],
            hint="choose another name, or pass --overwrite to replace it",
        )


def region_notes(region: str, target_model: str) -> list[str]:
    """Warnings (never refusals) about designing in ``region`` (UNCERTAIN, contract §11.1)."""
    notes = []
    if region not in _DESIGN_REGIONS:
        notes.append(f"voice design is documented only in {', '.join(_DESIGN_REGIONS)}; sent to {region} anyway")
    elif target_model.startswith("cosyvoice-v3.5") and region != "cn-beijing":
        notes.append(f"{target_model} is documented in cn-beijing only; sent to {region} anyway")
    elif region == "ap-southeast-1" and target_model.startswith("cosyvoice-v3-"):
        notes.append("a third-party guide says Singapore v3 does not design voices (UNCERTAIN); sent anyway")
    return notes


class DesignFields(TypedDict, total=False):
    """What a caller of :func:`design_with_evidence` and :func:`prepare_design` says about the voice (checked by
    :class:`cosyclone.schema.design.DesignOptions`; ``None`` meaning the default)."""

    voice_prompt: Required[str]
    prefix: Required[str]
    target_model: str | None
    preview_text: str | None
    language_hints: list[str] | None
    preview_format: str | None
    preview_sample_rate: int | None


def _checked(fields: DesignFields, *, preview_format: str | None) -> DesignOptions:
    """``fields`` as DesignOptions, or InvalidRequestError naming each broken field (nothing sent)."""
    from cosyclone.client.design import design_options

    return design_options(
        voice_prompt=fields["voice_prompt"],
        prefix=fields["prefix"],
        target_model=fields.get("target_model"),
        preview_text=fields.get("preview_text"),
        language_hints=fields.get("language_hints"),
        response_format=preview_format,
        sample_rate=fields.get("preview_sample_rate"),
    )


def design_with_evidence(
    session: Session,
    *,
    output: Path | None = None,
    overwrite: bool = False,
    preview_dir: Path | None = None,
    wait: bool = True,
    wait_timeout_s: float = 300.0,
    **fields: Unpack[DesignFields],
) -> DesignResult:
    """Design a voice and keep everything about it (see the module docstring).

    Raises:
        InvalidRequestError: a field, or ``output``, breaks a rule (nothing sent).
        APIStatusError subclasses, APIConnectionError: the service refused or could not be reached.
    """
    options = _checked(fields, preview_format=preview_format_for(output, fields.get("preview_format")))
    check_preview_output(output, overwrite=overwrite)
    client = session.client()
    if not session.evidence_failures_are_warnings:
        session.evidence()  # an evidence folder that can never hold files: say so before any work
    for note in region_notes(client.region, options.target_model):
        warnings.warn(note, stacklevel=2)
    designed = client.voices.design_from(options, wait=wait, timeout=wait_timeout_s)
    preview_file = _save_preview(designed, output, preview_dir or DEFAULT_PREVIEW_DIR)
    record = _record(session, designed, preview_file)
    summary = design_summary(designed, preview_file, region=client.region, endpoint=client.endpoints.describe())
    session.write_evidence("design.json", {**summary, "base_url": client.endpoints.http_base_url}, summary)
    return DesignResult(designed, record, preview_file, summary)


def _save_preview(designed: DesignedVoice, output: Path | None, folder: Path) -> Path | None:
    if not designed.preview_audio:
        return None
    from cosyclone._files import write_bytes_atomic
    from cosyclone.ops.speak import free_name

    target = output or free_name(designed.voice_id, designed.preview_format, folder=folder)
    return write_bytes_atomic(target, designed.preview_audio).resolve()


def _record(session: Session, designed: DesignedVoice, preview_file: Path | None) -> VoiceRecord:
    from cosyclone.registry.store import VoiceRecord

    client = session.client()
    return session.registry().record(
        VoiceRecord(
            voice_id=designed.voice_id,
            target_model=designed.target_model,
            region=client.region,
            account=client.account,
            workspace=client.endpoints.workspace or "",
            prefix=designed.prefix,
            language_hint=designed.language,
            status=designed.status,
            request_id=designed.request_id,
            kind="designed",
            voice_prompt=designed.voice_prompt,
            preview_text=designed.preview_text,
            preview_file=str(preview_file) if preview_file is not None else None,
        )
    )


def design_summary(designed: DesignedVoice, preview_file: Path | None, *, region: str, endpoint: Any) -> dict[str, Any]:
    """The JSON summary of a design (``--json``, ``design.json``, the MCP tool's answer)."""
    return {
        "ok": True,
        "voice_id": designed.voice_id,
        "kind": "designed",
        "status": designed.status,
        "target_model": designed.target_model,
        "prefix": designed.prefix,
        "voice_prompt": designed.voice_prompt,
        "preview_text": designed.preview_text,
        "language": designed.language,
        "preview_file": str(preview_file) if preview_file is not None else None,
        "preview_format": designed.preview_format,
        "preview_sample_rate": designed.preview_sample_rate,
        "preview_bytes": len(designed.preview_audio),
        "request_id": designed.request_id,
        "reconciled": designed.reconciled,
        "attempts": designed.attempts,
        "notes": list(designed.notes),
        "region": region,
        "endpoint": endpoint,
    }


def prepare_design(*, region: str, **fields: Unpack[DesignFields]) -> tuple[dict[str, Any], list[str]]:
    """The wire JSON of a design request and the notes about it (``cosyclone prepare --voice-prompt``): every rule
    checked, nothing sent. Raises InvalidRequestError naming each broken field."""
    options = _checked(fields, preview_format=fields.get("preview_format"))
    return options.to_request().to_wire(), region_notes(region, options.target_model)


def parse_saved_design_response(saved: Any) -> tuple[str, str, int]:
    """``(voice_id, request_id, preview bytes)`` of a saved design reply; InvalidRequestError when it is not one (no
    ``-vd-`` voice id, or a preview that is not base64)."""
    from pydantic import ValidationError

    from cosyclone.schema.design import DesignVoiceOutput, is_designed_voice_id
    from cosyclone.schema.enrollment import EnrollmentResponse

    try:
        reply = EnrollmentResponse[DesignVoiceOutput].model_validate(saved)
        preview = reply.output.preview_audio.audio_bytes() if reply.output.preview_audio else b""
    except (ValidationError, ValueError) as error:
        raise InvalidRequestError([Problem("response", None, f"is not a design reply: {error}")]) from None
    if not is_designed_voice_id(reply.output.voice_id):
        raise InvalidRequestError([Problem("output.voice_id", reply.output.voice_id, "has no -vd- mark")])
    return reply.output.voice_id, reply.request_id, len(preview)
