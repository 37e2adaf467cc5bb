"""``cosyclone clone``: a sample (local file or URL) → a ready voice_id, at most once.

Its options (model, prefix, language hint, prompt length, preprocessing, volume normalization, upload, wait,
timeout) come from their one declaration (:mod:`cosyclone.schema.clone_options`); the flow is
:func:`cosyclone.ops.clone.clone`.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cosyclone.cli._options import AsJson, SkipCatalogCheck, clone_values, with_clone_options
from cosyclone.cli._output import emit_json, reporting, say
from cosyclone.ops.session import Session


def clone(
    ctx: typer.Context,
    sample: Annotated[str, typer.Argument(help="Local audio file (uploaded for you) or a public http(s)/oss:// URL.")],
    new: bool = typer.Option(False, "--new", help="Enroll again even if this sample was already cloned."),
    force: bool = typer.Option(False, "--force", help="Send the sample even if it fails the local preflight."),
    skip_catalog_check: SkipCatalogCheck = False,
    consent: str | None = typer.Option(
        None,
        "--consent",
        metavar="RECORDING",
        help="A recording of the sample's speaker reading the consent text: verified (words and speaker) before "
        "anything is sent, and kept with the voice.",
    ),
    consent_text: str | None = typer.Option(
        None,
        "--consent-text",
        metavar="TEXT",
        help="The words RECORDING must hold (default: `cosyclone consent-text` in the sample's language).",
    ),
    as_json: AsJson = False,
    **options: Any,
) -> None:
    """Clone a voice from SAMPLE and print its voice_id.

    Checks the sample locally first (refusing a failing one unless --force), reuses a voice already cloned
    from the same bytes (unless --new), uploads a local file, enrolls, waits for OK, records the voice in the
    registry and writes evidence. Exit codes: 0 ok, 2 bad input, 3 sample failed preflight, 4 service
    refused (also: the voice was rejected, UNDEPLOYED), 5 network, 6 still DEPLOYING after --timeout.

    Consent: with --consent the recogniser must hear the consent text in RECORDING (word error rate ≤ 0.3,
    characters for Chinese) and its speaker must be the sample's (similarity ≥ 0.80); otherwise exit 2 with
    `consent refused: …` and nothing is sent. With `require_consent = true` in $COSYCLONE_HOME/config.toml or
    COSYCLONE_REQUIRE_CONSENT=1, a clone without --consent is refused (exit 2).
    """
    from cosyclone.ops.clone import clone_parsed

    state: Session = ctx.obj
    with reporting(as_json=as_json):
        if state.use_emulator:
            say("using the in-process emulator (no key, no quota)")
        flags: dict[str, Any] = {"new": new, "force": force, "skip_catalog_check": skip_catalog_check}
        flags |= {"consent": consent, "consent_text": consent_text}
        try:
            cloned = clone_parsed(state, sample, {**clone_values("clone", options), **flags})
        except Exception as error:
            report = getattr(error, "report", None)
            if report is not None and not as_json:
                _print_failures(report)
            raise
    outcome, summary = cloned.outcome, cloned.summary
    for note in outcome.notes:
        say(f"note: {note}")
    if as_json:
        emit_json(summary)
        return
    how = "reused" if outcome.reused else ("found again after a lost reply" if summary["reconciled"] else "created")
    say(f"{how}: {outcome.voice_id} (status {outcome.record.status}, model {outcome.record.target_model})")
    if summary.get("consent"):
        kept = summary["consent"]
        say(
            f"consent verified: speaker similarity {kept['speaker_similarity']:.2f}, {kept['error_metric']} "
            f"{kept['error_rate']:.2f}; kept at {kept['recording']}"
        )
    typer.echo(outcome.voice_id)


def _print_failures(report: Any) -> None:
    for finding in report.findings:
        if finding.level == "fail":
            say(f"  ✗ {finding.code}: {finding.message}")


def register(app: typer.Typer) -> None:
    app.command("clone")(with_clone_options(clone, "clone", before="new"))
