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

Level = Literal["fail", "warn", "info"]
Verdict = Literal["pass", "warn", "fail"]


@dataclass(frozen=True)
class Rule:
    """One rule: its stable code, level, limit (with unit) and where it comes from (service or quality)."""

    code: str
    level: Level
    limit: float | str | None
    unit: str
    origin: Literal["service", "quality", "input", "info"]
    summary: str


_MAX_BYTES = 10 * 1024 * 1024  # "10 MB" read as MiB
_SUPPORTED = {("wav", "pcm_s16le"), ("mp3", "mp3"), ("mp4", "aac")}

#: Every rule the preflight applies, by code. Limits are in the rule's unit.
RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        # input: the sample could not be read at all (info is None)
        Rule("empty_file", "fail", None, "", "input", "the file is empty"),
        Rule("not_audio", "fail", None, "", "input", "the file is not audio"),
        Rule("decode_failed", "fail", None, "", "input", "the audio is damaged and could not be (fully) decoded"),
        Rule("file_not_found", "fail", None, "", "input", "the path cannot be read"),
        Rule("fetch_failed", "fail", None, "", "input", "the URL cannot be downloaded"),
        # the service's documented rules (API reference, section 4)
        Rule("unsupported_format", "fail", "WAV (16-bit PCM), MP3 or M4A (AAC)", "", "service", "format"),
        Rule("wav_not_pcm16", "fail", "pcm_s16le", "", "service", "WAV must be 16-bit PCM"),
        Rule("file_too_large", "fail", _MAX_BYTES, "bytes", "service", "at most 10 MB"),
        Rule("too_long", "fail", 60.0, "s", "service", "at most 60 s"),
        Rule("sample_rate_too_low", "fail", 16000, "Hz", "service", "at least 16 kHz"),
        Rule("no_speech", "fail", 0.5, "s", "service", "speech must be present"),
        Rule("first_channel_silent", "fail", 0.5, "s", "service", "only the first channel is used"),
        Rule("speech_too_short", "fail", 5.0, "s", "service", "at least 5 s of continuous speech"),
        Rule("pause_too_long", "fail", 2.0, "s", "service", "no pause longer than 2 s"),
        # quality rules
        Rule("heavy_clipping", "fail", 0.01, "ratio", "quality", "at most 1% of samples clipped"),
        Rule("some_clipping", "warn", 0.001, "ratio", "quality", "at most 0.1% of samples clipped"),
        Rule("duration_not_recommended", "warn", "10–20", "s", "quality", "10–20 s recommended"),
        Rule("background_noise", "warn", -40.0, "dBFS", "quality", "quiet background between words"),
        Rule("too_quiet", "warn", -35.0, "LUFS", "quality", "loudness at least -35 LUFS"),
        Rule("too_loud", "warn", -12.0, "LUFS", "quality", "loudness at most -12 LUFS"),
        # information
        Rule("first_channel_used", "info", None, "", "info", "only the first of several channels is used"),
        Rule("leading_silence", "info", 1.0, "s", "info", "silence before the speech"),
        Rule("trailing_silence", "info", 1.0, "s", "info", "silence after the speech"),
    )
}

#: Codes that mean "no audio to judge" (the CLI exits 2 for these rather than 3).
INPUT_ERROR_CODES = frozenset({"empty_file", "not_audio", "decode_failed", "file_not_found", "fetch_failed"})

_RECOMMENDED_S = (10.0, 20.0)
_MIN_SNR_DB = 18.0
_SPEECH_PRESENT_S = 0.5
_LEVEL_ORDER: dict[str, int] = {"info": 0, "warn": 1, "fail": 2}


@dataclass(frozen=True)
class Finding:
    """One result of one rule."""

    level: Level
    code: str
    message: str
    measured: float | str | None = None
    limit: float | str | None = None
    unit: str = ""
    fixable: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "code": self.code,
            "measured": self.measured,
            "limit": self.limit,
            "unit": self.unit,
            "fixable": self.fixable,
            "message": self.message,
        }


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


