"""Which model clones this voice best? Clone one sample into several target models, score each, rank them.

``plan_compare`` (no enrollment yet): reads the sample once, checks it once (the preflight), resolves the models
(default: every current model the region can clone into) and counts the enrollments the run will spend — a model
for which this sample was already cloned (same bytes, region, account: the registry's dedupe) reuses that voice.
The CLI shows the count and asks before ``compare_models`` spends it.

``compare_models``: for each model, ``enrollment.clone_voice`` (dedupe and claims included, no second preflight),
then ``quality.score_voice``; a ranked list by ``ranking_score`` (similarity less a WER penalty) and a
recommendation. The voices this comparison made that lost are deleted unless ``keep``; voices that existed
before are never deleted, nor voices tied with the best (within ``TIE_MARGIN``: then the recommendation says
they clone the voice alike). With an emulator that cannot judge resemblance nothing is deleted (the ranking means
nothing there).

**Resuming.** The run's state (which voices it made) is saved in the registry (``compare_runs``, keyed by
account, region, workspace and sample hash) after every enrollment, and every score is stored with its voice.
Run the same command again after an interruption: enrolled voices are reused (dedupe), voices already scored
against this sample with the same probe set are not synthesized again, and the voices the first run made are
still known as its own (so losers are still cleaned up).

Who may import it: the CLI (``cosyclone compare``), the MCP server, the library surface.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cosyclone._crashpoints import crash_point
from cosyclone._exceptions import InvalidRequestError, Problem, SamplePreflightError
from cosyclone.audio.io import is_url
from cosyclone.catalog import TARGET_MODELS
from cosyclone.client import Client
from cosyclone.quality.probes import probe_set_for
from cosyclone.quality.scoring import score_voice
from cosyclone.registry import VoiceRegistry
from cosyclone.registry.store import claim_key

__all__ = ["CompareOutcome", "ComparePlan", "compare_models", "default_models", "plan_compare"]

DEFAULT_PREFIX = "compare"
#: Voices whose ranking scores are this close to the best are tied with it: none of them is a loser. The 1.6 s
#: windows of one voice spread by about ±0.04 around its mean (see the --plot picture), so the mean of the ~7
#: windows of a probe set is uncertain by about 0.015: a smaller lead is not a lead.
TIE_MARGIN = 0.01
Progress = Callable[[str], None]


@dataclass
class ComparePlan:
    """What a comparison will do, before it spends anything."""

    sample: str
    sample_sha256: str
    models: list[str]
    reuse: dict[str, str]  # model → voice_id already cloned from this sample
    preflight_verdict: str | None
    notes: list[str] = field(default_factory=list)

    @property
    def enrollments(self) -> int:
        """How many new voices (enrollments) the run will create."""
        return sum(1 for m in self.models if m not in self.reuse)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sample": self.sample,
            "sample_sha256": self.sample_sha256,
            "models": self.models,
            "reuse": self.reuse,
            "enrollments": self.enrollments,
            "preflight_verdict": self.preflight_verdict,
            "notes": self.notes,
        }


@dataclass
class CompareOutcome:
    """The ranked results: best first."""

    plan: ComparePlan
    ranking: list[dict[str, Any]]
    recommendation: str
    deleted: list[str]
    judged: bool
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sample": self.plan.sample,
            "enrollments_planned": self.plan.enrollments,
            "ranking": self.ranking,
            "recommendation": self.recommendation,
            "best": self.ranking[0] if self.ranking else None,
            "deleted": self.deleted,
            "judged": self.judged,
            "notes": self.plan.notes + self.notes,
        }


def default_models(region: str) -> list[str]:
    """Every current (non-legacy) model that can clone voices in ``region``."""
    return [m.name for m in TARGET_MODELS.values() if region in m.clone_regions and not m.legacy]


def _check_models(models: list[str], region: str) -> list[str]:
    problems: list[Problem] = []
    for name in models:
        model = TARGET_MODELS.get(name)
        if model is None:
            problems.append(Problem("target_model", name, f"unknown; one of {', '.join(TARGET_MODELS)}"))
        elif region not in model.clone_regions:
            problems.append(Problem("target_model", name, f"cannot clone voices in {region}"))
    if problems:
        raise InvalidRequestError(problems)
    unique = list(dict.fromkeys(models))
    if not unique:
        raise InvalidRequestError([Problem("target_model", None, f"no model can clone voices in {region}")])
    return unique


def _sample_bytes(sample: str) -> bytes:
    if is_url(sample):
        if not sample.startswith(("http://", "https://")):
            raise InvalidRequestError([Problem("sample", sample, "compare needs a local file or an http(s) URL")])
        from cosyclone.audio.io import AudioDecodeError, fetch_url

        try:
            return fetch_url(sample)
        except AudioDecodeError as error:
            raise InvalidRequestError([Problem("sample", sample, f"cannot be fetched: {error.message}")]) from None
    try:
        return Path(sample).read_bytes()
    except FileNotFoundError:
        raise InvalidRequestError([Problem("sample", sample, "no such file")]) from None
    except OSError as error:
        raise InvalidRequestError([Problem("sample", sample, f"cannot be read: {error.strerror}")]) from None


def _identity(client: Client) -> dict[str, str]:
    return {"account": client.account, "region": client.region, "workspace": client.endpoints.workspace or ""}


def plan_compare(
    client: Client, registry: VoiceRegistry, *, sample: str | os.PathLike[str], target_models: list[str] | None = None
) -> ComparePlan:
    """Check the sample once and count the enrollments a comparison would spend (nothing is sent).

    Raises:
        InvalidRequestError: a missing or non-audio sample, an unknown model or one that cannot clone here.
        SamplePreflightError: the sample fails the local check.
    """
    from cosyclone.audio.preflight import check_sample

    source = str(sample)
    models = _check_models(list(target_models or default_models(client.region)), client.region)
    data = _sample_bytes(source)
    report = check_sample(data, name=source.rsplit("/", 1)[-1])
    if report.unusable:
        reasons = "; ".join(f.message for f in report.findings if f.level == "fail")
        raise InvalidRequestError([Problem("sample", source, reasons or "is not audio")])
    if report.verdict == "fail":
        reasons = "; ".join(f.message for f in report.findings if f.level == "fail")
        raise SamplePreflightError(f"the sample fails the preflight: {reasons}", report=report)
    sha = hashlib.sha256(data).hexdigest()
    reuse: dict[str, str] = {}
    for model in models:
        found = registry.find_by_sample(**_identity(client), target_model=model, sample_sha256=sha)
        if found is not None:
            reuse[model] = found.voice_id
    local = source if is_url(source) else str(Path(source).resolve())
    return ComparePlan(local, sha, models, reuse, report.verdict)


def _run_key(client: Client, plan: ComparePlan) -> str:
    return "compare|" + claim_key(**_identity(client), target_model="*", sample=plan.sample_sha256)


def _stored_score(registry: VoiceRegistry, voice_id: str, plan: ComparePlan, probe_set: str) -> dict[str, Any] | None:
    stored = registry.latest_score(voice_id)
    if stored is None:
        return None
    same_reference = stored.get("reference", {}).get("sha256") == plan.sample_sha256
    return stored if same_reference and stored.get("probes", {}).get("set") == probe_set else None


def compare_models(
    client: Client,
    registry: VoiceRegistry,
    plan: ComparePlan,
    *,
    prefix: str = DEFAULT_PREFIX,
    keep: bool = False,
    language: str | None = None,
    on_progress: Progress | None = None,
    tie_margin: float = TIE_MARGIN,
) -> CompareOutcome:
    """Clone ``plan.sample`` into each of ``plan.models``, score each, rank; see the module docstring."""
    from cosyclone.ops.enrollment import clone_voice

    say = on_progress or (lambda _message: None)
    key = _run_key(client, plan)
    state: dict[str, Any] = registry.compare_run(key) or {"made": {}}
    if state.get("finished") or "started_at" not in state:  # a new run (not the resume of an interrupted one)
        state["started_at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        state.pop("finished", None)
        registry.save_compare_run(key, state)
    probe_set = probe_set_for(language).version
    entries: list[dict[str, Any]] = []
    for model in plan.models:
        say(f"{model}: cloning")
        outcome = clone_voice(
            client, registry, sample=plan.sample, prefix=prefix, target_model=model, language_hints=None,
            preflight=False, skip_catalog_check=False,
        )  # fmt: skip
        crash_point("compare:after-clone")
        if not outcome.reused or _made_by_run(outcome.record.created_at, outcome.record.prefix, state, prefix):
            state["made"][model] = outcome.voice_id
            registry.save_compare_run(key, state)
        made = state["made"].get(model) == outcome.voice_id
        score = _stored_score(registry, outcome.voice_id, plan, probe_set)
        if score is None:
            say(f"{model}: scoring {outcome.voice_id}")
            score = score_voice(client, registry, outcome.voice_id, sample=plan.sample, language=language).to_dict()
        else:
            say(f"{model}: already scored against this sample")
        entries.append({"target_model": model, "voice_id": outcome.voice_id, "made_by_compare": made, "score": score})
    entries.sort(key=lambda e: float(e["score"]["ranking_score"]), reverse=True)
    judged = all(bool(e["score"]["engine"]["judgeable"]) for e in entries)
    best = float(entries[0]["score"]["ranking_score"]) if entries else 0.0
    for entry in entries:
        entry["tied_with_best"] = float(entry["score"]["ranking_score"]) >= best - tie_margin
    ranking = [{"rank": i + 1, **_row(e)} for i, e in enumerate(entries)]
    deleted, notes = _delete_losers(client, registry, entries, keep=keep, judged=judged, say=say)
    state["made"] = {m: v for m, v in state["made"].items() if v not in deleted}
    state["finished"] = True
    registry.save_compare_run(key, state)
    return CompareOutcome(plan, ranking, _recommend(entries, judged), deleted, judged, notes)


def _made_by_run(created_at: str, voice_prefix: str | None, state: dict[str, Any], run_prefix: str) -> bool:
    """Whether a voice the registry already knew was made by this run (or by its interrupted first part, killed
    before it could note the voice as its own): it carries the run's prefix and was recorded after the run
    started. The prefix matters: timestamps have whole seconds, and a user's own voice of the same sample made
    the same second must never be taken for one of ours (it would be deleted as a loser)."""
    started = state.get("started_at")
    return voice_prefix == run_prefix and bool(started and created_at and created_at >= started)


def _row(entry: dict[str, Any]) -> dict[str, Any]:
    score = entry["score"]
    return {
        "target_model": entry["target_model"],
        "voice_id": entry["voice_id"],
        "made_by_compare": entry["made_by_compare"],
        "tied_with_best": entry["tied_with_best"],
        "verdict": score["verdict"],
        "similarity": score["similarity"]["score"],
        "word_error_rate": score["intelligibility"]["word_error_rate"],
        "ranking_score": score["ranking_score"],
        "sanity": score["sanity"]["findings"],
    }


def _recommend(entries: list[dict[str, Any]], judged: bool) -> str:
    if not entries:
        return "nothing was compared"
    best = entries[0]
    score = best["score"]
    if not judged:
        return "not judged: " + (score["notes"][0] if score["notes"] else "the speech cannot be judged here")
    if score["verdict"] == "different":
        return (
            f"no model reproduced this speaker well (best: {best['target_model']}, similarity "
            f"{score['similarity']['score']:.3f}); try a cleaner or longer sample"
        )
    tied = [e["target_model"] for e in entries if e["tied_with_best"]]
    if len(tied) > 1:
        return (
            f"{', '.join(tied)} clone this voice alike (within {TIE_MARGIN} of each other): choose by price or "
            f"latency; {score['summary']}"
        )
    return f"use {best['target_model']} ({best['voice_id']}): {score['summary']}"


def _delete_losers(
    client: Client, registry: VoiceRegistry, entries: list[dict[str, Any]], *, keep: bool, judged: bool, say: Progress
) -> tuple[list[str], list[str]]:
    losers = [e["voice_id"] for e in entries if e["made_by_compare"] and not e["tied_with_best"]]
    if keep or not losers:
        return [], [f"kept {len(losers)} voice(s) this comparison made (--keep)"] if keep and losers else []
    if not judged:
        return [], ["nothing deleted: the scores cannot be judged here, so there is no loser"]
    deleted: list[str] = []
    for voice_id in losers:
        say(f"deleting {voice_id} (lost)")
        client.voices.delete(voice_id)
        registry.mark_deleted(voice_id)
        deleted.append(voice_id)
    return deleted, []
