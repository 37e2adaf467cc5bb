"""``cosyclone score``: how close does a cloned voice sound to its sample? Rendering only.

The flow lives in :mod:`cosyclone.ops.score` (probe synthesis, speaker similarity, WER, sanity, the picture,
the evidence). Heavy imports happen inside the command (``--help`` stays fast).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cosyclone.cli._options import AsJson
from cosyclone.cli._output import emit_json, reporting, say, table
from cosyclone.ops.session import Session

if TYPE_CHECKING:
    from cosyclone.quality.scoring import VoiceScore


def score(
    ctx: typer.Context,
    voice: str = typer.Argument(..., help="voice_id, or a prefix that names one voice in the registry."),
    sample: str | None = typer.Option(
        None,
        "--sample",
        metavar="REF",
        help="Reference sample (file or http(s) URL); default: the one it was cloned from.",
    ),
    language: str | None = typer.Option(
        None,
        "--language",
        metavar="LANG",
        help="Probe language: en or zh (default: the script of --text, else the voice's language hint, else en).",
    ),
    text: str | None = typer.Option(
        None,
        "--text",
        metavar="TEXT",
        help="Read this text instead of the fixed probe sentences (at most 300 characters; its script picks "
        "the language).",
    ),
    plot: Path | None = typer.Option(
        None, "--plot", metavar="FILE.png", help="Draw both spectrograms and the embedding similarities."
    ),
    replace_score: bool = typer.Option(
        False,
        "--replace-score",
        help="Store this score as the voice's even when --sample is not the audio it was cloned from (by hash).",
    ),
    as_json: AsJson = False,
) -> None:
    """Score a cloned voice: speaker similarity to its sample, intelligibility (WER), loudness/clipping/rate.

    Synthesizes three short probe sentences with the voice (one request, ~190 characters), compares the speech
    with the reference sample using a speaker-embedding model on the CPU, transcribes it when the offline
    recogniser is installed (pip install 'cosyclone[quality]'; else WER is skipped and the score says so), and
    stores the score with the voice (shown by `voices show`) — the word error rate for English,
    the character error rate for Chinese. A --sample that is not the audio the voice was
    cloned from is said so (by hash) and its score does not replace the stored one unless --replace-score; the
    sample a voice was cloned from on this machine is remembered, so --sample is rarely needed. A designed voice
    (`cosyclone design`) has no sample: its saved preview is the reference, so similarity is the speaker
    consistency between the preview and the new speech (reference.role "preview"). Verdict bands: same speaker
    ≥ 0.80 > inconclusive > 0.76 ≥ different (calibration in docs/quality.md). Exit codes: 0 scored, 2 bad input,
    4 service refused, 5 network.
    """
    from cosyclone.ops.score import ScoreOptions, score

    state: Session = ctx.obj
    with reporting(as_json=as_json):
        scored = score(
            state,
            ScoreOptions(voice, sample, language, plot, "--plot", replace_score=replace_score, text=text),
        )
    result, payload = scored.score, scored.payload
    for note in payload["notes"]:
        say(f"note: {note}")
    if as_json:
        emit_json(payload)
        return
    _render(result, payload)


def _render(result: VoiceScore, payload: dict[str, Any]) -> None:
    sanity = payload["sanity"]
    wer = payload["intelligibility"]
    rows = [
        ["verdict", result.verdict],
        ["speaker similarity", f"{result.similarity:.3f} ({result.band}; same ≥ {result.bands.same_min})"],
        _error_rate_row(wer),
        ["loudness", f"{sanity['clone']['loudness_lufs']:.1f} LUFS (sample {sanity['sample']['loudness_lufs']:.1f})"],
        ["clipping", f"{sanity['clone']['clipping_ratio']:.2%}"],
        ["speaking rate", _ratio(sanity["speaking_rate_ratio"])],
        ["pitch", _ratio(sanity["pitch_ratio"])],
        ["sanity", "; ".join(sanity["findings"]) or "nothing off"],
        ["cost", f"synthesis {result.cost['synthesis_s']:.2f} s, local CPU {result.cost['local_cpu_s']:.2f} s"],
    ]
    if "plot" in payload:
        rows.append(["plot", payload["plot"]])
    table(f"{result.voice_id} ({result.target_model})", ["measure", "value"], rows)


def _error_rate_row(heard: dict[str, Any]) -> list[str]:
    if heard.get("character_error_rate") is not None:
        return ["character error rate", f"{heard['character_error_rate']:.2f}"]
    if heard["word_error_rate"] is not None:
        return ["word error rate", f"{heard['word_error_rate']:.2f}"]
    return ["word error rate", f"skipped: {heard['skipped']}"]


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}× the sample's"


def register(app: typer.Typer) -> None:
    app.command("score")(score)
