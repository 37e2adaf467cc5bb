"""``cosyclone check``: run the sample preflight on files or URLs; optionally draw it and write a fixed copy.

Rendering only: the rules live in ``cosyclone.audio.preflight``, the repairs in ``cosyclone.audio.fix``.
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

    _check_targets(samples[0], plot=plot, fix=fix, overwrite=overwrite, as_json=as_json)
    from rich.console import Console

    from cosyclone.audio.preflight import load_and_check

    console = Console(highlight=False, soft_wrap=False)
    payloads: list[dict[str, Any]] = []
    reports: list[PreflightReport] = []
    codes: list[int] = []
    for sample in samples:
        report, decoded = load_and_check(sample)
        reports.append(report)
        payload = report.to_dict()
        code = _exit_code(report)
        if plot is not None:
            payload["plot"] = _plot(report, decoded, plot)
        fixed: FixResult | None = None
        if fix is not None and decoded is not None:
            from cosyclone.audio.fix import fix_sample

            try:
                fixed = fix_sample(sample, fix)
            except OSError as error:
                fail(InvalidRequestError([Problem("--fix", str(fix), f"cannot be written: {error.strerror}")]))
            payload["fix"] = fixed.to_dict()
            code = exit_codes.OK if fixed.ok else exit_codes.SAMPLE_FAILED
        codes.append(code)
        payloads.append(payload)
        if not as_json:
            _render(console, report)
            if fixed is not None:
                _render_fix(console, fixed)
    if as_json:
        emit_json(payloads[0] if len(payloads) == 1 else payloads)
    elif len(reports) > 1:
        _render_summary(console, reports)
    raise typer.Exit(_worst(codes))


def _check_targets(sample: str, *, plot: Path | None, fix: Path | None, overwrite: bool, as_json: bool) -> None:
    """Refuse, before any work, a --fix/--plot file that is misnamed or would replace an existing file."""
    from cosyclone.audio.fix import check_fix_target
    from cosyclone.audio.plot import check_plot_target

    try:
        if fix is not None:
            check_fix_target(sample, fix, overwrite=overwrite)
        if plot is not None:
            check_plot_target(plot)
            if plot.exists() and not overwrite:
                raise InvalidRequestError(
                    [Problem("--plot", str(plot), "already exists")],
                    hint="choose another name, or pass --overwrite to replace it",
                )
    except InvalidRequestError as error:
        fail(error, as_json=as_json)


def _exit_code(report: PreflightReport) -> int:
    if report.unusable:
        return exit_codes.BAD_INPUT
    return exit_codes.SAMPLE_FAILED if report.verdict == "fail" else exit_codes.OK


def _worst(codes: list[int]) -> int:
    for code in (exit_codes.BAD_INPUT, exit_codes.SAMPLE_FAILED):
        if code in codes:
            return code
    return exit_codes.OK


def _plot(report: PreflightReport, decoded: Any, path: Path) -> str | None:
    if decoded is None:
        say(f"no plot: {report.source} could not be decoded")
        return None
    from cosyclone.audio.plot import plot_report

    try:
        written = plot_report(report, decoded, path)
    except OSError as error:
        fail(InvalidRequestError([Problem("--plot", str(path), f"cannot be written: {error.strerror}")]))
    say(f"wrote {written}")
    return str(written)


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
