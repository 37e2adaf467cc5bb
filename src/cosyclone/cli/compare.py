"""``cosyclone compare``: clone one sample into several models, score each, rank them. Rendering only.

The flow lives in :mod:`cosyclone.ops.compare` (the workflow — preflight once, dedupe, resume, deleting losers —
in :mod:`cosyclone.quality.compare`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from cosyclone.cli._options import AsJson, clone_values, with_clone_options
from cosyclone.cli._output import confirmed, emit_json, reporting, say, table
from cosyclone.ops.session import Session

if TYPE_CHECKING:
    from cosyclone.quality.compare import ComparePlan


def compare(
    ctx: typer.Context,
    sample: str = typer.Argument(..., help="Local audio file or http(s) URL to clone from."),
    target_model: list[str] | None = typer.Option(
        None,
        "--target-model",
        metavar="MODEL",
        help="A model to compare (repeat); default: every model the region can clone into.",
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Spend the enrollments without asking."),
    keep: bool = typer.Option(False, "--keep", help="Keep the voices this comparison made that lost."),
    language: str | None = typer.Option(None, "--language", metavar="LANG", help="Probe language: en or zh."),
    as_json: AsJson = False,
    **options: Any,
) -> None:
    """Which model clones this voice best? Clone SAMPLE into each model, score each voice, rank them.

    Checks the sample once, reuses voices already cloned from the same bytes, says how many enrollments it
    will spend and asks (unless --yes; no answer on stdin is no), scores each voice
    (see `cosyclone score`), prints a ranked table and a recommendation, and deletes the voices it made that
    lost (unless --keep). Interrupted? Run the same command again: it resumes. Exit codes: 0 ok, 2 bad input
    or not confirmed, 3 sample failed preflight, 4 service refused, 5 network.
    """
    from cosyclone._exceptions import InvalidRequestError, Problem
    from cosyclone.ops.compare import CompareOptions, compare

    def confirm(plan: ComparePlan) -> bool:
        say(
            f"comparing {len(plan.models)} model(s): {', '.join(plan.models)}; "
            f"{len(plan.reuse)} voice(s) reused, {plan.enrollments} enrollment(s) to spend"
        )
        refused = f"{plan.enrollments} enrollment(s) not spent, nothing enrolled"
        if (
            not plan.enrollments
            or yes
            or confirmed(
                f"spend {plan.enrollments} enrollment(s)?", refused=refused, command="cosyclone compare … --yes"
            )
        ):
            return True
        rule = f"not confirmed: {plan.enrollments} enrollment(s) not spent, nothing enrolled (or give --yes)"
        raise InvalidRequestError([Problem("--yes", False, rule)])

    state: Session = ctx.obj
    prefix = clone_values("compare", options)["prefix"]
    run = CompareOptions(sample, target_models=target_model or None, prefix=prefix, keep=keep, language=language)
    with reporting(as_json=as_json):
        result = compare(state, run, confirm=confirm, on_progress=None if as_json else say)
    assert result.outcome is not None  # not confirmed raised above
    payload = result.outcome.to_dict()
    for note in payload["notes"]:
        say(f"note: {note}")
    if as_json:
        emit_json(payload)
        return
    _render(payload)


def _render(payload: dict[str, Any]) -> None:
    columns = ["rank", "target_model", "verdict", "similarity", "WER/CER", "sanity", "voice_id"]
    rows = [
        [
            str(r["rank"]),
            r["target_model"],
            r["verdict"],
            f"{r['similarity']:.3f}",
            _error_rate(r),
            "; ".join(r["sanity"]) or "ok",
            r["voice_id"] + ("" if r["made_by_compare"] else " (existing)"),
        ]
        for r in payload["ranking"]
    ]
    table(f"models ranked for {payload['sample']}", columns, rows)
    for voice_id in payload["deleted"]:
        say(f"deleted (lost): {voice_id}")
    typer.echo(f"recommendation: {payload['recommendation']}")


def _error_rate(row: dict[str, Any]) -> str:
    """``0.05`` (WER), ``CER 0.12`` for Chinese probes, ``—`` when not measured."""
    if row.get("character_error_rate") is not None:
        return f"CER {row['character_error_rate']:.2f}"
    return "—" if row["word_error_rate"] is None else f"{row['word_error_rate']:.2f}"


def register(app: typer.Typer) -> None:
    app.command("compare")(with_clone_options(compare, "compare", before="yes", defaults={"prefix": "compare"}))
