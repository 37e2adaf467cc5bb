"""``cosyclone check``: run the sample preflight on files or URLs; optionally draw it and write a fixed copy.

Parsing and rendering only: the flow lives in :mod:`cosyclone.ops.check` (the rules in ``cosyclone.audio.preflight``,
the repairs in ``cosyclone.audio.fix``).
Heavy imports (numpy, PyAV, matplotlib) happen inside the command so that ``cosyclone --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cosyclone._exceptions import InvalidRequestError, Problem
from cosyclone.cli import exit_codes
from cosyclone.cli._output import emit_json, fail, say

if TYPE_CHECKING:
    from rich.console import Console

    from cosyclone.audio.fix import FixResult
    from cosyclone.audio.preflight import PreflightReport
    from cosyclone.ops.check import CheckOptions, CheckResult

_STYLES = {"pass": "bold green", "warn": "bold yellow", "fail": "bold red", "info": "cyan"}


def check(
    samples: list[str] = typer.Argument(..., metavar="SAMPLE...", help="Audio file path(s) or http(s) URL(s)."),
    as_json: bool = typer.Option(
        False, "--json", help="Print JSON: one object (top-level 'verdict') per sample; a list for several."
    ),
    plot: Path | None = typer.Option(
        None, "--plot", metavar="FILE.png", help="Draw the waveform with speech, long pauses and clipping marked."
    ),
    fix: Path | None = typer.Option(
        None, "--fix", metavar="OUT.wav", help="Write a repaired copy (mono 16-bit WAV, best 10–20 s, -20 LUFS)."
    ),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Let --fix/--plot replace an existing file (by default they refuse)."
    ),
) -> None:
    """Check voice samples against the CosyVoice clone rules (format, ≤ 10 MB, ≤ 60 s, ≥ 16 kHz, ≥ 5 s of
    continuous speech, pauses ≤ 2 s, speech on the first channel) and quality (10–20 s, clipping, noise, level).

    The real container and codec are read from the bytes, not the file name. Needs no API key and no network
    (except to download an http(s) sample).

    --plot and --fix take exactly one SAMPLE (exit 2 otherwise). --fix writes a .wav and --plot a .png; neither
    replaces an existing file (the sample itself included) unless --overwrite. With --fix the exit code follows the
    repaired copy: 0 when it passes or warns, 3 when it still fails or cannot be repaired; --plot draws the sample
    as given.

    Exit codes: 0 pass or warn · 2 unusable input (missing file, empty, not audio, undecodable) · 3 the sample
    fails a rule. With several samples the worst wins (2 before 3).
    """
    if len(samples) > 1 and (plot is not None or fix is not None):
        option = "--plot" if plot is not None else "--fix"
        fail(
            InvalidRequestError(
                [Problem(option, str(plot or fix), "takes exactly one SAMPLE")],
                hint=f"run `cosyclone check SAMPLE {option} FILE` once per sample",
            ),
            as_json=as_json,
        )

    from cosyclone.ops.check import CheckOptions, check_targets

    first = CheckOptions(samples[0], plot_path=plot, fix_path=fix, overwrite=overwrite)
    try:
        check_targets(first)
    except InvalidRequestError as error:
        fail(error, as_json=as_json)
    _check_each([first, *(CheckOptions(sample) for sample in samples[1:])], as_json=as_json)


def _check_each(checks: list[CheckOptions], *, as_json: bool) -> None:
    """Check each sample, render it (or collect its JSON), and exit with the worst code."""
    from rich.console import Console

    from cosyclone.ops.check import check

    console = Console(highlight=False, soft_wrap=False)
    payloads: list[dict[str, Any]] = []
    reports: list[PreflightReport] = []
    codes: list[int] = []
    for options in checks:
        try:
            result = check(options)
        except InvalidRequestError as error:
            fail(error)
        if options.plot_path is not None:
            say(f"wrote {result.plot}" if result.plot else f"no plot: {result.report.source} could not be decoded")
        reports.append(result.report)
        payloads.append(result.to_dict())
        codes.append(_exit_code(result))
        if not as_json:
            _render(console, result.report)
            if result.fixed is not None:
                _render_fix(console, result.fixed)
    if as_json:
        emit_json(payloads[0] if len(payloads) == 1 else payloads)
    elif len(reports) > 1:
        _render_summary(console, reports)
    raise typer.Exit(_worst(codes))


def _exit_code(result: CheckResult) -> int:
    if result.fixed is None and result.report.unusable:
        return exit_codes.BAD_INPUT
    return exit_codes.OK if result.passed else exit_codes.SAMPLE_FAILED


def _worst(codes: list[int]) -> int:
    for code in (exit_codes.BAD_INPUT, exit_codes.SAMPLE_FAILED):
        if code in codes:
            return code
    return exit_codes.OK


# ---------------------------------------------------------------------------------------------------- rendering


def _describe(report: PreflightReport) -> str:
    info = report.info
    if info is None:
        return "not analysed: see the finding below"
    depth = f" {info.bit_depth}-bit" if info.bit_depth else ""
    channels = {1: "mono", 2: "stereo"}.get(info.channels, f"{info.channels} channels")
    return (
        f"{info.container.upper()} · {info.codec}{depth} · {info.sample_rate} Hz · {channels} · "
        f"{info.duration_s:.1f} s · {info.size_bytes / 1000:.1f} kB"
    )


def _render(console: Console, report: PreflightReport) -> None:
    from rich.markup import escape
    from rich.table import Table

    verdict = report.verdict
    console.print(f"[bold]{escape(report.source)}[/]  [{_STYLES[verdict]}]{verdict.upper()}[/]")
    console.print(f"  {escape(_describe(report))}")
    metrics = report.metrics
    if report.info is not None:
        clipped = f" · clipped {metrics['clipping_ratio']:.2%}" if metrics["clipping_ratio"] else ""
        console.print(
            f"  longest speech {metrics['longest_speech_s']:.1f} s · longest pause {metrics['longest_pause_s']:.1f} s"
            f" · {metrics['loudness_lufs']:.1f} LUFS · noise {metrics['noise_floor_dbfs']:.0f} dBFS{clipped}"
        )
    if not report.findings:
        console.print("  [green]every rule passed[/]\n")
        return
    table = Table(show_edge=False, pad_edge=False, expand=False)
    table.add_column("level")
    table.add_column("code")
    table.add_column("measured", justify="right")
    table.add_column("limit", justify="right")
    table.add_column("what to do", overflow="fold")
    for finding in report.findings:
        table.add_row(
            f"[{_STYLES[finding.level]}]{finding.level}[/]",
            escape(finding.code),
            escape(_value(finding.measured, finding.unit)),
            escape(_value(finding.limit, finding.unit)),
            escape(finding.message),
        )
    console.print(table)
    console.print()


def _value(value: float | str | None, unit: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if unit == "ratio":
        return f"{value:.2%}"
    if unit == "bytes":  # the service's "10 MB" is 10 × 2**20 bytes: one unit for the limit and the text
        return f"{value / 2**20:.1f} MB"
    return f"{value:.0f} {unit}".strip() if abs(value) >= 100 or value == int(value) else f"{value:.1f} {unit}"


def _render_fix(console: Console, fixed: FixResult) -> None:
    from rich.markup import escape

    if fixed.refused:
        console.print(f"[bold red]not fixed:[/] {escape(str(fixed.refused))}\n")
        return
    console.print("[bold]fixed:[/]")
    for action in fixed.actions:
        console.print(f"  • {escape(str(action))}")
    console.print()
    if fixed.after is not None:
        _render(console, fixed.after)


def _render_summary(console: Console, reports: list[PreflightReport]) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="summary", show_edge=False, pad_edge=False)
    table.add_column("sample", overflow="fold")
    table.add_column("verdict")
    table.add_column("duration", justify="right")
    table.add_column("findings", overflow="fold")
    for report in reports:
        duration = f"{report.info.duration_s:.1f} s" if report.info else "—"
        codes = ", ".join(f.code for f in report.findings if f.level != "info") or "—"
        table.add_row(escape(report.source), f"[{_STYLES[report.verdict]}]{report.verdict}[/]", duration, escape(codes))
    console.print(table)
    counts = {v: sum(r.verdict == v for r in reports) for v in ("pass", "warn", "fail")}
    console.print(f"{counts['pass']} pass · {counts['warn']} warn · {counts['fail']} fail")


def register(app: typer.Typer) -> None:
    """Add ``check`` to the app."""
    app.command("check")(check)
