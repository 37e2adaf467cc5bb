"""Clone a voice safely: the whole enrollment workflow behind ``cosyclone clone`` and the MCP ``clone_voice``.

check the sample locally → reuse a voice already made from the same bytes (unless ``new``) → claim the
enrollment so a parallel process waits instead of enrolling twice → upload a local file → create (at most once,
reconciling after ambiguous failures) → record it → wait until OK.

Who may import it: :mod:`cosyclone.ops.clone` (for the front ends), the demo, ``quality/compare.py``, and library
users (it is public as ``cosyclone.clone_voice``). It uses the client, the registry and the audio preflight.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from typing_extensions import Unpack

from cosyclone._exceptions import (
    InvalidRequestError,
    Problem,
    SamplePreflightError,
    VoiceRejectedError,
)
from cosyclone.client import Client, CreatedVoice
from cosyclone.client.voices import check_before_upload, check_upload_mode, is_remote
from cosyclone.registry import VoiceRecord, VoiceRegistry
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
    hints = options.get("language_hints")
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

    with registry.claim(key):
        existing = registry.find_by_sample(**identity, sample_sha256=sha256) if sha256 and not new else None
        if existing is not None:
            notes.extend(_reuse_notes(existing, prefix))
            outcome = CloneOutcome(existing.voice_id, existing, True, None, report, notes, timings)
            return _finish(client, registry, outcome, wait=wait, timeout_s=wait_timeout_s, started=started)
        known = {r.voice_id for r in registry.list(account=client.account)}
        send_started = time.perf_counter()
        created = client.voices.create(
            prefix=prefix,
            sample=loaded.url if loaded.url is not None else str(loaded.path),
            target_model=target_model,
            upload=mode,
            skip_catalog_check=skip_catalog_check,
            exclude=known,
            **options,
        )
        timings["enroll"] = time.perf_counter() - send_started
        notes.extend(n for n in created.notes if n not in notes)
        record = registry.record(
            _new_record(client, created, target_model, prefix, sha256, hints[0] if hints else None)
        )
    outcome = CloneOutcome(created.voice_id, record, False, created, report, notes, timings)
    return _finish(client, registry, outcome, wait=wait, timeout_s=wait_timeout_s, started=started)


def _new_record(
    client: Client,
    created: CreatedVoice,
    target_model: str,
    prefix: str,
    sha256: str | None,
    language_hint: str | None,
) -> VoiceRecord:
    """The registry's record of a voice just created (``DEPLOYING`` until the wait says otherwise)."""
    return VoiceRecord(
        voice_id=created.voice_id,
        target_model=target_model,
        region=client.region,
        account=client.account,
        workspace=client.endpoints.workspace or "",
        prefix=prefix,
        sample_url=created.sample_url,
        sample_sha256=sha256,
        language_hint=language_hint,
        status="DEPLOYING",
        request_id=created.request_id,
    )


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
