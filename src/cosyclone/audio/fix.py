"""Repair a voice sample so it passes the preflight: channel, format, length, loudness — then check it again.

What ``fix_sample`` does, in order, saying each step in ``FixResult.actions``:
  1. keeps the channel with speech (the first one if it has speech) as mono;
  2. refuses recordings below 16 kHz (upsampling would not bring back the missing band), heavily clipped
     ones (the distortion stays) and samples with no speech at all — nothing is written then;
  3. resamples rates above 48 kHz down to 48 kHz;
  4. cuts to the best window of continuous speech (at most 20 s, pauses over 2 s never inside, cut in
     pauses, 0.25 s of margin) when the sample is too long, has a long pause or long silent edges;
  5. normalises loudness to ``target_lufs`` (-20 LUFS) with the peak kept under ``peak_ceiling_dbfs`` (-1 dBFS);
  6. writes 16-bit PCM WAV atomically (``OUT.part`` then rename) and re-checks the written file.

Who may import it: the CLI (``cosyclone check --fix``), the library surface, tests.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from cosyclone._exceptions import InvalidRequestError, Problem
from cosyclone._files import check_output_path, write_bytes_atomic
from cosyclone.audio import metrics as m
from cosyclone.audio.io import DecodedAudio, encode, resample
from cosyclone.audio.metrics import Region
from cosyclone.audio.preflight import PreflightReport, load_and_check

__all__ = ["FixResult", "best_window_s", "fix_sample"]

_MAX_RATE_HZ = 48000
_MIN_RATE_HZ = 16000
_WINDOW_S = (10.0, 20.0)
_MAX_PAUSE_S = 2.0
_MIN_CONTINUOUS_S = 5.0
_MARGIN_S = 0.25
_EDGE_SILENCE_S = 1.0


@dataclass
class FixResult:
    """Before and after reports, the steps taken in plain words, and where the result went."""

    before: PreflightReport
    after: PreflightReport | None
    actions: list[str]
    output_path: Path | None
    refused: str | None = None

    @property
    def ok(self) -> bool:
        """True when a file was written and it no longer fails the preflight."""
        return self.after is not None and self.after.verdict != "fail"

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "output": str(self.output_path) if self.output_path else None,
            "actions": self.actions,
            "refused": self.refused,
            "verdict": self.after.verdict if self.after else "fail",
            "after": self.after.to_dict() if self.after else None,
        }


def check_fix_target(source: str, out_path: str | os.PathLike[str], *, overwrite: bool = False) -> None:
    """Refuse, before any work, a repaired copy that would replace its own input or any existing file (unless
    ``overwrite``), or that is not named ``.wav``: nothing a user recorded is lost to ``--fix`` unless asked.

    Raises:
        InvalidRequestError: naming ``--fix``, the path and the rule.
    """
    target = check_output_path(out_path)  # a directory or a path under a file: refused first
    if target.suffix.lower() != ".wav":
        raise InvalidRequestError(
            [Problem("--fix", str(out_path), "the repaired copy is a WAV file: name it .wav")],
            hint=f"e.g. --fix {target.with_suffix('.wav')}",
        )
    source_path = Path(source)
    if overwrite or not target.exists():
        return
    if source_path.exists() and source_path.resolve() == target.resolve():
        raise InvalidRequestError(
            [Problem("--fix", str(out_path), "is the sample itself: the original recording would be lost")],
            hint=f"write the copy beside it, e.g. --fix {target.with_name(target.stem + '-fixed.wav')} "
            "(or pass --overwrite to replace the original)",
        )
    raise InvalidRequestError(
        [Problem("--fix", str(out_path), "already exists")],
        hint="choose another name, or pass --overwrite to replace it",
    )


def fix_sample(
    source: str | os.PathLike[str] | bytes,
    out_path: str | os.PathLike[str],
    *,
    name: str | None = None,
    target_lufs: float = -20.0,
    peak_ceiling_dbfs: float = -1.0,
) -> FixResult:
    """Write a repaired copy of ``source`` to ``out_path`` (16-bit PCM mono WAV) and check it again.

    Returns a FixResult; when the sample cannot be repaired (undecodable, below 16 kHz, no speech)
    ``refused`` says why and nothing is written. Raises OSError only if ``out_path`` cannot be written.
    """
    before, decoded = load_and_check(source, name=name)
    if decoded is None:
        return FixResult(before, None, [], None, refused="the sample could not be decoded, so there is nothing to fix")
    if decoded.sample_rate < _MIN_RATE_HZ:
        return FixResult(
            before,
            None,
            [],
            None,
            refused=(
                f"the recording is {decoded.sample_rate} Hz: upsampling cannot restore the frequencies above "
                f"{decoded.sample_rate // 2} Hz that it never captured; record again at 16 kHz or more"
            ),
        )
    if "heavy_clipping" in before.codes:
        return FixResult(
            before,
            None,
            [],
            None,
            refused="the recording is heavily clipped and that distortion cannot be undone: record again with the "
            "input gain lower",
        )
    actions: list[str] = []
    if "some_clipping" in before.codes:
        actions.append("left the few clipped peaks as they are (clipping cannot be undone)")
    channel = _pick_channel(decoded, before, actions)
    if channel is None:
        return FixResult(before, None, [], None, refused="no speech was found on any channel: record again")
    x = decoded.samples[:, channel]
    rate = decoded.sample_rate
    if rate > _MAX_RATE_HZ:
        x = resample(x, from_hz=rate, to_hz=_MAX_RATE_HZ)
        actions.append(f"resampled from {rate} Hz to {_MAX_RATE_HZ} Hz")
        rate = _MAX_RATE_HZ
    x = _cut(x, rate, actions)
    x = _normalise(x, rate, target_lufs, peak_ceiling_dbfs, actions)
    data = encode(x, rate, "wav")
    path = write_bytes_atomic(out_path, data)
    actions.append(f"wrote {path} as 16-bit PCM WAV, mono, {rate} Hz, {x.shape[0] / rate:.1f} s")
    after, _ = load_and_check(path)
    return FixResult(before, after, actions, path)


def _pick_channel(decoded: DecodedAudio, before: PreflightReport, actions: list[str]) -> int | None:
    channels = decoded.samples.shape[1]
    with_speech = before.analysis.channels_with_speech if before.analysis else []
    if not with_speech:
        return None
    channel = with_speech[0]
    if channel != 0:
        actions.append(f"took channel {channel + 1}, the one with speech (the first channel is silent)")
    if channels > 1:
        actions.append(f"saved as mono (kept channel {channel + 1} of {channels})")
    return channel


def best_window_s(regions: list[Region], *, duration_s: float) -> Region:
    """The span to keep: at most 20 s of continuous speech, with no pause over 2 s inside.

    Speech regions are grouped into stretches separated by pauses over 2 s; inside a stretch, the window
    starts and ends at region edges (cuts fall in pauses). Prefers a window holding at least 5 s of
    continuous speech, then the one with the most speech, then the longest continuous region.
    """
    if not regions:
        return (0.0, duration_s)
    max_len = _WINDOW_S[1] - 2 * _MARGIN_S
    best: tuple[tuple[bool, float, float], Region] | None = None
    for i, (start, _) in enumerate(regions):
        speech = longest = 0.0
        for j in range(i, len(regions)):
            if j > i and regions[j][0] - regions[j - 1][1] > _MAX_PAUSE_S:
                break
            r_start, r_end = regions[j]
            end = r_end
            if r_end - start > max_len:
                if j > i:
                    break
                end = start + max_len  # one region longer than the window: keep its first max_len seconds
            speech += end - r_start
            longest = max(longest, end - r_start)
            score = (longest >= _MIN_CONTINUOUS_S, speech, longest)
            if best is None or score > best[0]:
                best = (score, (start, end))
            if end != r_end:
                break
    assert best is not None
    start, end = best[1]
    return (max(0.0, start - _MARGIN_S), min(duration_s, end + _MARGIN_S))


def _cut(x: npt.NDArray[np.float32], rate: int, actions: list[str]) -> npt.NDArray[np.float32]:
    duration = x.shape[0] / rate
    regions = m.speech_regions_s(m.voice_activity(x, sample_rate_hz=rate))
    if not regions:
        return x
    long_pause = m.longest_pause_s(regions) > _MAX_PAUSE_S
    edges = regions[0][0] > _EDGE_SILENCE_S or duration - regions[-1][1] > _EDGE_SILENCE_S
    if duration <= _WINDOW_S[1] and not long_pause and not edges:
        return x
    if duration <= _WINDOW_S[1] and not long_pause:
        start, end = max(0.0, regions[0][0] - _MARGIN_S), min(duration, regions[-1][1] + _MARGIN_S)
        actions.append(f"trimmed silence: kept {start:.1f}–{end:.1f} s")
    else:
        start, end = best_window_s(regions, duration_s=duration)
        actions.append(f"cut to the best {end - start:.1f} s of continuous speech ({start:.1f}–{end:.1f} s)")
    return x[int(start * rate) : int(end * rate)]


def _normalise(
    x: npt.NDArray[np.float32], rate: int, target_lufs: float, ceiling_dbfs: float, actions: list[str]
) -> npt.NDArray[np.float32]:
    loudness = m.loudness_lufs(x, sample_rate_hz=rate)
    if loudness <= m.SILENCE_DBFS:
        return x
    gain_db = target_lufs - loudness
    peak = m.peak_dbfs(x)
    limited = peak + gain_db > ceiling_dbfs
    if limited:
        gain_db = ceiling_dbfs - peak
    if abs(gain_db) < 0.5:
        return x
    direction = "raised" if gain_db > 0 else "lowered"
    reached = loudness + gain_db
    note = f" (held back by the {ceiling_dbfs:g} dBFS peak ceiling)" if limited else ""
    actions.append(f"{direction} the level by {abs(gain_db):.1f} dB to {reached:.1f} LUFS{note}")
    return np.asarray(x * np.float32(10 ** (gain_db / 20)), dtype=np.float32)
