"""Keeping track of cloned voices, the same way for the CLI and the MCP server: name → voice_id, list, show,
update, delete, sync and import.

The service is the truth for existence and status; the local registry remembers what we made (sample, prefix,
model, region) and lets a prefix stand for a voice_id. Times are given in UTC (ISO 8601 with ``+00:00``), the
service's (read as UTC+8) and the registry's alike. Every function takes a :class:`~cosyclone.ops.session.Session`
and returns JSON-ready data for the front end to render; evidence is written here. Who may import it: the front
ends (``cli/``, ``mcp/``) and the library layer (the name rule itself is :mod:`cosyclone.registry.names`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cosyclone._exceptions import InvalidRequestError, NotFoundError, Problem
from cosyclone.registry.names import resolve_voice_name

if TYPE_CHECKING:
    from cosyclone.client.types import Voice
    from cosyclone.ops.session import Session
    from cosyclone.registry import VoiceRecord, VoiceRegistry


def resolve_voice(session: Session, name: str, *, system_voice_ok: bool = False) -> str:
    """A voice_id from a voice_id or an unambiguous registry prefix of this account (or, for synthesis, a system
    voice name). See :func:`resolve_voice_name`."""
    if "-" in name:
        return name
    return resolve_voice_name(
        session.registry(), name, account=session.client().account, system_voice_ok=system_voice_ok
    )


def utc_text(moment: dt.datetime | str | None) -> str | None:
    """A moment as ISO 8601 in UTC (``…+00:00``); naive text from the registry is already UTC."""
    if moment is None or moment == "":
        return None
    if isinstance(moment, str):
        try:
            parsed = dt.datetime.fromisoformat(moment)
        except ValueError:
            return moment
    else:
        parsed = moment
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def describe_voice(voice: Voice, record: VoiceRecord | None = None) -> dict[str, Any]:
    """JSON-ready view of a voice: the service's facts, plus the registry's (prefix, sample hash, origin)."""
    data: dict[str, Any] = {
        "voice_id": voice.voice_id,
        "status": voice.status,
        "target_model": voice.target_model or (record.target_model if record else None),
        "resource_link": voice.resource_link,
        "created_at": utc_text(voice.created_at),
        "modified_at": utc_text(voice.modified_at),
        "request_id": voice.request_id,
        "kind": "designed" if is_designed(voice, record) else "cloned",
    }
    if data["kind"] == "designed":  # contract §11.1: the description stands where the sample would
        data["voice_prompt"] = voice.voice_prompt or (record.voice_prompt if record else None)
        data["preview_text"] = voice.preview_text or (record.preview_text if record else None)
    if record is not None:
        data["registry"] = {"prefix": record.prefix, "sample_sha256": record.sample_sha256, "origin": record.origin}
        if record.is_designed:
            data["registry"]["preview_file"] = record.preview_file
    return data


def is_designed(voice: Voice, record: VoiceRecord | None = None) -> bool:
    """A designed voice (contract §11.1): so recorded, described by the service, or with a ``-vd-`` id."""
    from cosyclone.schema.design import is_designed_voice_id

    return bool(
        (record is not None and record.is_designed) or voice.voice_prompt or is_designed_voice_id(voice.voice_id)
    )


def list_voices(session: Session, *, prefix: str | None = None, local: bool = False) -> list[dict[str, Any]]:
    """Every voice on the service (every page), merged with the registry; or the registry alone (``local``):
    the voices of this session's account (the one ``speak`` and the service would use), when a key is
    configured; else every account's (each row says which, as ``account``)."""
    registry = session.registry()
    if local:
        account = session.client().account if session.use_emulator or session.service_configured() else None
        rows = []
        for record in registry.list(prefix=prefix, account=account):
            row = record.to_dict()
            for name in ("created_at", "updated_at", "deleted_at"):
                value = row[name]
                row[name] = utc_text(value if isinstance(value, str) else None)
            rows.append(row)
        return rows
    client = session.client()
    known = {r.voice_id: r for r in registry.list(account=client.account)}
    return [describe_voice(v, known.get(v.voice_id)) for v in client.voices.iter_all(prefix=prefix)]


