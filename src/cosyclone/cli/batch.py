"""``cosyclone batch``: render a whole script (text, CSV or JSONL) with progress, concurrency and resume."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from cosyclone.cli import exit_codes
from cosyclone.cli._output import emit_json, reporting, say
from cosyclone.ops.session import Session


def batch(
    ctx: typer.Context,
    input_path: Path = typer.Argument(..., metavar="INPUT", help="Text (one utterance a line), CSV or JSONL."),
    voice: str = typer.Option(..., "--voice", help="Default voice (a CSV/JSONL 'voice' column overrides it)."),
    out_dir: Path = typer.Option(..., "--out-dir", help="Where the audio files and manifest.json go."),
    concurrency: int = typer.Option(4, "--concurrency", min=1, max=64, help="Items synthesized at once."),
    resume: bool = typer.Option(
        False,
        "--resume",
        help="Skip items already done for the same text, voice, model and parameters whose files are still whole.",
    ),
    retries: int = typer.Option(2, "--retries", min=0, max=10, help="Retries per item on transient errors."),
    model: str | None = typer.Option(None, "--model", help="Synthesis model; default: the voice's target_model."),
    audio_format: str = typer.Option("mp3", "--format", help="mp3, wav, pcm or opus."),
    sample_rate: int | None = typer.Option(None, "--sample-rate", help="Output sample rate."),
    as_json: bool = typer.Option(False, "--json", help="Print the manifest summary as JSON."),
) -> None:
    """Synthesize every item of INPUT into OUT_DIR/ID.FORMAT, writing OUT_DIR/manifest.json (id, file,
    duration, characters, request_id, error). Ctrl-C stops cleanly; rerun with --resume to finish.
    Input columns: id, text, and optionally {columns}. Exit 0 when every item is done, 4 when some failed,
    7 when an item was synthesized (billed) but could not be written (disk full): the batch stops there.
    """
    import sys

    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from cosyclone.ops.batch import ItemResult, batch_summary, start_batch

    state: Session = ctx.obj
    with reporting(as_json=as_json):
        run = start_batch(
            state,
            input_path,
            out_dir=out_dir,
            voice=voice,
            model=model,
            audio_format=audio_format,
            sample_rate=sample_rate,
            concurrency=concurrency,
            retries=retries,
            resume=resume,
        )
        items = run.items
        progress = Progress(
            TextColumn("[bold]batch"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[note]}"),
            transient=False,
            disable=not sys.stderr.isatty(),
        )
        task = progress.add_task("batch", total=len(items), note="")

        def advance(result: ItemResult) -> None:
            note = f"✗ {result.id}" if result.error else ("skipped " + result.id if result.skipped else result.id)
            progress.update(task, advance=1, note=escape(note))  # an item id is text, not Rich markup

        try:
            with progress:
                results = run.run(on_progress=advance)
        except KeyboardInterrupt:
            done = sum(1 for r in run.results.values() if r.error is None)
            say(f"interrupted: {done}/{len(items)} done; rerun with --resume to finish")
            raise typer.Exit(exit_codes.INTERRUPTED) from None
    if run.write_failure is not None:
        _stopped_on_write_failure(run, results, as_json=as_json)
    summary = batch_summary(run, results)
    failed = summary["failed"]
    if as_json:
        emit_json(summary)
    else:
        say(f"{summary['complete']}/{len(items)} done ({summary['skipped']} skipped), manifest {summary['manifest']}")
        for entry in failed:
            say(f"  ✗ {entry['id']}: {entry['error']}")
    if failed:
        raise typer.Exit(exit_codes.SERVICE_REFUSED)


def _stopped_on_write_failure(run: Any, results: list[Any], *, as_json: bool) -> None:
    """An item was billed but not written (disk full): the batch stopped; say what was sent, exit 7."""
    from cosyclone.cli._output import fail

    done = sum(1 for r in results if r.error is None)
    billed = sum(r.characters for r in results if not r.skipped)
    say(
        f"stopped after a write failure: {done}/{len(run.items)} done; {billed} characters billed by this run, "
        f"each item's in {run.out_dir / 'manifest.json'} (free space, then rerun with --resume)"
    )
    fail(run.write_failure, as_json=as_json)


def register(app: typer.Typer) -> None:
    from cosyclone.ops.batch import ITEM_PARAMETERS

    help_text = (batch.__doc__ or "").replace("{columns}", ", ".join(ITEM_PARAMETERS))
    app.command("batch", help=help_text)(batch)
