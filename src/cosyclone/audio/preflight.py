"""The sample preflight: the service's documented sample rules (and a few quality rules) as data → a report.

``check_sample`` decodes a path, bytes or URL and never raises for bad audio: every problem becomes a
:class:`Finding` with a stable ``code`` (the emulator maps these codes to the service's error codes), a
``level`` (fail / warn / info), what was ``measured``, the ``limit`` and a ``message`` saying what to do.
The report's ``verdict`` is the worst level: fail → "fail", warn → "warn", otherwise "pass".

Only the first channel is judged, as the service only uses the first channel.

Who may import it: the library surface, the CLI, the emulator (to judge uploads as the service does),
``cosyclone.audio.fix`` and ``cosyclone.audio.plot``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from cosyclone.audio import metrics as m
from cosyclone.audio.io import (
    DEFAULT_MAX_BYTES,
    DEFAULT_TIMEOUT_S,
    AudioDecodeError,
    AudioInfo,
    DecodedAudio,
    decode,
)
from cosyclone.audio.metrics import FrameActivity, Region
from cosyclone.audio.preflight_rules import (
    RULES,
    Finding,
    Level,
    Rule,
    content_findings,
    finding,
    format_findings,
    limit,
)

__all__ = [
    "INPUT_ERROR_CODES",
    "RULES",
    "Finding",
    "Level",
    "PreflightReport",
    "Rule",
    "SampleAnalysis",
    "Verdict",
    "check_decoded",
    "check_sample",
    "load_and_check",
]

Verdict = Literal["pass", "warn", "fail"]


#: Codes that mean "no audio to judge" (the CLI exits 2 for these rather than 3).
INPUT_ERROR_CODES = frozenset({"empty_file", "not_audio", "decode_failed", "file_not_found", "fetch_failed"})

_SPEECH_PRESENT_S = 0.5
_LEVEL_ORDER: dict[str, int] = {"info": 0, "warn": 1, "fail": 2}


@dataclass
class SampleAnalysis:
    """Where things are in time (first channel), for the plot and the fixer. Times in seconds."""

    duration_s: float
    channel: int
    speech_regions_s: list[Region]
    pauses_s: list[Region]
    long_pauses_s: list[Region]
    clipped_regions_s: list[Region]
    channels_with_speech: list[int]
    activity: FrameActivity | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        def spans(regions: list[Region]) -> list[list[float]]:
            return [[round(a, 3), round(b, 3)] for a, b in regions]

        return {
            "channel": self.channel,
            "speech_regions_s": spans(self.speech_regions_s),
            "long_pauses_s": spans(self.long_pauses_s),
            "clipped_regions_s": spans(self.clipped_regions_s),
            "channels_with_speech": self.channels_with_speech,
        }


@dataclass
class PreflightReport:
    """The preflight result for one sample."""

    source: str
    verdict: Verdict
    findings: list[Finding]
    info: AudioInfo | None
    metrics: dict[str, float]
    analysis: SampleAnalysis | None = None

    @property
    def ok(self) -> bool:
        """True unless the verdict is fail (a warn still uploads)."""
        return self.verdict != "fail"

    @property
    def unusable(self) -> bool:
        """True when there was no audio to judge at all (missing, empty, not audio, undecodable)."""
        return self.info is None and any(f.code in INPUT_ERROR_CODES for f in self.findings)

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: top-level "verdict", "source", "findings", "info", "metrics", "analysis"."""
        return {
            "verdict": self.verdict,
            "source": self.source,
            "findings": [f.to_dict() for f in self.findings],
            "info": self.info.to_dict() if self.info else None,
            "metrics": {k: round(v, 4) for k, v in self.metrics.items()},
            "analysis": self.analysis.to_dict() if self.analysis else None,
        }


def _verdict(findings: list[Finding]) -> Verdict:
    worst = max((_LEVEL_ORDER[f.level] for f in findings), default=0)
    return "fail" if worst == 2 else "warn" if worst == 1 else "pass"


# ---------------------------------------------------------------------------------------------------- entry points