def show_voice(session: Session, name: str, *, wait: bool = False, timeout_s: float = 300.0) -> dict[str, Any]:
    """One voice as the service reports it (waiting until OK with ``wait``); the registry's status is refreshed.
    A voice that was scored (``cosyclone score`` / ``score_voice``) also carries its latest score under
    ``score``: ``{verdict, similarity, word_error_rate, character_error_rate, sanity, scored_at, summary}``.
    ``consent`` is the verified consent's provenance (``{verified, text, speaker_similarity, sha256, at, …}``),
    or None."""
    voice_id = resolve_voice(session, name)
    client = session.client()
    found = client.voices.wait_until_ready(voice_id, timeout=timeout_s) if wait else client.voices.get(voice_id)
    registry = session.registry()
    if registry.get(voice_id) is not None:
        registry.set_status(voice_id, found.status)
    data = describe_voice(found, registry.get(voice_id))
    score = stored_score_view(registry, voice_id)
    if score is not None:
        data["score"] = {**score, "scored_at": utc_text(score.get("scored_at"))}
    data["consent"] = registry.consent(voice_id)
    return data


def stored_score_view(registry: VoiceRegistry, voice_id: str) -> dict[str, Any] | None:
    """The latest stored score, shortened for ``voices show`` (None if the voice was never scored)."""
    stored = registry.latest_score(voice_id)
    if stored is None:
        return None
    return {
        "verdict": stored.get("verdict"),
        "similarity": stored.get("similarity", {}).get("score"),
        "word_error_rate": stored.get("intelligibility", {}).get("word_error_rate"),
        "character_error_rate": stored.get("intelligibility", {}).get("character_error_rate"),
        "sanity": stored.get("sanity", {}).get("findings", []),
        "scored_at": stored.get("scored_at"),
        "summary": stored.get("summary"),
    }


def delete_voice(session: Session, voice_id: str) -> dict[str, Any]:
    """Delete ``voice_id`` on the service and mark it deleted in the registry (also when the service no longer
    knows it). Returns ``{ok, voice_id, request_id}`` and writes ``delete.json``."""
    registry = session.registry()
    try:
        request_id = session.client().voices.delete(voice_id)
    except NotFoundError:
        registry.mark_deleted(voice_id)
        raise
    registry.mark_deleted(voice_id)
    result: dict[str, Any] = {"ok": True, "voice_id": voice_id, "request_id": request_id}
    session.write_evidence("delete.json", {"voice_id": voice_id, "request_id": request_id}, result)
    return result


def _check_new_sample(sample: str, *, force: bool) -> str | None:
    """The SHA-256 of a local new sample after it passed the preflight (``None`` for a URL: the service checks)."""
    from cosyclone._exceptions import SamplePreflightError
    from cosyclone.client.voices import is_remote

    if is_remote(sample):
        return None
    from cosyclone.audio.preflight import check_sample

    path = Path(sample)
    if not path.is_file():
        raise InvalidRequestError([Problem("sample", sample, "no such file")])
    data = path.read_bytes()
    report = check_sample(data, name=path.name)
    if report.verdict == "fail" and not force:
        rules = "; ".join(f"{f.code}: {f.message}" for f in report.findings if f.level == "fail")
        raise SamplePreflightError(f"the new sample {sample} fails the preflight ({rules})", report=report)
    return hashlib.sha256(data).hexdigest()


def update_voice(session: Session, name: str, sample: str, *, force: bool = False, wait: bool = True) -> dict[str, Any]:
    """Re-enroll a voice from a new sample (checked locally first unless it is a URL); the registry follows.
    Returns ``{ok, voice_id, request_id, status}`` and writes ``update.json``. A verified consent stored with the
    voice was for the old sample's speaker: it is forgotten (and with consent required, no update is made)."""
    from cosyclone.ops.consent import refuse_unconsented

    refuse_unconsented("voices update")
    voice_id = resolve_voice(session, name)
    record = session.registry().get(voice_id)
    if (record is not None and record.is_designed) or "-vd-" in voice_id:
        raise InvalidRequestError(
            [Problem("voice", voice_id, "is a designed voice: it has no sample to replace")],
            hint="design a new voice instead (cosyclone design VOICE_PROMPT --prefix P)",
        )
    sha256 = _check_new_sample(sample, force=force)
    client = session.client()
    request_id = client.voices.update(voice_id, sample)
    status = client.voices.wait_until_ready(voice_id).status if wait else "DEPLOYING"
    registry = session.registry()
    record = registry.get(voice_id)
    if record is not None:
        registry.record(dataclasses.replace(record, sample_url=sample, sample_sha256=sha256, status=status))
    registry.forget_consent(voice_id)
    result: dict[str, Any] = {"ok": True, "voice_id": voice_id, "request_id": request_id, "status": status}
    evidence = {"voice_id": voice_id, "sample": sample, "request_id": request_id, "status": status}
    session.write_evidence("update.json", evidence, result)
    return result


