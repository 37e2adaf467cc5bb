"""Typed results the client returns (its own view, built from the wire models in schema/)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from cosyclone.schema.enrollment import QueryVoiceOutput, VoiceSummary, parse_gmt


@dataclass(frozen=True)
class Voice:
    """A cloned voice as the service reports it."""

    voice_id: str
    status: str | None = None
    target_model: str | None = None
    resource_link: str | None = None
    created_at: dt.datetime | None = None
    modified_at: dt.datetime | None = None
    request_id: str = ""
    #: A designed voice's description and preview text (contract §11.1); None for a cloned voice.
    voice_prompt: str | None = None
    preview_text: str | None = None

    @property
    def is_ready(self) -> bool:
        return self.status == "OK"

    @classmethod
    def from_summary(cls, summary: VoiceSummary, request_id: str = "") -> Voice:
        return cls(
            voice_id=summary.voice_id,
            status=summary.status,
            created_at=parse_gmt(summary.gmt_create),
            modified_at=parse_gmt(summary.gmt_modified),
            request_id=request_id,
            voice_prompt=summary.voice_prompt,
            preview_text=summary.preview_text,
        )

    @classmethod
    def from_query(cls, voice_id: str, output: QueryVoiceOutput, request_id: str = "") -> Voice:
        return cls(
            voice_id=output.voice_id or voice_id,
            status=output.status,
            target_model=output.target_model,
            resource_link=output.resource_link,
            created_at=parse_gmt(output.gmt_create),
            modified_at=parse_gmt(output.gmt_modified),
            request_id=request_id,
            voice_prompt=output.voice_prompt,
            preview_text=output.preview_text,
        )


@dataclass(frozen=True)
class VoicePage:
    voices: list[Voice]
    page_index: int
    page_size: int
    request_id: str = ""

    @property
    def is_last(self) -> bool:
        return len(self.voices) < self.page_size


@dataclass(frozen=True)
class CreatedVoice:
    """The outcome of ``voices.create``: the normalized response plus how it was obtained."""

    voice_id: str
    request_id: str
    usage_count: int | None
    target_model: str
    prefix: str
    sample_url: str
    #: True when the create call's reply was lost and the voice was found again by reconciliation.
    reconciled: bool = False
    attempts: int = 1
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class UploadedFile:
    """A local file put in the service's temporary storage: use ``url`` (``oss://…``) within 48 hours."""

    url: str
    key: str
    expires_at: dt.datetime
    size_bytes: int
    request_id: str = ""