def load_and_check(
    source: str | os.PathLike[str] | bytes,
    *,
    name: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> tuple[PreflightReport, DecodedAudio | None]:
    """Decode and check ``source``; also return the decoded audio (None if it could not be decoded)."""
    label = name or ("<bytes>" if isinstance(source, (bytes, bytearray)) else os.fspath(source))
    try:
        decoded = decode(source, max_bytes=max_bytes, timeout_s=timeout_s)
    except AudioDecodeError as error:
        return report_for_error(error, source=label), None
    return check_decoded(decoded, source=label), decoded


def check_sample(
    source: str | os.PathLike[str] | bytes,
    *,
    name: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> PreflightReport:
    """Check a voice sample (path, raw bytes or http(s) URL) against the service's rules.

    Never raises for bad audio: an unreadable, empty or non-audio input gives a report with one failing
    finding and ``info=None``. ``name`` labels the report (default: the path or URL).
    """
    return load_and_check(source, name=name, max_bytes=max_bytes, timeout_s=timeout_s)[0]


def report_for_error(error: AudioDecodeError, *, source: str) -> PreflightReport:
    """The report for a sample that could not be decoded at all."""
    code = error.reason if error.reason in RULES else "decode_failed"
    advice = {
        "empty_file": "the file is empty (0 bytes): record or export the sample again.",
        "not_audio": "this is not an audio file: give a WAV (16-bit PCM), MP3 or M4A recording.",
        "decode_failed": "the audio is damaged and could not be decoded: export it again from the original.",
        "file_not_found": f"{error.message}: check the path.",
        "fetch_failed": f"{error.message}: check that the URL is public and reachable.",
        "file_too_large": f"{error.message}: the service accepts at most 10 MB; use 10–20 s of speech.",
    }[code]
    # A message that starts with the user's path keeps it as typed (never "M/huge.wav" for "m/huge.wav").
    if error.message and advice.startswith(error.message) and source and error.message.startswith(source):
        advice = f"The file {advice}"
    message = advice[0].upper() + advice[1:]
    measured = float(error.size_bytes) if error.size_bytes is not None else None
    return PreflightReport(source, "fail", [finding(code, message, measured=measured)], None, {})


def check_decoded(decoded: DecodedAudio, *, source: str = "<decoded>") -> PreflightReport:
    """Check audio that is already decoded (the emulator and the fixer use this)."""
    info = decoded.info
    rate = decoded.sample_rate
    x = decoded.samples[:, 0]
    findings = format_findings(info)

    activity = m.frame_activity(x, sample_rate_hz=rate)
    regions = m.speech_regions_s(activity.speech, frame_s=activity.frame_s)
    longest = m.longest_speech_s(regions)
    speech_total = float(np.sum(activity.speech)) * activity.frame_s
    pauses = m.pauses_s(regions)
    long_pauses = [p for p in pauses if p[1] - p[0] > float(limit("pause_too_long"))]
    channels_with_speech = [0] if longest >= _SPEECH_PRESENT_S else []
    if not channels_with_speech:
        for channel in range(1, decoded.samples.shape[1]):
            other = m.voice_activity(decoded.samples[:, channel], sample_rate_hz=rate)
            if m.longest_speech_s(m.speech_regions_s(other)) >= _SPEECH_PRESENT_S:
                channels_with_speech.append(channel)
    clip_ratio = m.clipping_ratio(x)
    clipped = m.clipped_regions_s(x, sample_rate_hz=rate) if clip_ratio > 0 else []
    noise = m.noise_floor_dbfs(level_dbfs=activity.level_dbfs, speech=activity.speech)
    speech_level = m.speech_level_dbfs(level_dbfs=activity.level_dbfs, speech=activity.speech)
    loudness = m.loudness_lufs(x, sample_rate_hz=rate)
    leading = regions[0][0] if regions else 0.0
    trailing = info.duration_s - regions[-1][1] if regions else 0.0
    metrics: dict[str, float] = {
        "duration_s": info.duration_s,
        "size_bytes": float(info.size_bytes),
        "sample_rate_hz": float(rate),
        "channels": float(info.channels),
        "speech_s": speech_total,
        "longest_speech_s": longest,
        "longest_pause_s": m.longest_pause_s(regions),
        "leading_silence_s": leading,
        "trailing_silence_s": max(trailing, 0.0),
        "loudness_lufs": loudness,
        "peak_dbfs": m.peak_dbfs(x),
        "noise_floor_dbfs": noise,
        "speech_level_dbfs": speech_level,
        "snr_db": speech_level - noise if regions else 0.0,
        "clipping_ratio": clip_ratio,
    }
    findings += content_findings(metrics, channels_with_speech, info.channels, regions)
    findings.sort(key=lambda f: -_LEVEL_ORDER[f.level])  # stable: rule order within a level
    analysis = SampleAnalysis(
        duration_s=info.duration_s,
        channel=0,
        speech_regions_s=regions,
        pauses_s=pauses,
        long_pauses_s=long_pauses,
        clipped_regions_s=clipped,
        channels_with_speech=channels_with_speech,
        activity=activity,
    )
    return PreflightReport(source, _verdict(findings), findings, info, metrics, analysis)
