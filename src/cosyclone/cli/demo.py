"""``cosyclone demo``: the whole flow on a real speech sample, in one command."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import typer

from cosyclone._exceptions import InvalidRequestError, Problem, SamplePreflightError
from cosyclone.catalog import DEFAULT_TARGET_MODEL
from cosyclone.cli._output import emit_json, reporting, say
from cosyclone.ops.session import Session


def demo(
    ctx: typer.Context,
    sample: Path | None = typer.Option(None, "--sample", help="Your own voice sample (default: the bundled one)."),
    target_model: str = typer.Option(DEFAULT_TARGET_MODEL, "--target-model", help="Model to clone for."),
    as_json: bool = typer.Option(False, "--json", help="Print the evidence summary as JSON."),
) -> None:
    """Check a speech sample, clone it, wait until ready and speak a sentence with it.

    Without DASHSCOPE_API_KEY it runs on the embedded emulator; with a key it uses the real service (the
    region and model are printed first). Leaves output/aliyun-cosyvoice-voice-clone/ with the preflight picture
    (preflight.png), the audio (demo.mp3) and the evidence (demo.json).
    """
    from cosyclone._config import resolve_region
    from cosyclone.ops.demo import run_demo
    from cosyclone.ops.evidence import DEFAULT_EVIDENCE_DIR

    state: Session = ctx.obj
    with reporting(as_json=as_json), _demo_hints(as_json=as_json):
        if sample is not None and not sample.is_file():
            reason = "is a directory, not an audio file" if sample.is_dir() else "no such file"
            raise InvalidRequestError(
                [Problem("--sample", str(sample), reason)],
                hint="give the path of a recording (10–20 s of one speaker), or leave --sample out for the bundled one",
            )
        if not state.use_emulator and not state.service_configured():
            state.use_emulator = True
            say("no DASHSCOPE_API_KEY: running on the embedded emulator (offline, no quota)")
        elif not state.use_emulator:
            say(f"using the service at region {resolve_region(state.region)} with model {target_model}")
        out_dir = state.evidence_dir or DEFAULT_EVIDENCE_DIR
        evidence = state.evidence()
        result = run_demo(
            state.client(),
            state.registry(),
            evidence,
            sample=sample,
            target_model=target_model,
            out_dir=out_dir,
            step=say,
        )
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
