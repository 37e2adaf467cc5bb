"""Clone a voice safely: the whole enrollment workflow behind ``cosyclone clone`` and the MCP ``clone_voice``.

check the sample locally → reuse a voice already made from the same bytes (unless ``new``) → claim the
enrollment so a parallel process waits instead of enrolling twice → upload a local file → create (at most once,
reconciling after ambiguous failures) → record it → wait until OK.

Who may import it: :mod:`cosyclone.ops.clone` (for the front ends), the demo, ``quality/compare.py``, and library
users (it is public as ``cosyclone.clone_voice``). It uses the client, the registry and the audio preflight.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from typing_extensions import Unpack

from cosyclone._crashpoints import crash_point
from cosyclone._exceptions import (
    APIStatusError,
    InvalidRequestError,
    Problem,
    SamplePreflightError,
    VoiceRejectedError,
)
from cosyclone.client import Client, CreatedVoice
from cosyclone.client.voices import check_before_upload, check_upload_mode, is_remote
from cosyclone.registry import VoiceRecord, VoiceRegistry
from cosyclone.registry.claims import EnrollIntent
from cosyclone.registry.store import claim_key
from cosyclone.schema.clone import DEFAULT_TARGET_MODEL
from cosyclone.schema.clone_options import CloneWireOptionsDict

if TYPE_CHECKING:
    from cosyclone.audio.preflight import PreflightReport


@dataclass
class CloneOutcome:
    """What ``clone_voice`` did: the voice, whether it was reused or made now, and the evidence."""

    voice_id: str
    record: VoiceRecord
    reused: bool
    created: CreatedVoice | None = None
    preflight: PreflightReport | None = None
    notes: list[str] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "voice_id": self.voice_id,
            "status": self.record.status,
            "target_model": self.record.target_model,
            "prefix": self.record.prefix,
            "region": self.record.region,
            "sample_url": self.record.sample_url,
            "sample_sha256": self.record.sample_sha256,
            "request_id": self.created.request_id if self.created else self.record.request_id,
            "reused": self.reused,
            "reconciled": bool(self.created and self.created.reconciled),
            "preflight_verdict": self.preflight.verdict if self.preflight else None,
            "notes": self.notes,
            "timings_s": {k: round(v, 3) for k, v in self.timings_s.items()},
        }


@dataclass
class _Sample:
    url: str | None  # None for a local file (uploaded later)
    path: Path | None
    data: bytes | None
    name: str


def _load_sample(sample: str | os.PathLike[str], notes: list[str]) -> _Sample:
    if is_remote(sample):
        url = str(sample)
        if url.startswith(("http://", "https://")):
            from cosyclone.audio.io import AudioDecodeError, fetch_url

            try:
                return _Sample(url, None, fetch_url(url), url.rsplit("/", 1)[-1] or url)
            except AudioDecodeError as error:
                notes.append(f"could not fetch the sample to check it locally ({error.message}); the service will")
        return _Sample(url, None, None, url)
    path = Path(sample)
    try:
        return _Sample(None, path, path.read_bytes(), path.name)
    except FileNotFoundError:
        raise InvalidRequestError([Problem("sample", str(sample), "no such file")]) from None
    except OSError as error:
        raise InvalidRequestError([Problem("sample", str(sample), f"cannot be read: {error.strerror}")]) from None


def clone_voice(
    client: Client,
    registry: VoiceRegistry,
    *,
    sample: str | os.PathLike[str],
    prefix: str,
    target_model: str = DEFAULT_TARGET_MODEL,
    upload: str = "auto",
    preflight: bool = True,
    force: bool = False,
    new: bool = False,
    wait: bool = True,
    wait_timeout_s: float = 300.0,
    skip_catalog_check: bool = False,
    **options: Unpack[CloneWireOptionsDict],
) -> CloneOutcome:
    """Clone ``sample`` (a local file or a URL) into a voice, at most once per sample, model, region and account.

    ``options`` are the declared clone options sent with the request (``language_hints``,
    ``max_prompt_audio_length``, ``enable_preprocess``, ``enable_volume_normalization``:
    :mod:`cosyclone.schema.clone_options`).

    Raises:
        InvalidRequestError: a field breaks a rule, or the file is missing (nothing sent).
        SamplePreflightError: the sample fails the local check (unless ``force``).
        APIError subclasses: the service refused or could not be reached.
        VoiceRejectedError / VoiceNotReadyError: from waiting.
    """
    notes: list[str] = []
    timings: dict[str, float] = {}
    started = time.perf_counter()
    prepared = check_before_upload(
        sample, prefix, target_model, region=client.region, skip_catalog_check=skip_catalog_check, **options
    )
    notes.extend(prepared.notes)
    mode = check_upload_mode(upload)
    loaded = _load_sample(sample, notes)

    report = _preflight(loaded, force=force, notes=notes) if preflight and loaded.data is not None else None
    if report is not None:
        timings["preflight"] = time.perf_counter() - started
    sha256 = hashlib.sha256(loaded.data).hexdigest() if loaded.data is not None else None
    identity = {
        "account": client.account,
        "region": client.region,
        "workspace": client.endpoints.workspace or "",
        "target_model": target_model,
    }
    key = claim_key(**identity, sample=sha256 or (loaded.url or loaded.name))

    stage = _Stage()
    try:
        with registry.claim(key, on_wait=stage.waiting):
            stage.now = "claimed"
            existing = None if sha256 is None or new else _reusable(registry, identity, sha256, prefix, loaded, notes)
            if existing is not None:
                stage.recorded(existing.voice_id)
                outcome = CloneOutcome(existing.voice_id, existing, True, None, report, notes, timings)
                return _finish(client, registry, outcome, wait=wait, timeout_s=wait_timeout_s, started=started)
            intent = EnrollIntent(
                key, client.account, client.region, client.endpoints.workspace or "", target_model, prefix,
                sha256, loaded.url, os.getpid(), time.time(),
            )  # fmt: skip
            outcome = _adopt_or_create(
                client, registry, intent, loaded, mode, stage, notes, skip_catalog_check, **options
            )
        timings.update(outcome.timings_s)
        outcome.preflight, outcome.timings_s = report, timings
        return _finish(client, registry, outcome, wait=wait, timeout_s=wait_timeout_s, started=started)
    except KeyboardInterrupt:
        raise CloneInterrupted(stage.describe()) from None


def _reusable(
    registry: VoiceRegistry, identity: dict[str, str], sha256: str, prefix: str, loaded: _Sample, notes: list[str]
) -> VoiceRecord | None:
    """The voice already cloned from these bytes for this model, region and account (with notes), or None."""
    existing = registry.find_by_sample(**identity, sample_sha256=sha256)
    if existing is None:
        return None
    notes.extend(_reuse_notes(existing, prefix))
    if loaded.path is not None and not existing.sample_path:  # remember where the sample is
        existing = registry.record(dataclasses.replace(existing, sample_path=_path_of(loaded)))
    return existing


class CloneInterrupted(KeyboardInterrupt):
    """Ctrl-C during a clone, with ``.state``: what was done (sent or not, recorded or not) and how to finish."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


