"""``cosyclone voices list|show|update|delete|sync|import``: keep track of cloned voices.

The service is the truth for existence and status; the local registry remembers what we made (sample,
prefix, model, region) and lets a prefix stand for a voice_id.
"""

from __future__ import annotations

import typer

from cosyclone._exceptions import InvalidRequestError, NotFoundError, Problem
from cosyclone.cli._output import emit_json, reporting, say, table
from cosyclone.cli.state import CLIState
from cosyclone.registry.views import describe_voice, resolve_voice_name

voices_app = typer.Typer(help="List, inspect, update, delete, sync and import cloned voices.", no_args_is_help=True)


def resolve_voice(state: CLIState, name: str, *, system_voice_ok: bool = False) -> str:
    """A voice_id from a voice_id or an unambiguous registry prefix (see registry.views.resolve_voice_name)."""
    return resolve_voice_name(state.registry(), name, account=state.client().account, system_voice_ok=system_voice_ok)


@voices_app.command("list")
def list_voices(
    ctx: typer.Context,
    prefix: str | None = typer.Option(None, "--prefix", help="Only voices with this prefix."),
    local: bool = typer.Option(False, "--local", help="Show the registry only (no network)."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
) -> None:
    """List voices: every page from the service (default) or the local registry (--local)."""
    state: CLIState = ctx.obj
    with reporting(as_json=as_json):
        registry = state.registry()
        if local:
            records = registry.list(prefix=prefix)
            rows = [r.to_dict() for r in records]
        else:
            client = state.client()
            known = {r.voice_id: r for r in registry.list(account=client.account)}
            rows = [describe_voice(v, known.get(v.voice_id)) for v in client.voices.iter_all(prefix=prefix)]
    if as_json:
        emit_json(rows)
        return
    columns = ["voice_id", "status", "target_model", "created_at"]
    cells = [
        [str(r.get(c) or "")[: 19 if c == "created_at" else None].replace("T", " ") for c in columns] for r in rows
    ]
    table(f"{len(rows)} voice(s)", columns, cells)


@voices_app.command("show")
def show(
    ctx: typer.Context,
    voice: str = typer.Argument(..., help="voice_id, or a prefix that names one voice in the registry."),
    wait: bool = typer.Option(False, "--wait", help="Wait until the voice is OK."),
    timeout: float = typer.Option(300.0, "--timeout", help="Seconds to wait with --wait."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show one voice as the service reports it (status, model, sample link), plus what the registry knows."""
    state: CLIState = ctx.obj
    with reporting(as_json=as_json):
        voice_id = resolve_voice(state, voice)
        client = state.client()
        found = client.voices.wait_until_ready(voice_id, timeout=timeout) if wait else client.voices.get(voice_id)
        registry = state.registry()
        if registry.get(voice_id) is not None:
            registry.set_status(voice_id, found.status)
        data = describe_voice(found, registry.get(voice_id))
    if as_json:
        emit_json(data)
        return
    table(voice_id, ["field", "value"], [[k, str(v)] for k, v in data.items() if k != "voice_id"])


@voices_app.command("update")
def update(
    ctx: typer.Context,
    voice: str = typer.Argument(..., help="voice_id or registry prefix."),
    sample: str = typer.Argument(..., help="New sample: local file or http(s)/oss:// URL."),
    force: bool = typer.Option(False, "--force", help="Send even if the sample fails the preflight."),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Wait until the voice is OK again."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Re-enroll a voice from a new sample (checked locally first)."""
    import hashlib
    from pathlib import Path

    from cosyclone._exceptions import SamplePreflightError
    from cosyclone.client.voices import is_remote

    state: CLIState = ctx.obj
    with reporting(as_json=as_json):
        voice_id = resolve_voice(state, voice)
        sha256 = None
        if not is_remote(sample):
            from cosyclone.audio.preflight import check_sample

            path = Path(sample)
            if not path.is_file():
                raise InvalidRequestError([Problem("sample", sample, "no such file")])
            data = path.read_bytes()
            sha256 = hashlib.sha256(data).hexdigest()
            report = check_sample(data, name=path.name)
            if report.verdict == "fail" and not force:
                raise SamplePreflightError("the new sample fails the preflight", report=report)
        client = state.client()
        request_id = client.voices.update(voice_id, sample)
        status = client.voices.wait_until_ready(voice_id).status if wait else "DEPLOYING"
        registry = state.registry()
        record = registry.get(voice_id)
        if record is not None:
            import dataclasses

            registry.record(dataclasses.replace(record, sample_url=sample, sample_sha256=sha256, status=status))
        state.evidence().write_json(
            "update.json", {"voice_id": voice_id, "sample": sample, "request_id": request_id, "status": status}
        )
    result = {"ok": True, "voice_id": voice_id, "request_id": request_id, "status": status}
    if as_json:
        emit_json(result)
    else:
        say(f"updated {voice_id} (status {status}, request_id {request_id})")


@voices_app.command("delete")
def delete(
    ctx: typer.Context,
    voice: str = typer.Argument(..., help="voice_id or registry prefix."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Delete a voice on the service (frees quota) and mark it deleted in the registry. Asks unless --yes."""
    state: CLIState = ctx.obj
    with reporting(as_json=as_json):
        voice_id = resolve_voice(state, voice)
        if not yes and not typer.confirm(f"Delete voice {voice_id}? This cannot be undone", default=False):
            say("not deleted")
            raise typer.Exit(1)
        registry = state.registry()
        try:
            request_id = state.client().voices.delete(voice_id)
        except NotFoundError:
            registry.mark_deleted(voice_id)
            raise
        registry.mark_deleted(voice_id)
        state.evidence().write_json("delete.json", {"voice_id": voice_id, "request_id": request_id})
    if as_json:
        emit_json({"ok": True, "voice_id": voice_id, "request_id": request_id})
    else:
        say(f"deleted {voice_id} (request_id {request_id})")


@voices_app.command("sync")
def sync(
    ctx: typer.Context,
    adopt: bool = typer.Option(False, "--adopt", help="Also import voices the registry does not know."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Reconcile the registry with the service: statuses refreshed, vanished voices marked deleted."""
    state: CLIState = ctx.obj
    with reporting(as_json=as_json):
        client = state.client()
        registry = state.registry()
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
        adopted = [_import(state, voice_id) for voice_id in unknown] if adopt else []
    result = {"ok": True, "checked": len(remote), "status_changed": refreshed, "gone": gone, "unknown": unknown}
    result["adopted"] = adopted
    if as_json:
        emit_json(result)
        return
    say(f"{len(remote)} voice(s) on the service; {refreshed} status change(s); {len(gone)} gone from the service")
    if unknown and not adopt:
        say(f"{len(unknown)} voice(s) not in the registry: `cosyclone voices sync --adopt` or `voices import ID`")


def _import(state: CLIState, voice_id: str) -> str:
    from cosyclone.catalog import model_from_voice_id
    from cosyclone.registry import VoiceRecord

    client = state.client()
    voice = client.voices.get(voice_id)
    target_model = voice.target_model or model_from_voice_id(voice_id)
    if target_model is None:
        raise InvalidRequestError([Problem("voice_id", voice_id, "the service did not say which model it is for")])
    parts = voice_id.removeprefix(target_model + "-").rsplit("-", 1)
    state.registry().record(
        VoiceRecord(
            voice_id=voice_id,
            target_model=target_model,
            region=client.region,
            account=client.account,
            workspace=client.endpoints.workspace or "",
            prefix=parts[0] if len(parts) == 2 else "",
            sample_url=voice.resource_link,
            status=voice.status,
            request_id=voice.request_id,
            origin="imported",
        )
    )
    return voice_id


@voices_app.command("import")
def import_voice(
    ctx: typer.Context,
    voice_id: str = typer.Argument(..., help="A voice_id made elsewhere (console, another tool)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Adopt a voice made elsewhere into the registry (checked on the service first)."""
    state: CLIState = ctx.obj
    with reporting(as_json=as_json):
        _import(state, voice_id)
        record = state.registry().get(voice_id)
    if as_json:
        emit_json({"ok": True, **(record.to_dict() if record else {})})
    else:
        say(f"imported {voice_id}")


def register(app: typer.Typer) -> None:
    app.add_typer(voices_app, name="voices")
