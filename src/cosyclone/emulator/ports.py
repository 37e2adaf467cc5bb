"""The seam between the emulator's core (state, accounts, faults) and its synthesis handlers.

The core's backend implements :class:`SynthesisBackend`; the synthesis module (WebSocket duplex protocol and HTTP
``SpeechSynthesizer``) depends only on this protocol, so the two halves can be read and tested apart.
"""

from __future__ import annotations

from typing import Protocol

from cosyclone.emulator.faults import FaultPlan


class VoiceView(Protocol):
    """What synthesis needs to know of an enrolled voice."""

    @property
    def voice_id(self) -> str: ...

    @property
    def target_model(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def f0_hz(self) -> float | None:
        """Median pitch of the enrolled sample (None when it could not be measured)."""
        ...


class SynthesisBackend(Protocol):
    faults: FaultPlan
    #: Seconds of silence from the client after which a task fails (the service's 23 s; shorter in tests).
    idle_timeout_s: float
    #: Added latency per synthesized sentence, to make streaming observable in tests and benchmarks.
    sentence_latency_s: float

    def authenticate(self, authorization: str | None) -> str | None:
        """The tenant (an opaque id derived from the key, never the key) for an ``Authorization: Bearer …``
        header value, or None if refused."""
        ...

    def find_voice(self, tenant: str, voice_id: str) -> VoiceView | None:
        """A cloned voice of this tenant, or None (system voices are not stored here)."""
        ...

    def store_result(self, tenant: str, data: bytes, suffix: str) -> str:
        """Keep synthesized audio for download; returns the URL *path* it is served at (``/_emulator/…``)."""
        ...
