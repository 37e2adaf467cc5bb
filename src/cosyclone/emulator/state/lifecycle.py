"""Voice records and their status transitions (contract §3.6), computed lazily from the clock.

A voice is born (or re-born by ``update_voice``) ``DEPLOYING`` with ``ready_at = now + ready_delay_s``. When the
clock passes ``ready_at`` *and* its speech-engine binding is done (``binding_pending`` false; the binding runs in
the backend's worker, :mod:`cosyclone.emulator.voice.binding_jobs`), its status becomes its ``outcome``: ``OK``, or
``UNDEPLOYED`` when the sample judge rejected it in review. Nothing here runs in the background; every read
computes the status from the time and the flag, so a delay of 0 (the default) means OK on the very first query
with the formant engine. ``ready_at`` is fixed when the voice is created or updated: changing the delay later
affects only voices created after the change.

The transitions are these, and only these: ``DEPLOYING`` → ``outcome`` (by the clock and the binding), any
status → ``DEPLOYING`` (``update_voice``, :meth:`VoiceRecord.restart_review`). Tests steer it with ``forced_status``
(control plane ``POST /_emulator/voices/{id}/status``), which may jump to any status on purpose: a forced status
holds until set again or until ``update_voice`` restarts the review.

Imported by the backend and storage. No I/O.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from cosyclone.schema.enrollment import VOICE_STATUSES

DEPLOYING = "DEPLOYING"
OK = "OK"
UNDEPLOYED = "UNDEPLOYED"


@dataclass
class StoredVoice:
    """One cloned voice as the emulator keeps it (times are Unix seconds)."""

    voice_id: str
    target_model: str
    prefix: str
    resource_link: str
    created_at: float
    modified_at: float
    ready_at: float
    outcome: str = OK
    forced_status: str | None = None
    f0_hz: float | None = None
    language_hints: list[str] | None = None
    max_prompt_audio_length: float | None = None
    enable_preprocess: bool | None = None
    #: Codes of the preflight findings that shaped the outcome (for people debugging a test).
    findings: list[str] = field(default_factory=list)
    #: Order of creation within the process, to break ties between voices created in the same instant.
    serial: int = 0
    #: The speech engine's binding of the sample (None with the formant engine or for seeded voices).
    voice_print: dict[str, Any] | None = None
    #: The sha256 of the sample the speech engine binds (None with the formant engine or for seeded voices).
    sample_sha256: str | None = None
    #: The speech engine's binding of the sample is still being made (in the background): the voice is DEPLOYING.
    binding_pending: bool = False
    #: A designed voice (contract §11.1, :mod:`cosyclone.emulator.design`): its description and preview text, and
    #: the pace its description asks for (multiplies the speaking rate). None / 1.0 for a cloned voice.
    voice_prompt: str | None = None
    preview_text: str | None = None
    pace: float = 1.0

    def status_at(self, now: float) -> str:
        """The status the service would report at ``now``."""
        if self.forced_status is not None:
            return self.forced_status
        return DEPLOYING if now < self.ready_at or self.binding_pending else self.outcome

    def restart_review(self, *, now: float, ready_delay_s: float, outcome: str) -> None:
        """``update_voice``: a new sample goes back through DEPLOYING."""
        self.modified_at = now
        self.ready_at = now + ready_delay_s
        self.outcome = outcome
        self.forced_status = None

    def force(self, status: str, *, now: float, ready_in_s: float | None = None) -> None:
        """Steer the status. ``DEPLOYING`` with ``ready_in_s`` becomes the outcome after that many seconds."""
        if status not in VOICE_STATUSES:
            raise ValueError(f"status must be one of {', '.join(VOICE_STATUSES)}")
        if status == DEPLOYING and ready_in_s is not None:
            self.forced_status = None
            self.ready_at = now + ready_in_s
        else:
            self.forced_status = status
            if status != DEPLOYING:
                self.ready_at = min(self.ready_at, now)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StoredVoice:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class VoiceSnapshot:
    """What synthesis sees of a voice (implements :class:`cosyclone.emulator.ports.VoiceView`)."""

    voice_id: str
    target_model: str
    status: str
    f0_hz: float | None
    pace: float = 1.0
