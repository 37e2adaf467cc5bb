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
        return cls._from_wire(summary, summary.voice_id, request_id)

    @classmethod
    def from_query(cls, voice_id: str, output: QueryVoiceOutput, request_id: str = "") -> Voice:
        return cls._from_wire(
            output,
            output.voice_id or voice_id,
            request_id,
            target_model=output.target_model,
            resource_link=output.resource_link,
        )

    @classmethod
    def _from_wire(
        cls,
        source: VoiceSummary | QueryVoiceOutput,
        voice_id: str,
        request_id: str,
        *,
        target_model: str | None = None,
        resource_link: str | None = None,
    ) -> Voice:
        """The fields a list entry and a query reply share, read once."""
        return cls(
            voice_id=voice_id,
            status=source.status,
            target_model=target_model,
            resource_link=resource_link,
            created_at=parse_gmt(source.gmt_create),
            modified_at=parse_gmt(source.gmt_modified),
            request_id=request_id,
            voice_prompt=source.voice_prompt,
            preview_text=source.preview_text,
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


@dataclass(frozen=True, kw_only=True)
class Reconciliation:
    """How a new voice (cloned or designed) was obtained, shared by :class:`CreatedVoice` and
    :class:`~cosyclone.client.design.DesignedVoice`: keyword-only, after their own fields."""

    #: True when the create/design reply was lost and the voice was found again by listing the prefix.
    reconciled: bool = False
    attempts: int = 1
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CreatedVoice(Reconciliation):
    """The outcome of ``voices.create``: the normalized response plus how it was obtained."""

    voice_id: str
    request_id: str
    usage_count: int | None
    target_model: str
    prefix: str
    sample_url: str


@dataclass(frozen=True)
class UploadedFile:
    """A local file put in the service's temporary storage: use ``url`` (``oss://…``) within 48 hours."""

    url: str
    key: str
    expires_at: dt.datetime
    size_bytes: int
    request_id: str = ""