def sync_voices(session: Session, *, adopt: bool = False) -> dict[str, Any]:
    """Reconcile the registry with the service (this account and region): statuses refreshed, vanished voices
    marked deleted, unknown ones listed (and imported with ``adopt``)."""
    client = session.client()
    registry = session.registry()
    remote = {v.voice_id: v for v in client.voices.iter_all()}
    local = {r.voice_id: r for r in registry.list(account=client.account) if r.region == client.region}
    gone = sorted(set(local) - set(remote))
    for voice_id in gone:
        registry.mark_deleted(voice_id)
    refreshed = 0
    for voice_id in set(local) & set(remote):
        if local[voice_id].status != remote[voice_id].status:
            registry.set_status(voice_id, remote[voice_id].status)
            refreshed += 1
    unknown = sorted(set(remote) - set(local))
    records = [import_voice(session, voice_id) for voice_id in unknown] if adopt else []
    return {
        "ok": True,
        "checked": len(remote),
        "status_changed": refreshed,
        "gone": gone,
        "unknown": unknown,
        "adopted": [r.voice_id for r in records],
        # Voices whose sample could not be hashed again (not downloadable): cloning it again makes a new voice.
        "no_sample_hash": [r.voice_id for r in records if r.sample_sha256 is None],
    }


def prefix_of(voice_id: str, target_model: str) -> str:
    """The name prefix inside a voice_id (``<model>-<prefix>-<hash>``), or ``""`` when it has no such shape."""
    parts = voice_id.removeprefix(target_model + "-").removeprefix("vd-").rsplit("-", 1)
    return parts[0] if len(parts) == 2 else ""


def sample_hash(resource_link: str | None) -> str | None:
    """The SHA-256 of the sample behind ``resource_link`` when it can be downloaded (http/https), else None:
    what dedupe matches a new clone's sample against (an ``oss://`` link is readable by the service only)."""
    if not resource_link or not resource_link.startswith(("http://", "https://")):
        return None
    from cosyclone.audio.io import AudioDecodeError, fetch_url

    try:
        return hashlib.sha256(fetch_url(resource_link)).hexdigest()
    except AudioDecodeError:
        return None


#: What a voice_id looks like (``{target_model}-{prefix}-{hex}``): checked before asking the service.
_VOICE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{2,127}")


def import_voice(session: Session, voice_id: str) -> VoiceRecord:
    """Adopt a voice made elsewhere into the registry, after checking it on the service; the sample's hash is
    restored from its ``resource_link`` where that can be downloaded (so cloning the same sample reuses it)."""
    from cosyclone.catalog import model_from_voice_id
    from cosyclone.registry import VoiceRecord

    if not _VOICE_ID.fullmatch(voice_id):
        raise InvalidRequestError(
            [Problem("voice_id", voice_id, "is not a voice_id: one word of letters, digits, '.', '_' and '-'")],
            hint="give the voice_id as the console or `cosyclone voices list` shows it, e.g. "
            "cosyvoice-v3.5-plus-awb-0123…; nothing was sent",
        )
    client = session.client()
    voice = client.voices.get(voice_id)
    target_model = voice.target_model or model_from_voice_id(voice_id)
    if target_model is None:
        raise InvalidRequestError([Problem("voice_id", voice_id, "the service did not say which model it is for")])
    return session.registry().record(
        VoiceRecord(
            voice_id=voice_id,
            target_model=target_model,
            region=client.region,
            account=client.account,
            workspace=client.endpoints.workspace or "",
            prefix=prefix_of(voice_id, target_model),
            sample_url=voice.resource_link,
            sample_sha256=sample_hash(voice.resource_link),
            status=voice.status,
            request_id=voice.request_id,
            origin="imported",
            kind="designed" if is_designed(voice) else "cloned",
            voice_prompt=voice.voice_prompt,
            preview_text=voice.preview_text,
        )
    )
