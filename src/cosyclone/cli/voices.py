"""``cosyclone voices list|show|update|delete|sync|import``: keep track of cloned voices.

The service is the truth for existence and status; the local registry remembers what we made (sample,
prefix, model, region) and lets a prefix stand for a voice_id.
"""

from __future__ import annotations

import typer

from cosyclone._exceptions import InvalidRequestError, Problem
from cosyclone.cli._output import confirmed, emit_json, report_result, reporting, say, table
from cosyclone.ops import voices as voice_ops
from cosyclone.ops.session import Session

voices_app = typer.Typer(help="List, inspect, update, delete, sync and import cloned voices.", no_args_is_help=True)


@voices_app.command("list")
def list_voices(
    ctx: typer.Context,
    prefix: str | None = typer.Option(None, "--prefix", help="Only voices with this prefix."),
    local: bool = typer.Option(
        False, "--local", help="Show the registry only (no network): this key's voices (every account's if no key)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
) -> None:
    """List voices: every page from the service (default) or the local registry (--local). Times are UTC."""
    state: Session = ctx.obj
    with reporting(as_json=as_json):
        rows = voice_ops.list_voices(state, prefix=prefix, local=local)
    if as_json:
        emit_json(rows)
        return
    columns = ["voice_id", "status", "target_model", "created_at"]
    if local and len({r.get("account") for r in rows}) > 1:
        columns.append("account")
    cells = [[_cell(c, r.get(c)) for c in columns] for r in rows]
    table(f"{len(rows)} voice(s)", [c + " (UTC)" if c == "created_at" else c for c in columns], cells)


def _cell(column: str, value: object) -> str:
    """A table cell: times as ``YYYY-MM-DD HH:MM:SS`` (UTC, said in the header), the rest as text."""
    text = "" if value is None else str(value)
    return text[:19].replace("T", " ") if column.endswith("_at") else text


@voices_app.command("show")
def show(
    ctx: typer.Context,
    voice: str = typer.Argument(..., help="voice_id, or a prefix that names one voice in the registry."),
    wait: bool = typer.Option(False, "--wait", help="Wait until the voice is OK."),
    timeout: float = typer.Option(300.0, "--timeout", help="Seconds to wait with --wait."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show one voice as the service reports it (status, model, sample link), plus what the registry knows and
    its latest score (`cosyclone score`)."""
    state: Session = ctx.obj
    with reporting(as_json=as_json):
        data = voice_ops.show_voice(state, voice, wait=wait, timeout_s=timeout)
    if as_json:
        emit_json(data)
        return
    rows = [[k, _cell(k, v)] for k, v in data.items() if k not in ("voice_id", "registry", "score", "consent")]
    rows += [[f"registry {k}", _cell(k, v)] for k, v in (data.get("registry") or {}).items()]
    rows += [[f"score {k}", _score_cell(k, v)] for k, v in (data.get("score") or {}).items()]
    consent = data.get("consent")
    rows += [[f"consent {k}", _score_cell(k, v)] for k, v in consent.items()] if consent else [["consent", "none"]]
    table(data["voice_id"], ["field", "value (times in UTC)"], rows)


def _score_cell(field: str, value: object) -> str:
    """A cell of the stored score: numbers to three places, the sanity findings joined."""
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value) or "nothing off"
    return _cell(field, value)


@voices_app.command("update")
def update(
    ctx: typer.Context,
    voice: str = typer.Argument(..., help="voice_id or registry prefix."),
    sample: str = typer.Argument(..., help="New sample: local file or http(s)/oss:// URL."),
    force: bool = typer.Option(False, "--force", help="Send even if the sample fails the preflight."),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Wait until the voice is OK again."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Re-enroll a voice from a new sample (checked locally first, refused if it fails unless --force)."""
    state: Session = ctx.obj
    with reporting(as_json=as_json):
        result = voice_ops.update_voice(state, voice, sample, force=force, wait=wait)
    line = f"updated {result['voice_id']} (status {result['status']}, request_id {result['request_id']})"
    report_result(result, as_json=as_json, line=line)


@voices_app.command("delete")
def delete(
    ctx: typer.Context,
    voice: str = typer.Argument(..., help="voice_id or registry prefix."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Delete a voice on the service (frees quota) and mark it deleted in the registry. Asks unless --yes."""
    state: Session = ctx.obj
    with reporting(as_json=as_json):
        voice_id = voice_ops.resolve_voice(state, voice)
        command, refused = f"cosyclone voices delete {voice_id} --yes", f"{voice_id} was not deleted"
        if not yes and not confirmed(
            f"Delete voice {voice_id}? This cannot be undone", refused=refused, command=command
        ):
            raise InvalidRequestError(
                [Problem("--yes", False, f"not confirmed: {voice_id} was not deleted")],
                hint=f"run `cosyclone voices delete {voice_id} --yes` to delete it without asking",
            )
        result = voice_ops.delete_voice(state, voice_id)
    report_result(result, as_json=as_json, line=f"deleted {voice_id} (request_id {result['request_id']})")


@voices_app.command("sync")
def sync(
    ctx: typer.Context,
    adopt: bool = typer.Option(False, "--adopt", help="Also import voices the registry does not know."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Reconcile the registry with the service: statuses refreshed, vanished voices marked deleted."""
    state: Session = ctx.obj
    with reporting(as_json=as_json):
        result = voice_ops.sync_voices(state, adopt=adopt)
    if as_json:
        emit_json(result)
        return
    say(
        f"{result['checked']} voice(s) on the service; {result['status_changed']} status change(s); "
        f"{len(result['gone'])} gone from the service"
    )
    if result["adopted"]:
        say(f"adopted {len(result['adopted'])} voice(s) into the registry")
    if result.get("no_sample_hash"):
        say(
            f"note: {len(result['no_sample_hash'])} adopted voice(s) have no downloadable sample link, so cloning "
            "the same file again would enroll a new voice; reuse them by voice_id"
        )
    if result["unknown"] and not adopt:
        say(
            f"{len(result['unknown'])} voice(s) not in the registry: "
            "`cosyclone voices sync --adopt` or `voices import ID`"
        )


@voices_app.command("import")
def import_voice(
    ctx: typer.Context,
    voice_id: str = typer.Argument(..., help="A voice_id made elsewhere (console, another tool)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Adopt a voice made elsewhere into the registry (checked on the service first)."""
    state: Session = ctx.obj
    with reporting(as_json=as_json):
        record = voice_ops.import_voice(state, voice_id)
    report_result({"ok": True, **record.to_dict()}, as_json=as_json, line=f"imported {voice_id}")


def register(app: typer.Typer) -> None:
    app.add_typer(voices_app, name="voices")
