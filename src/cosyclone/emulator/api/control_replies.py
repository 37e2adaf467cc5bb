"""What the control plane (``/_emulator/…``) answers, as models: the OpenAPI description is derived from them.

The control plane is the emulator's own (no DashScope wire shape), so these live beside it rather than in
:mod:`cosyclone.schema`. Imported by :mod:`cosyclone.emulator.api.openapi_schemas` and tests.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from cosyclone.emulator.faults import Fault
from cosyclone.schema.enrollment import VoiceStatus


class Health(BaseModel):
    ok: bool


class SettingsState(BaseModel):
    """The runtime settings (``GET /_emulator/settings``, also inside ``/_emulator/state``)."""

    ready_delay_s: float
    voice_quota: int
    idle_timeout_s: float
    sentence_latency_s: float
    allow_private_urls: bool
    keys_restricted: bool
    persistent: bool
    voice_engine: str
    #: Languages the speech engine reads aloud (``en``, and ``zh`` with the Mandarin engine); empty with formant.
    speech_languages: list[str] = []


class StateReply(BaseModel):
    """Everything the emulator holds (no keys, no bytes)."""

    settings: SettingsState
    tenants: dict[str, Any]
    results: int
    faults: list[Fault]


class SeededVoice(BaseModel):
    voice_id: str
    status: VoiceStatus


class SeedReply(BaseModel):
    tenant: str
    voices: list[SeededVoice]


class FaultList(BaseModel):
    pending: list[Fault] = Field(default_factory=list)


class ControlErrorBody(BaseModel):
    """A refused control call: the body is not JSON or breaks the schema, or the voice is unknown."""

    error: str