def _finding(code: str, message: str, *, measured: float | str | None = None, fixable: bool = False) -> Finding:
    rule = RULES[code]
    if isinstance(measured, float):
        measured = round(measured, 4)
    return Finding(rule.level, code, message, measured, rule.limit, rule.unit, fixable)


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
    finding = _finding(code, message, measured=measured, fixable=False)
    return PreflightReport(source, "fail", [finding], None, {})


def check_decoded(decoded: DecodedAudio, *, source: str = "<decoded>") -> PreflightReport:
    """Check audio that is already decoded (the emulator and the fixer use this)."""
    info = decoded.info
    rate = decoded.sample_rate
    x = decoded.samples[:, 0]
    findings = _format_findings(info)

    activity = m.frame_activity(x, sample_rate_hz=rate)
    regions = m.speech_regions_s(activity.speech, frame_s=activity.frame_s)
    longest = m.longest_speech_s(regions)
    speech_total = float(np.sum(activity.speech)) * activity.frame_s
    pauses = m.pauses_s(regions)
    long_pauses = [p for p in pauses if p[1] - p[0] > float(_limit("pause_too_long"))]
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
    findings += _content_findings(metrics, channels_with_speech, info.channels, regions)
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


def _limit(code: str) -> float:
    limit = RULES[code].limit
    assert isinstance(limit, (int, float))
    return float(limit)


# ---------------------------------------------------------------------------------------------------- the rules


def _format_findings(info: AudioInfo) -> list[Finding]:
    out: list[Finding] = []
    what = f"{info.container}/{info.codec}"
    if info.container == "wav" and info.codec != "pcm_s16le":
        depth = f"{info.bit_depth}-bit " if info.bit_depth else ""
        out.append(
            _finding(
                "wav_not_pcm16",
                f"The WAV holds {depth}{info.codec} audio, but the service takes 16-bit PCM WAV only: "
                "convert it (cosyclone check --fix OUT.wav does).",
                measured=info.codec,
                fixable=True,
            )
        )
    elif (info.container, info.codec) not in _SUPPORTED:
        out.append(
            _finding(
                "unsupported_format",
                f"The file really is {what} (whatever its name says); the service takes WAV (16-bit PCM), MP3 or "
                "M4A (AAC): convert it (cosyclone check --fix OUT.wav does).",
                measured=what,
                fixable=True,
            )
        )
    if info.size_bytes > _limit("file_too_large"):
        out.append(
            _finding(
                "file_too_large",
                f"The file is {info.size_bytes / 1e6:.1f} MB, over the 10 MB limit: shorten it to 10–20 s "
                "of speech or save it as mono 16-bit WAV.",
                measured=float(info.size_bytes),
                fixable=True,
            )
        )
    declared = info.declared_duration_s
    if not info.capped and declared is not None and declared - info.duration_s > max(1.0, 0.2 * declared):
        out.append(
            _finding(
                "decode_failed",
                f"The file is damaged or truncated: only {info.duration_s:.1f} s of the {declared:.1f} s its header "
                "declares could be decoded. Export it again from the original.",
                measured=info.duration_s,
            )
        )
    if info.duration_s > _limit("too_long"):
        out.append(
            _finding(
                "too_long",
                f"The sample is {'over ' if info.capped else ''}{info.duration_s:.1f} s long, over the 60 s maximum: "
                "cut it to the best 10–20 s "
                "of speech (cosyclone check --fix OUT.wav does).",
                measured=info.duration_s,
                fixable=True,
            )
        )
    if info.sample_rate < _limit("sample_rate_too_low"):
        out.append(
            _finding(
                "sample_rate_too_low",
                f"The sample rate is {info.sample_rate} Hz, below the 16 kHz minimum; resampling cannot restore "
                "the missing high frequencies, so record again at 16 kHz or more.",
                measured=float(info.sample_rate),
            )
        )
    low, high = _RECOMMENDED_S
    if not low <= info.duration_s <= high and info.duration_s <= _limit("too_long"):
        side = "shorter" if info.duration_s < low else "longer"
        advice = "record a little more speech" if side == "shorter" else "cut it to the best 10–20 s (--fix does)"
        out.append(
            _finding(
                "duration_not_recommended",
                f"The sample is {info.duration_s:.1f} s, {side} than the recommended 10–20 s: {advice}.",
                measured=info.duration_s,
                fixable=side == "longer",
            )
        )
    if info.channels > 1:
        out.append(
            _finding(
                "first_channel_used",
                f"The file has {info.channels} channels; the service uses only the first, so make sure the voice "
                "is on it (--fix saves mono).",
                measured=float(info.channels),
            )
        )
    return out