class ClaimWaitWarning(UserWarning):
    """A clone waits for another live process enrolling the same sample."""


@dataclass
class _Stage:
    """How far a clone got, to tell the user truthfully what an interruption left behind."""

    now: str = "checking"
    holder: str = ""
    voice_id: str = ""

    def waiting(self, holder: str) -> None:
        """Another live process holds the claim: say so (a warning, one line on the CLI's stderr), then wait."""
        import warnings

        self.now, self.holder = "waiting", holder
        warnings.warn(
            f"waiting for {holder}, which is enrolling the same sample: its voice will be reused (Ctrl-C to stop)",
            ClaimWaitWarning,
            stacklevel=2,
        )

    def recorded(self, voice_id: str) -> None:
        self.now, self.voice_id = "recorded", voice_id

    def describe(self) -> str:
        if self.now == "checking":
            return "nothing was sent and no voice was created"
        if self.now == "waiting":
            return (
                f"nothing was sent: {self.holder} is enrolling the same sample; run the same command again later "
                "and it reuses that voice"
            )
        if self.now == "sending":
            return (
                "the create request was sent (or about to be) and its answer had not arrived: the service may have "
                "made the voice, and the registry does not know it yet. Run the same command again: it looks for "
                "that voice on the service and adopts it instead of making (and paying for) another"
            )
        if self.now == "recorded":
            return (
                f"voice {self.voice_id} exists and is in the registry, maybe not ready yet: run the same command "
                f"again to wait for it, or `cosyclone voices get {self.voice_id}`"
            )
        return "nothing was sent and no voice was created"


