"""A PNG picture of a preflight: the waveform with speech, over-long pauses and clipping marked, the verdict on top.

Top panel: the judged (first) channel's waveform; green bands are continuous speech, red bands pauses over
2 s, red ticks clipped spots. Bottom panel: level per 30 ms frame (dBFS) against the speech gate and the
noise floor. Uses matplotlib's object API with the Agg canvas (no pyplot, no global backend switch),
imported only when a picture is asked for.

Who may import it: the CLI (``cosyclone check --plot``), the library surface, tests.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from cosyclone._exceptions import InvalidRequestError, Problem
from cosyclone._files import check_output_path, write_bytes_atomic
from cosyclone.audio.io import DecodedAudio
from cosyclone.audio.preflight import PreflightReport

__all__ = ["check_plot_target", "plot_report"]

_VERDICT_COLOURS = {"pass": "#1a7f37", "warn": "#b26a00", "fail": "#c62828"}
_COLUMNS = 2400


def _envelope(x: npt.NDArray[np.float32], rate: int) -> tuple[npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[Any]]:
    """Min/max per column, so a minute at 48 kHz draws as fast as a second."""
    per = max(1, x.shape[0] // _COLUMNS)
    count = x.shape[0] // per
    blocks = x[: count * per].reshape(count, per)
    times = (np.arange(count) * per + per / 2) / rate
    return times, blocks.min(axis=1), blocks.max(axis=1)


def check_plot_target(out_path: str | os.PathLike[str]) -> None:
    """Refuse, before any work, a picture not named ``.png`` (PNG is what is drawn).

    Raises:
        InvalidRequestError: naming ``--plot``, the path and the rule.
    """
    if check_output_path(out_path).suffix.lower() != ".png":  # a directory or a path under a file: refused first
        raise InvalidRequestError(
            [Problem("--plot", str(out_path), "the picture is a PNG: name it .png")],
            hint=f"e.g. --plot {Path(out_path).with_suffix('.png')}",
        )


def plot_report(
    report: PreflightReport,
    decoded: DecodedAudio,
    out_path: str | os.PathLike[str],
    *,
    title: str | None = None,
) -> Path:
    """Draw ``report`` over ``decoded`` and write a PNG to ``out_path`` (atomically). Returns the path."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    analysis = report.analysis
    channel = analysis.channel if analysis else 0
    x = decoded.samples[:, channel]
    rate = decoded.sample_rate
    duration = x.shape[0] / rate

    fig = Figure(figsize=(12, 5.2), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    wave, level = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1.4))

    times, low, high = _envelope(x, rate)
    wave.fill_between(times, low, high, color="#37474f", linewidth=0.4)
    wave.set_ylim(-1.05, 1.05)
    wave.set_xlim(0, max(duration, 1e-3))
    wave.set_ylabel(f"channel {channel + 1}")
    wave.axhline(0, color="#90a4ae", linewidth=0.5)
    if analysis:
        for i, (start, end) in enumerate(analysis.speech_regions_s):
            wave.axvspan(start, end, color="#2e7d32", alpha=0.13, label="speech" if i == 0 else None)
        for i, (start, end) in enumerate(analysis.long_pauses_s):
            wave.axvspan(start, end, color="#c62828", alpha=0.25, label="pause > 2 s" if i == 0 else None)
            wave.text((start + end) / 2, 0.9, f"{end - start:.1f} s pause", ha="center", color="#c62828", fontsize=9)
        for i, (start, end) in enumerate(analysis.clipped_regions_s):
            wave.axvspan(start, max(end, start + duration / 1500), ymin=0.93, ymax=1.0, color="#d50000",
                         label="clipped" if i == 0 else None)  # fmt: skip
        if analysis.speech_regions_s or analysis.long_pauses_s or analysis.clipped_regions_s:
            wave.legend(loc="lower right", fontsize=8, framealpha=0.8)
        activity = analysis.activity
        if activity is not None and activity.level_dbfs.size:
            frame_times = (np.arange(activity.level_dbfs.size) + 0.5) * activity.frame_s
            level.plot(frame_times, activity.level_dbfs, color="#37474f", linewidth=0.8, label="level")
            level.axhline(activity.gate_dbfs, color="#2e7d32", linestyle="--", linewidth=0.8, label="speech gate")
            noise = report.metrics.get("noise_floor_dbfs")
            if noise is not None:
                level.axhline(noise, color="#b26a00", linestyle=":", linewidth=1.0, label="noise floor")
            top = float(activity.level_dbfs.max())
            level.set_ylim(max(-100.0, float(activity.level_dbfs.min()) - 5), min(top + 18, 10.0))
            level.legend(loc="upper right", fontsize=8, ncols=3, framealpha=0.9)
    level.set_ylabel("dBFS")
    level.set_xlabel("time (s)")

    verdict = report.verdict
    codes = [f.code for f in report.findings if f.level != "info"]
    heading = title or Path(report.source).name or report.source
    fig.suptitle(
        f"{heading} — {verdict.upper()}" + (f": {', '.join(codes)}" if codes else ""),
        color=_VERDICT_COLOURS[verdict],
        fontsize=13,
        fontweight="bold",
    )
    wave.set_title(_subtitle(report), fontsize=9, color="#455a64")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return write_bytes_atomic(out_path, buffer.getvalue())


def _subtitle(report: PreflightReport) -> str:
    info, metrics = report.info, report.metrics
    if info is None:
        return ""
    depth = f" {info.bit_depth}-bit" if info.bit_depth else ""
    parts = [
        f"{info.container}/{info.codec}{depth}",
        f"{info.sample_rate} Hz",
        f"{info.channels} ch",
        f"{info.duration_s:.1f} s",
        f"longest speech {metrics.get('longest_speech_s', 0.0):.1f} s",
        f"longest pause {metrics.get('longest_pause_s', 0.0):.1f} s",
        f"{metrics.get('loudness_lufs', 0.0):.1f} LUFS",
        f"noise {metrics.get('noise_floor_dbfs', 0.0):.0f} dBFS",
    ]
    return " · ".join(parts)
