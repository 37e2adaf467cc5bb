"""``compare``: which model clones this voice best? The one flow behind ``cosyclone compare`` and the MCP
``compare_models`` tool: plan (read and check the sample once, count the enrollments), ask the front end to
confirm the spend, clone into each model, score, rank, delete the losers (:mod:`cosyclone.quality.compare`),
write ``compare.json``.

Nothing is enrolled unless the front end confirms (the CLI asks or takes ``--yes``; an MCP tool cannot ask, so it
needs ``confirm=true`` and otherwise answers with the plan). Who may import it: the front ends and the library layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cosyclone.client import Client
    from cosyclone.ops.session import Session
    from cosyclone.quality.compare import CompareOutcome, ComparePlan
    from cosyclone.registry import VoiceRegistry

__all__ = ["CompareOptions", "CompareResult", "compare", "compare_with"]

DEFAULT_PREFIX = "compare"


@dataclass(frozen=True)
class CompareOptions:
    """What to compare: the sample, the models (default: every model the region can clone into), the prefix of
    the voices made, whether to keep the losers, and the probe language."""

    sample: str
    target_models: list[str] | None = None
    prefix: str = DEFAULT_PREFIX
    keep: bool = False
    language: str | None = None


@dataclass
class CompareResult:
    """The plan, and the ranked outcome (``None`` when the spend was not confirmed: nothing was enrolled)."""

    plan: ComparePlan
    outcome: CompareOutcome | None
    warnings: list[str] = field(default_factory=list)  # evidence not written (when the session allows it)

    @property
    def confirmed(self) -> bool:
        return self.outcome is not None

    def to_dict(self) -> dict[str, Any]:
        """``{confirmed, plan, …the outcome's ranking}`` (as written to ``compare.json``)."""
        ranking = self.outcome.to_dict() if self.outcome is not None else {}
        data = {"confirmed": self.confirmed, "plan": self.plan.to_dict(), **ranking}
        if self.warnings:
            data["warnings"] = list(self.warnings)
        return data


def compare(
    session: Session,
    options: CompareOptions,
    *,
    confirm: Callable[[ComparePlan], bool],
    on_progress: Callable[[str], None] | None = None,
) -> CompareResult:
    """Plan the comparison, then ask ``confirm(plan)`` (it sees how many enrollments the run would spend) before
    anything is enrolled; ``False`` ends it there, having spent nothing. A run that went ahead writes
    ``compare.json``.

    Raises:
        InvalidRequestError: a bad sample or model list (nothing enrolled).
        SamplePreflightError: the sample fails the local check.
        APIError subclasses: the service refused or could not be reached.
    """
    result = compare_with(session.client(), session.registry(), options, confirm=confirm, on_progress=on_progress)
    if result.confirmed:
        written: dict[str, Any] = {}
        session.write_evidence("compare.json", result.to_dict(), written)
        result.warnings.extend(written.get("warnings", []))
    return result


def compare_with(
    client: Client,
    registry: VoiceRegistry,
    options: CompareOptions,
    *,
    confirm: Callable[[ComparePlan], bool],
    on_progress: Callable[[str], None] | None = None,
) -> CompareResult:
    """:func:`compare` with a client and registry the caller holds, writing no evidence."""
    from cosyclone.quality.compare import compare_models, plan_compare

    plan = plan_compare(client, registry, sample=options.sample, target_models=options.target_models)
    if plan.enrollments:
        from cosyclone.ops.consent import refuse_unconsented

        refuse_unconsented("compare")
    if not confirm(plan):
        return CompareResult(plan, None)
    outcome = compare_models(
        client,
        registry,
        plan,
        prefix=options.prefix,
        keep=options.keep,
        language=options.language,
        on_progress=on_progress,
    )
    return CompareResult(plan, outcome)