def _content_findings(
    metrics: dict[str, float], channels_with_speech: list[int], channels: int, regions: list[Region]
) -> list[Finding]:
    out: list[Finding] = []
    if 0 not in channels_with_speech:
        if channels_with_speech:
            other = channels_with_speech[0] + 1
            out.append(
                _finding(
                    "first_channel_silent",
                    f"The first channel has no speech but channel {other} does, and the service uses only the first "
                    "channel: save the speaking channel as mono (--fix does).",
                    measured=metrics["longest_speech_s"],
                    fixable=True,
                )
            )
        else:
            out.append(
                _finding(
                    "no_speech",
                    "No speech was found (silence or noise only): record someone speaking clearly for 10–20 s.",
                    measured=metrics["speech_s"],
                )
            )
        return out  # the remaining rules judge speech that is not there
    longest = metrics["longest_speech_s"]
    if longest < _limit("speech_too_short"):
        out.append(
            _finding(
                "speech_too_short",
                f"The longest stretch of continuous speech is {longest:.1f} s; the service needs at least 5 s: "
                "record a longer sample with fewer breaks.",
                measured=longest,
            )
        )
    pause = metrics["longest_pause_s"]
    if pause > _limit("pause_too_long"):
        out.append(
            _finding(
                "pause_too_long",
                f"There is a {pause:.1f} s pause inside the speech; the service allows at most 2 s: cut the pause "
                "out or keep only one part (--fix keeps the best part).",
                measured=pause,
                fixable=True,
            )
        )
    out += _level_findings(metrics)
    for code, key in (("leading_silence", "leading_silence_s"), ("trailing_silence", "trailing_silence_s")):
        if metrics[key] > _limit(code):
            where = "before" if code == "leading_silence" else "after"
            out.append(
                _finding(
                    code,
                    f"There is {metrics[key]:.1f} s of silence {where} the speech: trim it (--fix does).",
                    measured=metrics[key],
                    fixable=True,
                )
            )
    return out


def _level_findings(metrics: dict[str, float]) -> list[Finding]:
    out: list[Finding] = []
    ratio = metrics["clipping_ratio"]
    if ratio >= _limit("heavy_clipping"):
        out.append(
            _finding(
                "heavy_clipping",
                f"{ratio:.1%} of the samples are clipped at full scale, which distorts the voice: record again "
                "with the input gain lower.",
                measured=ratio,
            )
        )
    elif ratio >= _limit("some_clipping"):
        out.append(
            _finding(
                "some_clipping",
                f"{ratio:.2%} of the samples are clipped: if you can, record again with the input gain a little lower.",
                measured=ratio,
            )
        )
    noise, snr = metrics["noise_floor_dbfs"], metrics["snr_db"]
    if noise > _limit("background_noise") or snr < _MIN_SNR_DB:
        out.append(
            _finding(
                "background_noise",
                f"The background between words is at {noise:.0f} dBFS, only {snr:.0f} dB below the voice: record "
                "in a quieter room, closer to the microphone.",
                measured=noise,
            )
        )
    loudness = metrics["loudness_lufs"]
    if loudness < _limit("too_quiet"):
        out.append(
            _finding(
                "too_quiet",
                f"The sample is very quiet ({loudness:.0f} LUFS): raise the level to about -20 LUFS (--fix does) "
                "or record closer to the microphone.",
                measured=loudness,
                fixable=True,
            )
        )
    elif loudness > _limit("too_loud"):
        clipped = ratio >= _limit("heavy_clipping")
        advice = "record again with the input gain lower" if clipped else "lower it to about -20 LUFS (--fix does)"
        out.append(
            _finding(
                "too_loud",
                f"The sample is very loud ({loudness:.0f} LUFS): {advice}.",
                measured=loudness,
                fixable=not clipped,
            )
        )
    return out