def _adopt_or_create(
    client: Client,
    registry: VoiceRegistry,
    intent: EnrollIntent,
    loaded: _Sample,
    mode: Any,  # an UploadMode, as check_upload_mode returned it
    stage: _Stage,
    notes: list[str],
    skip_catalog_check: bool,
    **fields: Any,
) -> CloneOutcome:
    """Under the claim: adopt the voice an interrupted earlier run made (its intent is still recorded), else
    record our intent, create, and record the voice together with dropping the intent."""
    known = {r.voice_id for r in registry.list(account=client.account, include_deleted=True)}
    earlier = registry.pending_intent(intent.claim_key)
    if earlier is not None:
        from cosyclone.ops.adoption import find_interrupted_voice

        found = find_interrupted_voice(client, earlier, exclude=known)
        if found is not None:
            when = dt.datetime.fromtimestamp(earlier.started_at, dt.timezone.utc).isoformat(timespec="seconds")
            notes.append(
                f"an earlier run (pid {earlier.pid}, {when}) was interrupted after sending its create request; the "
                f"voice it made, {found.voice_id}, was found on the service and adopted: no second voice was made"
            )
            created = CreatedVoice(
                found.voice_id, found.request_id, None, intent.target_model, intent.prefix,
                found.resource_link or (loaded.url or ""), reconciled=True, attempts=0,
            )  # fmt: skip
            record = _record_created(registry, intent, created, fields.get("language_hints"), _path_of(loaded))
            stage.recorded(created.voice_id)
            return CloneOutcome(created.voice_id, record, False, created, None, notes)
    registry.record_intent(intent)
    stage.now = "sending"
    crash_point("clone:before-create")
    send_started = time.perf_counter()
    try:
        created = client.voices.create(
            prefix=intent.prefix,
            sample=loaded.url if loaded.url is not None else str(loaded.path),
            target_model=intent.target_model,
            upload=mode,
            skip_catalog_check=skip_catalog_check,
            exclude=known,
            **fields,
        )
    except (APIStatusError, InvalidRequestError):
        registry.settle_intent(intent.claim_key)  # a definite refusal: the service made nothing
        raise
    crash_point("clone:after-create")
    enroll_s = time.perf_counter() - send_started
    notes.extend(n for n in created.notes if n not in notes)
    record = _record_created(registry, intent, created, fields.get("language_hints"), _path_of(loaded))
    stage.recorded(created.voice_id)
    crash_point("clone:after-record")
    return CloneOutcome(created.voice_id, record, False, created, None, notes, {"enroll": enroll_s})


def _path_of(loaded: _Sample) -> str | None:
    """The local sample's absolute path, remembered so that ``score`` finds it without ``--sample``."""
    return str(loaded.path.resolve()) if loaded.path is not None else None


def _record_created(
    registry: VoiceRegistry,
    intent: EnrollIntent,
    created: CreatedVoice,
    language_hints: list[str] | None,
    sample_path: str | None,
) -> VoiceRecord:
    record = VoiceRecord(
        voice_id=created.voice_id,
        target_model=intent.target_model,
        region=intent.region,
        account=intent.account,
        workspace=intent.workspace,
        prefix=intent.prefix,
        sample_url=created.sample_url,
        sample_sha256=intent.sample_sha256,
        language_hint=language_hints[0] if language_hints else None,
        status="DEPLOYING",
        request_id=created.request_id,
        sample_path=sample_path,
    )
    stored = registry.settle_intent(intent.claim_key, record)
    assert stored is not None
    return stored


def _preflight(loaded: _Sample, *, force: bool, notes: list[str]) -> PreflightReport:
    """The local check of the sample's bytes; refuses what is not audio (bad input) or fails (unless ``force``)."""
    from cosyclone.audio.preflight import check_sample

    assert loaded.data is not None
    report = check_sample(loaded.data, name=loaded.name)
    reasons = "; ".join(f.message for f in report.findings if f.level == "fail")
    if report.unusable:  # not audio at all: bad input (exit 2), as `cosyclone check` says
        raise InvalidRequestError([Problem("sample", loaded.name, reasons or "is not audio")])
    if report.verdict == "fail":
        if not force:
            raise SamplePreflightError(f"the sample fails the preflight: {reasons}", report=report)
        notes.append("the sample fails the preflight; sent anyway (--force)")
    return report


def _reuse_notes(existing: VoiceRecord, prefix: str) -> list[str]:
    notes = ["this sample was already cloned for this model, region and account: reusing it"]
    if existing.prefix and existing.prefix != prefix:
        notes.append(
            f"it was cloned under prefix {existing.prefix!r}, not {prefix!r}: the voice_id keeps "
            f"{existing.prefix!r} (pass --new to enroll another voice under {prefix!r})"
        )
    return notes


def _finish(
    client: Client, registry: VoiceRegistry, outcome: CloneOutcome, *, wait: bool, timeout_s: float, started: float
) -> CloneOutcome:
    if wait and outcome.record.status != "OK":
        wait_started = time.perf_counter()
        try:
            voice = client.voices.wait_until_ready(outcome.voice_id, timeout=timeout_s)
        except VoiceRejectedError:
            registry.set_status(outcome.voice_id, "UNDEPLOYED")
            raise
        registry.set_status(outcome.voice_id, voice.status)
        outcome.timings_s["wait"] = time.perf_counter() - wait_started
        refreshed = registry.get(outcome.voice_id)
        if refreshed is not None:
            outcome.record = refreshed
    outcome.timings_s["total"] = time.perf_counter() - started
    return outcome
