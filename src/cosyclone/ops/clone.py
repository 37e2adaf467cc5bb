"""Clone a voice for a front end: :func:`cosyclone.ops.enrollment.clone_voice` with the session's client and registry,
its summary, and its evidence (``preflight.json``, ``clone.json``) written in one place.

Who may import it: the front ends (``cli/``, ``mcp_server.py``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cosyclone.ops.enrollment import CloneOutcome
    from cosyclone.ops.session import Session


@dataclass
class CloneResult:
    """What a front end shows: the outcome, and its JSON summary (as written to ``clone.json``, minus base_url)."""

    outcome: CloneOutcome
    summary: dict[str, Any]


def clone_with_evidence(
    session: Session,
    *,
    sample: str | os.PathLike[str],
    prefix: str,
    target_model: str,
    language_hints: list[str] | None = None,
    max_prompt_audio_length: float | None = None,
    enable_preprocess: bool | None = None,
    enable_volume_normalization: bool | None = None,
    upload: str = "auto",
    force: bool = False,
    new: bool = False,
    wait: bool = True,
    wait_timeout_s: float = 300.0,
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

    verdict = consent_for_clone(
        sample=sample, consent=consent, consent_text=consent_text, language_hints=language_hints
    )
    client = session.client()
    if not session.evidence_failures_are_warnings:
        # evidence that could never be written: say so before any work (nothing sent yet)
        session.evidence().check_writable("preflight.json", "clone.json")
    try:
        outcome = clone_voice(
            client,
            session.registry(),
            sample=sample,
            prefix=prefix,
            target_model=target_model,
            language_hints=language_hints,
            max_prompt_audio_length=max_prompt_audio_length,
            enable_preprocess=enable_preprocess,
            enable_volume_normalization=enable_volume_normalization,
            upload=upload,
            force=force,
            new=new,
            wait=wait,
            wait_timeout_s=wait_timeout_s,
            skip_catalog_check=skip_catalog_check,
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
