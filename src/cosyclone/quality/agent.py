"""Ready-to-wire front-end helpers: the MCP tools ``score_voice`` / ``compare_models`` and the score in ``voices show``.

They take the client and registry a front end already holds and return JSON-ready dicts; they contain no business
rules of their own (those live in :mod:`~cosyclone.quality.scoring` and :mod:`~cosyclone.quality.compare`).
An MCP tool cannot ask "spend N enrollments?", so :func:`compare_models_tool` needs ``confirm=True`` to enroll
anything: without it, it returns the plan (models, voices reused, enrollments it would spend) and spends nothing.
:func:`score_voice_for` / :func:`compare_models_for` take a :class:`~cosyclone.session.Session` instead (the MCP
server touches no registry itself) and write the evidence the CLI writes.

Who may import it: the MCP server, the CLI, and :mod:`cosyclone.voice_ops` (the score in ``voices show``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from cosyclone.client import Client
from cosyclone.quality.compare import DEFAULT_PREFIX, compare_models, plan_compare
from cosyclone.quality.scoring import score_voice
from cosyclone.registry import VoiceRegistry

if TYPE_CHECKING:
    from cosyclone.session import Session

__all__ = ["compare_models_for", "compare_models_tool", "score_voice_for", "score_voice_tool", "stored_score_view"]


def score_voice_tool(
    client: Client,
    registry: VoiceRegistry,
    *,
    voice: str,
    sample: str | None = None,
    language: str | None = None,
    plot_path: str | None = None,
) -> dict[str, Any]:
    """MCP ``score_voice``: how close a cloned voice sounds to its sample (similarity, verdict, WER, sanity).

    Costs one synthesis of ~190 characters (three probe sentences) and ~2 s of local CPU; stores the score.
    """
    score = score_voice(client, registry, voice, sample=sample, language=language)
    data = score.to_dict()
    if plot_path:
        from cosyclone.quality.plot import plot_score

        data["plot"] = str(plot_score(score, plot_path))
    return data


def compare_models_tool(
    client: Client,
    registry: VoiceRegistry,
    *,
    sample: str,
    target_models: list[str] | None = None,
    confirm: bool = False,
    keep: bool = False,
    prefix: str = DEFAULT_PREFIX,
    language: str | None = None,
) -> dict[str, Any]:
    """MCP ``compare_models``: clone ``sample`` into each model, score, rank, recommend (losers deleted unless keep).

    Without ``confirm`` nothing is enrolled: the answer is the plan with ``"enrollments"`` to spend.
    """
    plan = plan_compare(client, registry, sample=sample, target_models=target_models)
    if not confirm and plan.enrollments:
        return {"confirmed": False, "plan": plan.to_dict(), "next": "call again with confirm=true to spend them"}
    outcome = compare_models(client, registry, plan, prefix=prefix, keep=keep, language=language)
    return {"confirmed": True, "plan": plan.to_dict(), **outcome.to_dict()}


def score_voice_for(session: Session, **arguments: Any) -> dict[str, Any]:
    """:func:`score_voice_tool` with a session's client and registry; writes evidence (``score.json``) as the CLI
    does (a failure to write it is a warning in the result when the session says so)."""
    if arguments.get("plot_path"):
        arguments["plot_path"] = _check_plot_path(arguments["plot_path"])
    data = score_voice_tool(session.client(), session.registry(), **arguments)
    session.write_evidence("score.json", dict(data), data)
    return data


def _check_plot_path(plot_path: str) -> str:
    """The picture's absolute path; refused before any synthesis if it can never be written or is not ``.png``."""
    from cosyclone._exceptions import InvalidRequestError, Problem
    from cosyclone._files import check_output_path

    target = check_output_path(Path(plot_path).expanduser())
    if target.suffix.lower() != ".png":
        raise InvalidRequestError([Problem("plot_path", plot_path, "the picture is a PNG: name it .png")])
    return str(target.resolve())


def compare_models_for(session: Session, **arguments: Any) -> dict[str, Any]:
    """:func:`compare_models_tool` with a session's client and registry; a confirmed run writes ``compare.json``."""
    data = compare_models_tool(session.client(), session.registry(), **arguments)
    if data["confirmed"]:
        session.write_evidence("compare.json", dict(data), data)
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
        "sanity": stored.get("sanity", {}).get("findings", []),
        "scored_at": stored.get("scored_at"),
        "summary": stored.get("summary"),
    }
