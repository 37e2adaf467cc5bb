"""``clone``: a sample → a ready voice, for a front end: :func:`cosyclone.ops.enrollment.clone_voice` with the
session's client and registry and the declared :class:`~cosyclone.schema.clone_options.CloneOptions`, its summary,
and its evidence (``preflight.json``, ``clone.json``) written in one place.

Who may import it: the front ends (``cli/``, ``mcp/``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cosyclone.ops.enrollment import CloneOutcome
    from cosyclone.ops.session import Session
    from cosyclone.schema.clone_options import CloneOptions

__all__ = ["CloneResult", "clone", "clone_options_from"]


@dataclass
class CloneResult:
    """What a front end shows: the outcome, and its JSON summary (as written to ``clone.json``, minus base_url)."""

    outcome: CloneOutcome
    summary: dict[str, Any]


def clone_options_from(values: dict[str, Any]) -> CloneOptions:
    """The declared options from a front end's parsed values (keyed by declared name; ``None``: the default).

    Raises:
        InvalidRequestError: a value breaks its declared type or bounds, naming the option.
    """
    from pydantic import ValidationError

    from cosyclone._exceptions import InvalidRequestError, problems_from_validation_error
    from cosyclone.schema.clone_options import CloneOptions

    given = {k: v for k, v in values.items() if v is not None and k in CloneOptions.model_fields}
    try:
        return CloneOptions.model_validate(given)
    except ValidationError as error:
        raise InvalidRequestError(problems_from_validation_error(error)) from None


#: The flags of a clone beside its declared options, as every front end passes them on (see :func:`clone`).
CLONE_FLAGS = ("force", "new", "skip_catalog_check", "consent", "consent_text")


def clone_parsed(session: Session, sample: str | os.PathLike[str], values: dict[str, Any]) -> CloneResult:
    """:func:`clone` from a front end's parsed values, keyed by name: the declared clone options (``None``: the
    default; see :func:`clone_options_from`) and the flags named in :data:`CLONE_FLAGS`.

    Raises:
        InvalidRequestError: a value breaks its declared type or bounds, naming the option (nothing sent).
    """
    declared = clone_options_from({k: v for k, v in values.items() if k not in CLONE_FLAGS})
    return clone(session, sample, declared, **{name: values[name] for name in CLONE_FLAGS if name in values})


def clone(
    session: Session,
    sample: str | os.PathLike[str],
    options: CloneOptions,
    *,
    force: bool = False,
    new: bool = False,
    skip_catalog_check: bool = False,
    consent: str | os.PathLike[str] | None = None,
    consent_text: str | None = None,
) -> CloneResult:
    """Clone ``sample`` (see :func:`~cosyclone.ops.enrollment.clone_voice`) and write the evidence.

    With ``consent`` (a recording of the sample's speaker reading ``consent_text``, default the consent sentence)
    the consent is verified first, before anything is sent, and its provenance is stored with the voice
    (:mod:`cosyclone.ops.consent`); the summary then carries ``consent``.

    A preflight report is written to ``preflight.json`` whether the sample passed or was refused. Errors are those
    of ``clone_voice``, and :class:`~cosyclone.ConsentRefusedError` (consent not verified, or required and missing).
    """
    from cosyclone.ops.consent import consent_for_clone, keep_consent
    from cosyclone.ops.enrollment import clone_voice
    from cosyclone.schema.clone_options import CloneWireOptions

    verdict = consent_for_clone(
        sample=sample, consent=consent, consent_text=consent_text, language_hints=options.language_hints
    )
    client = session.client()
    if not session.evidence_failures_are_warnings:
        # evidence that could never be written: say so before any work (nothing sent yet)
        session.evidence().check_writable("preflight.json", "clone.json")
    wire = {name: getattr(options, name) for name in CloneWireOptions.model_fields}
    try:
        outcome = clone_voice(
            client,
            session.registry(),
            sample=sample,
            prefix=options.prefix,
            target_model=options.target_model,
            upload=options.upload,
            force=force,
            new=new,
            wait=options.wait,
            wait_timeout_s=options.timeout_s,
            skip_catalog_check=skip_catalog_check,
            **wire,  # the declared wire options, by name
        )
    except Exception as error:
        report = getattr(error, "report", None)
        if report is not None:
            session.write_evidence("preflight.json", report.to_dict())
        raise
    summary: dict[str, Any] = {
        "ok": True,
        **outcome.to_dict(),
        "region": client.region,
        "endpoint": client.endpoints.describe(),
    }
    if verdict is not None:
        summary["consent"] = keep_consent(session.registry(), outcome.voice_id, verdict)
    if outcome.preflight is not None:
        session.write_evidence("preflight.json", outcome.preflight.to_dict(), summary)
    session.write_evidence("clone.json", {**summary, "base_url": client.endpoints.http_base_url}, summary)
    return CloneResult(outcome, summary)
