"""``check``: run the sample preflight, optionally draw it and write a repaired copy — the one flow behind
``cosyclone check`` and the MCP ``check_sample`` tool. Needs no key and no network (except to fetch a URL).

The rules live in :mod:`cosyclone.audio.preflight`, the repairs in :mod:`cosyclone.audio.fix`, the picture in
:mod:`cosyclone.audio.plot`; this module decides where the files go (refused before any work if misnamed or taken)
and what the result says. Who may import it: the front ends and the library layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cosyclone._exceptions import InvalidRequestError, Problem

if TYPE_CHECKING:
    from cosyclone.audio.fix import FixResult
    from cosyclone.audio.preflight import PreflightReport

__all__ = ["CheckOptions", "CheckResult", "check", "check_targets", "next_step", "preview_check"]


@dataclass(frozen=True)
class CheckOptions:
    """One sample (path or http(s) URL); ``plot_path`` (.png) and ``fix_path`` (.wav) are files to write, which
    replace nothing unless ``overwrite``."""

    sample: str
    plot_path: Path | None = None
    fix_path: Path | None = None
    overwrite: bool = False
    plot_title: str | None = None  # default: the sample's name


@dataclass
class CheckResult:
    """The report; the picture written (``None``: not asked, or the sample could not be decoded) and the repair."""

    report: PreflightReport
    plot: str | None = None
    fixed: FixResult | None = None
    decoded: bool = True

    @property
    def usable(self) -> bool:
        return not self.report.unusable

    @property
    def passed(self) -> bool:
        """Good enough to clone: the repaired copy's verdict when one was made, else the sample's."""
        if self.fixed is not None:
            return self.fixed.ok
        return self.report.verdict != "fail"

    def to_dict(self) -> dict[str, Any]:
        """The report's JSON, plus ``plot`` and ``fix`` when asked for."""
        data = self.report.to_dict()
        if self.plot is not None or not self.decoded:
            data["plot"] = self.plot
        if self.fixed is not None:
            data["fix"] = self.fixed.to_dict()
        return data


def check_targets(options: CheckOptions) -> None:
    """Refuse, before any work, a fix/plot file that is misnamed or would replace an existing file.

    Raises:
        InvalidRequestError: naming ``--fix`` / ``--plot``, the path and the rule.
    """
    from cosyclone.audio.fix import check_fix_target
    from cosyclone.audio.plot import check_plot_target

    if options.fix_path is not None:
        check_fix_target(options.sample, options.fix_path, overwrite=options.overwrite)
    if options.plot_path is not None:
        check_plot_target(options.plot_path)
        if options.plot_path.exists() and not options.overwrite:
            raise InvalidRequestError(
                [Problem("--plot", str(options.plot_path), "already exists")],
                hint="choose another name, or pass --overwrite to replace it",
            )


def check(options: CheckOptions) -> CheckResult:
    """Check ``options.sample`` (never raises for bad audio: the report says so); draw and repair as asked.

    Raises:
        InvalidRequestError: a target file is refused (see :func:`check_targets`) or cannot be written.
    """
    from cosyclone.audio.preflight import load_and_check

    check_targets(options)
    report, decoded = load_and_check(options.sample)
    result = CheckResult(report, decoded=decoded is not None)
    if options.plot_path is not None and decoded is not None:
        from cosyclone.audio.plot import plot_report

        try:
            result.plot = str(plot_report(report, decoded, options.plot_path, title=options.plot_title))
        except OSError as error:
            rule = f"cannot be written: {error.strerror}"
            raise InvalidRequestError([Problem("--plot", str(options.plot_path), rule)]) from None
    if options.fix_path is not None and decoded is not None:
        from cosyclone.audio.fix import fix_sample

        try:
            result.fixed = fix_sample(options.sample, options.fix_path)
        except OSError as error:
            rule = f"cannot be written: {error.strerror}"
            raise InvalidRequestError([Problem("--fix", str(options.fix_path), rule)]) from None
    return result


def next_step(report: PreflightReport) -> str:
    """What to do next with a checked sample, in the words of the MCP tools."""
    if report.unusable:
        return "not usable audio: see the findings, then give a WAV (16-bit PCM), MP3 or M4A recording"
    if report.verdict == "fail":
        return (
            "fails a rule: `cosyclone check SAMPLE --fix OUT.wav` writes a repaired copy to check and clone; "
            "clone_voice(force=true) sends it anyway"
        )
    return "usable: clone it with clone_voice(sample=…, prefix=…)"


def preview_check(data: bytes, *, name: str = "the recording so far") -> dict[str, Any]:
    """A quick preflight of audio bytes that are still being recorded: the verdict, the findings worth showing
    (no ``info``) and the duration so far. Nothing is kept or drawn."""
    from cosyclone.audio.preflight import load_and_check

    report, _ = load_and_check(data, name=name)
    return {
        "verdict": report.verdict,
        "findings": [finding.to_dict() for finding in report.findings if finding.level != "info"],
        "duration_s": report.info.duration_s if report.info else None,
    }
