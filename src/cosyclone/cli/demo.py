"""``cosyclone demo``: the whole flow on a real speech sample, in one command."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import typer

from cosyclone._exceptions import InvalidRequestError, SamplePreflightError
from cosyclone.cli._output import emit_json, reporting, say
from cosyclone.ops.session import Session
from cosyclone.schema.model_names import DEFAULT_TARGET_MODEL


def demo(
    ctx: typer.Context,
    sample: Path | None = typer.Option(None, "--sample", help="Your own voice sample (default: the bundled one)."),
    target_model: str = typer.Option(DEFAULT_TARGET_MODEL, "--target-model", help="Model to clone for."),
    as_json: bool = typer.Option(False, "--json", help="Print the evidence summary as JSON."),
    language: str = typer.Option(
        "en",
        "--language",
        help="en, or zh: the Mandarin tour (a bundled Mandarin reader, cloned with language hint zh, speaks Chinese).",
    ),
) -> None:
    """Check a speech sample, clone it, wait until ready and speak a sentence with it.

    Without DASHSCOPE_API_KEY it runs on the embedded emulator; with a key it uses the real service (the
    region and model are printed first). Leaves output/aliyun-cosyvoice-voice-clone/ with the preflight picture
    (preflight.png), the audio (demo.mp3) and the evidence (demo.json).
    """
    from cosyclone.ops.demo import demo as run

    state: Session = ctx.obj
    with reporting(as_json=as_json), _demo_hints(as_json=as_json):
        result = run(state, sample=sample, target_model=target_model, language=language, step=say)
    if as_json:
        emit_json(result.summary)
        return
    say(f"done in {result.summary['timings_s']['total_s']:.1f} s: voice {result.voice_id}")
    say(f"  audio     {result.audio_path}")
    say(f"  picture   {result.picture_path}")
    say(f"  evidence  {result.evidence_path}")


@contextlib.contextmanager
def _demo_hints(*, as_json: bool) -> Iterator[None]:
    """Errors of the demo with next steps that name what ``demo`` has (it has no --force, no
    --skip-catalog-check), and the rules a failing sample breaks."""
    try:
        yield
    except SamplePreflightError as error:
        report = error.report
        failed = [f for f in (report.findings if report is not None else []) if f.level == "fail"]
        if not as_json:
            for finding in failed:
                say(f"  ✗ {finding.code}: {finding.message}")
        rules = ", ".join(f.code for f in failed) or "a rule"
        error.message = f"the sample fails the preflight ({rules})"
        error.rehint(
            "see why with `cosyclone check SAMPLE`, repair it with `cosyclone check SAMPLE --fix OUT.wav` and pass "
            "--sample OUT.wav, or leave --sample out for the bundled one"
        )
        raise
    except InvalidRequestError as error:
        if "--skip-catalog-check" in error.hint:
            error.rehint(
                "pick a --target-model the region allows (the demo follows the catalog; "
                "`cosyclone clone --skip-catalog-check` goes ahead anyway)"
            )
        raise


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
