"""``score``: how close does a cloned voice sound to its sample? The one flow behind ``cosyclone score`` and the
MCP ``score_voice`` tool: check where the picture goes (before any synthesis), score (probe synthesis, speaker
similarity, WER, sanity — :func:`cosyclone.quality.scoring.score_voice`, which stores the score), draw the
picture, write ``score.json``.

Costs one synthesis of ~190 characters (three probe sentences) and ~2 s of local CPU. Who may import it: the
front ends (``cli/``, ``mcp/``) and the library layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cosyclone._exceptions import InvalidRequestError, Problem

if TYPE_CHECKING:
    from cosyclone.client import Client
    from cosyclone.ops.session import Session
    from cosyclone.quality.scoring import VoiceScore
    from cosyclone.registry import VoiceRegistry

__all__ = ["ScoreOptions", "ScoreResult", "check_plot_path", "score", "score_with"]


@dataclass(frozen=True)
class ScoreOptions:
    """What to score: a voice_id (or registry prefix), the reference sample (default: the one it was cloned
    from), the probe language (default: the script of ``text``, else the voice's language hint, else en), one's
    own probe text instead of the fixed sentences, and where to draw the picture.

    ``plot_field`` is how the front end names the picture's path in its errors (``--plot``, ``plot_path``).
    """

    voice: str
    sample: str | None = None
    language: str | None = None
    plot_path: str | Path | None = None
    plot_field: str = "plot_path"
    #: Store the score even when ``sample`` is not the voice's own sample (by hash); default: keep the stored one.
    replace_score: bool = False
    #: one's own probe text instead of the fixed sentences (last, so that positional construction keeps working)
    text: str | None = None


@dataclass
class ScoreResult:
    """The score, and its JSON-ready view (as written to ``score.json``; ``plot`` when a picture was drawn)."""

    score: VoiceScore
    payload: dict[str, Any]


def check_plot_path(plot_path: str | Path, *, field: str = "plot_path") -> Path:
    """The picture's absolute path; refused before any synthesis if it can never be written or is not ``.png``.

    Raises:
        OutputPathError: the path can never hold a file.
        InvalidRequestError: the name does not end in ``.png`` (naming ``field``).
    """
    from cosyclone._files import check_output_path

    target = check_output_path(Path(plot_path).expanduser())
    if target.suffix.lower() != ".png":
        raise InvalidRequestError(
            [Problem(field, str(plot_path), "the picture is a PNG: name it .png")],
            hint=f"e.g. {field} {Path(plot_path).with_suffix('.png')}",
        )
    return target.resolve()


def score(session: Session, options: ScoreOptions) -> ScoreResult:
    """Score ``options.voice`` with the session's client and registry; writes ``score.json`` (a failure to write
    it is a warning in the payload when the session says so).

    Raises:
        InvalidRequestError: an unknown voice, a bad reference or picture path (nothing synthesized).
        APIError subclasses: the service refused the probe synthesis or could not be reached.
    """
    if not session.evidence_failures_are_warnings:  # before the probe synthesis is sent (and billed)
        session.evidence().check_writable("score.json")
    scored = score_with(session.client(), session.registry(), options)
    session.write_evidence("score.json", dict(scored.payload), scored.payload)
    return scored


def score_with(client: Client, registry: VoiceRegistry, options: ScoreOptions) -> ScoreResult:
    """:func:`score` with a client and registry the caller holds, writing no evidence (the score is stored)."""
    from cosyclone.quality.scoring import score_voice

    plot = check_plot_path(options.plot_path, field=options.plot_field) if options.plot_path else None
    result = score_voice(
        client,
        registry,
        options.voice,
        sample=options.sample,
        language=options.language,
        text=options.text,
        replace_score=options.replace_score,
    )
    payload = result.to_dict()
    if plot is not None:
        from cosyclone.quality.plot import plot_score

        payload["plot"] = str(plot_score(result, plot))
    return ScoreResult(result, payload)
