"""The seams between the emulator's core (state, accounts, rules, faults) and its API handlers.

The core's backend (:class:`cosyclone.emulator.state.backend.EmulatorBackend`) implements both protocols. The synthesis
handlers (WebSocket duplex protocol and HTTP ``SpeechSynthesizer``) depend only on :class:`SynthesisBackend`, the
enrollment and upload handlers only on :class:`EnrollmentBackend`, so each can be read and tested apart.

Imported by the handlers and the app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from cosyclone.emulator.faults import FaultPlan
from cosyclone.emulator.state.lifecycle import StoredVoice
from cosyclone.emulator.state.results import StoredResult
from cosyclone.schema.enrollment import QueryVoiceOutput, ReceivedCreateVoiceInput, ReceivedListVoiceInput, VoiceSummary
from cosyclone.schema.uploads import UploadPolicy


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

    @property
    def pace(self) -> float:
        """Multiplies the speaking rate: a designed voice's pace (contract §11.1), 1.0 for others."""
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


class EnrolledVoice(Protocol):
    """What the enrollment handler needs of a voice it has just created."""

    @property
    def voice_id(self) -> str: ...


class DesignBackend(Protocol):
    """What voice design (:mod:`cosyclone.emulator.api.design`) needs: the engine, the clock, a place to keep it."""

    voice_engine: str
    clock: Callable[[], float]

    def enroll_designed(self, tenant: str, record: StoredVoice) -> StoredVoice: ...


class EnrollmentBackend(DesignBackend, Protocol):
    """What the enrollment, upload and result handlers need. Rules refuse with
    :class:`~cosyclone.emulator.errors.EmulatorApiError` (``UploadRefused`` for the upload form). The ``create``
    and ``update`` calls and ``store_upload`` block (download, analysis, disk): call them from a worker thread."""

    faults: FaultPlan

    def require_tenant(self, authorization: str | None) -> str:
        """The tenant for an ``Authorization`` header value; raises 401 ``InvalidApiKey`` if refused."""
        ...

    def create_voice(
        self, tenant: str, request: ReceivedCreateVoiceInput, *, model: str, oss_resolve: bool
    ) -> EnrolledVoice: ...

    def list_voices(self, tenant: str, request: ReceivedListVoiceInput) -> list[VoiceSummary]: ...

    def query_voice(self, tenant: str, voice_id: str) -> QueryVoiceOutput: ...

    def update_voice(self, tenant: str, voice_id: str, url: str, *, model: str, oss_resolve: bool) -> None: ...

    def delete_voice(self, tenant: str, voice_id: str) -> None: ...

    def issue_policy(self, tenant: str, model: str, *, upload_host: str) -> UploadPolicy: ...

    def store_upload(self, fields: dict[str, str], data: bytes, *, content_type: str) -> object: ...

    def get_result(self, name: str) -> StoredResult | None: ...
