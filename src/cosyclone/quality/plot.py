"""The ``--plot`` picture of a score: the two spectrograms side by side, and the embedding similarities.

Top row: the reference sample's and the clone's mel spectrograms (the speaker encoder's own 40 bands, in dB, one
colour scale for both). Bottom: each 1.6 s window of either signal, as the encoder sees it, scored against the
*reference's* mean embedding — the sample's own windows show how much a voice varies against itself, the
clone's windows how close it comes; the band limits are drawn across. The verdict is the title. matplotlib's
object API with the Agg canvas (no pyplot), imported only when a picture is asked for.

Who may import it: the CLI (``cosyclone score --plot``) and :mod:`cosyclone.quality`.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from cosyclone._files import write_bytes_atomic
from cosyclone.quality.scoring import VoiceScore

__all__ = ["plot_score"]

_BAND_COLOURS = {"same speaker": "#1a7f37", "inconclusive": "#b26a00", "different": "#c62828", "not judged": "#455a64"}


def _mel_db(samples: npt.NDArray[Any], rate: int) -> npt.NDArray[np.float32]:
    from cosyclone.audio import speaker
    from cosyclone.audio.io import resample

    x = np.asarray(samples, dtype=np.float32)
    mono = x.mean(axis=1) if x.ndim == 2 else x
    mel = speaker.mel_power_spectrogram(resample(mono, from_hz=rate, to_hz=speaker.ENCODER_SAMPLE_RATE_HZ))
    db: npt.NDArray[np.float32] = np.asarray(10.0 * np.log10(np.maximum(mel, 1e-10)), dtype=np.float32)
    return np.ascontiguousarray(db.T)


def plot_score(score: VoiceScore, out_path: str | os.PathLike[str], *, title: str | None = None) -> Path:
    """Draw ``score`` and write a PNG to ``out_path`` (atomically). Returns the path."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if score.reference_audio is None or score.clone_audio is None:
        raise ValueError("this score holds no audio to draw (scores read back from the registry do not)")
    fig = Figure(figsize=(13, 6.5), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(2, 2, height_ratios=(3, 2))
    spectra = [
        (_mel_db(score.reference_audio.samples, score.reference_audio.sample_rate), "reference sample"),
        (_mel_db(score.clone_audio.samples, score.clone_audio.sample_rate), f"clone: {score.voice_id}"),
    ]
    top = max(float(s.max()) for s, _ in spectra)
    image = None
    for column, (spectrum, label) in enumerate(spectra):
        axes = fig.add_subplot(grid[0, column])
        seconds = spectrum.shape[1] / 100.0
        image = axes.imshow(spectrum, origin="lower", aspect="auto", extent=(0.0, seconds, 0, 40),
                            vmin=top - 80.0, vmax=top, cmap="magma")  # fmt: skip
        axes.set_title(label, fontsize=10)
        axes.set_xlabel("time (s)")
        axes.set_ylabel("mel band" if column == 0 else "")
    if image is not None:
        fig.colorbar(image, ax=fig.axes, location="right", shrink=0.6, label="dB")
    _draw_similarities(fig.add_subplot(grid[1, :]), score)
    colour = _BAND_COLOURS.get(score.verdict, "#455a64")
    heading = title or score.voice_id
    fig.suptitle(f"{heading} — {score.verdict.upper()}  (similarity {score.similarity:.3f})", color=colour,
                 fontsize=13, fontweight="bold")  # fmt: skip
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return write_bytes_atomic(out_path, buffer.getvalue())


def _draw_similarities(axes: Any, score: VoiceScore) -> None:
    assert score.reference_windows is not None and score.clone_windows is not None
    centre = score.reference_windows.mean(axis=0)
    centre = centre / np.linalg.norm(centre)
    own = score.reference_windows @ centre
    clone = score.clone_windows @ centre
    axes.axhspan(score.bands.same_min, 1.0, color="#1a7f37", alpha=0.08, label="same-speaker band")
    axes.axhspan(0.0, score.bands.different_max, color="#c62828", alpha=0.06, label="different band")
    axes.plot(np.arange(own.size) + 1, own, "o-", color="#1565c0", label="sample's windows vs sample")
    axes.plot(np.arange(clone.size) + 1, clone, "s-", color="#ef6c00", label="clone's windows vs sample")
    axes.axhline(score.similarity, color="#ef6c00", linestyle="--", linewidth=1.0,
                 label=f"clone (whole) {score.similarity:.3f}")  # fmt: skip
    axes.set_ylim(max(0.0, min(float(clone.min()), float(own.min())) - 0.1), 1.12)  # room for the legend
    axes.set_xlabel("1.6 s window")
    axes.set_ylabel("cosine similarity")
    wer = score.error_rate_text()
    note = "" if score.engine.judgeable else f"  — not judged ({score.engine.kind} {score.engine.engine or ''} engine)"
    axes.set_title(f"speaker-embedding similarity to the sample · {wer}{note}", fontsize=9, color="#455a64")
    axes.legend(loc="upper center", fontsize=8, ncols=5, framealpha=0.9)
