"""The preflight's rules as data (:data:`RULES`, by stable code) and the checks that turn a sample's format
facts and measurements into :class:`Finding` s, each with a message saying what to do.

Who may import it: :mod:`cosyclone.audio.preflight` (which decodes, measures and makes the report, and
re-exports :data:`RULES`, :class:`Rule`, :class:`Finding` and :data:`Level`, where callers find them) and tests.
It imports nothing of ours but :class:`cosyclone.audio.io.AudioInfo` and :data:`cosyclone.audio.metrics.Region`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from cosyclone.audio.io import AudioInfo
from cosyclone.audio.metrics import Region

__all__ = ["RULES", "Finding", "Level", "Rule", "content_findings", "finding", "format_findings", "limit"]

Level = Literal["fail", "warn", "info"]


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

_RECOMMENDED_S = (10.0, 20.0)
_MIN_SNR_DB = 18.0


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


def finding(code: str, message: str, *, measured: float | str | None = None, fixable: bool = False) -> Finding:
    rule = RULES[code]
    if isinstance(measured, float):
        measured = round(measured, 4)
    return Finding(rule.level, code, message, measured, rule.limit, rule.unit, fixable)


def limit(code: str) -> float:
    value = RULES[code].limit
    assert isinstance(value, (int, float))
    return float(value)


def format_findings(info: AudioInfo) -> list[Finding]:
    out: list[Finding] = []
    what = f"{info.container}/{info.codec}"
    if info.container == "wav" and info.codec != "pcm_s16le":
        depth = f"{info.bit_depth}-bit " if info.bit_depth else ""
        out.append(
            finding(
                "wav_not_pcm16",
                f"The WAV holds {depth}{info.codec} audio, but the service takes 16-bit PCM WAV only: "
                "convert it (cosyclone check --fix OUT.wav does).",
                measured=info.codec,
                fixable=True,
            )
        )
    elif (info.container, info.codec) not in _SUPPORTED:
        out.append(
            finding(
                "unsupported_format",
                f"The file really is {what} (whatever its name says); the service takes WAV (16-bit PCM), MP3 or "
                "M4A (AAC): convert it (cosyclone check --fix OUT.wav does).",
                measured=what,
                fixable=True,
            )
        )
    if info.size_bytes > limit("file_too_large"):
        out.append(
            finding(
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
            finding(
                "decode_failed",
                f"The file is damaged or truncated: only {info.duration_s:.1f} s of the {declared:.1f} s its header "
                "declares could be decoded. Export it again from the original.",
                measured=info.duration_s,
            )
        )
    return out + _duration_findings(info)


def _duration_findings(info: AudioInfo) -> list[Finding]:
    out: list[Finding] = []
    if info.duration_s > limit("too_long"):
        out.append(
            finding(
                "too_long",
                f"The sample is {'over ' if info.capped else ''}{info.duration_s:.1f} s long, over the 60 s maximum: "
                "cut it to the best 10–20 s "
                "of speech (cosyclone check --fix OUT.wav does).",
                measured=info.duration_s,
                fixable=True,
            )
        )
    if info.sample_rate < limit("sample_rate_too_low"):
        out.append(
            finding(
                "sample_rate_too_low",
                f"The sample rate is {info.sample_rate} Hz, below the 16 kHz minimum; resampling cannot restore "
                "the missing high frequencies, so record again at 16 kHz or more.",
                measured=float(info.sample_rate),
            )
        )
    low, high = _RECOMMENDED_S
    if not low <= info.duration_s <= high and info.duration_s <= limit("too_long"):
        side = "shorter" if info.duration_s < low else "longer"
        advice = "record a little more speech" if side == "shorter" else "cut it to the best 10–20 s (--fix does)"
        out.append(
            finding(
                "duration_not_recommended",
                f"The sample is {info.duration_s:.1f} s, {side} than the recommended 10–20 s: {advice}.",
                measured=info.duration_s,
                fixable=side == "longer",
            )
        )
    if info.channels > 1:
        out.append(
            finding(
                "first_channel_used",
                f"The file has {info.channels} channels; the service uses only the first, so make sure the voice "
                "is on it (--fix saves mono).",
                measured=float(info.channels),
            )
        )
    return out


def content_findings(
    metrics: dict[str, float], channels_with_speech: list[int], channels: int, regions: list[Region]
) -> list[Finding]:
    out: list[Finding] = []
    if 0 not in channels_with_speech:
        if channels_with_speech:
            other = channels_with_speech[0] + 1
            out.append(
                finding(
                    "first_channel_silent",
                    f"The first channel has no speech but channel {other} does, and the service uses only the first "
                    "channel: save the speaking channel as mono (--fix does).",
                    measured=metrics["longest_speech_s"],
                    fixable=True,
                )
            )
        else:
            out.append(
                finding(
                    "no_speech",
                    "No speech was found (silence or noise only): record someone speaking clearly for 10–20 s.",
                    measured=metrics["speech_s"],
                )
            )
        return out  # the remaining rules judge speech that is not there
    longest = metrics["longest_speech_s"]
    if longest < limit("speech_too_short"):
        out.append(
            finding(
                "speech_too_short",
                f"The longest stretch of continuous speech is {longest:.1f} s; the service needs at least 5 s: "
                "record a longer sample with fewer breaks.",
                measured=longest,
            )
        )
    pause = metrics["longest_pause_s"]
    if pause > limit("pause_too_long"):
        out.append(
            finding(
                "pause_too_long",
                f"There is a {pause:.1f} s pause inside the speech; the service allows at most 2 s: cut the pause "
                "out or keep only one part (--fix keeps the best part).",
                measured=pause,
                fixable=True,
            )
        )
    out += level_findings(metrics)
    for code, key in (("leading_silence", "leading_silence_s"), ("trailing_silence", "trailing_silence_s")):
        if metrics[key] > limit(code):
            where = "before" if code == "leading_silence" else "after"
            out.append(
                finding(
                    code,
                    f"There is {metrics[key]:.1f} s of silence {where} the speech: trim it (--fix does).",
                    measured=metrics[key],
                    fixable=True,
                )
            )
    return out


def level_findings(metrics: dict[str, float]) -> list[Finding]:
    out: list[Finding] = []
    ratio = metrics["clipping_ratio"]
    if ratio >= limit("heavy_clipping"):
        out.append(
            finding(
                "heavy_clipping",
                f"{ratio:.1%} of the samples are clipped at full scale, which distorts the voice: record again "
                "with the input gain lower.",
                measured=ratio,
            )
        )
    elif ratio >= limit("some_clipping"):
        out.append(
            finding(
                "some_clipping",
                f"{ratio:.2%} of the samples are clipped: if you can, record again with the input gain a little lower.",
                measured=ratio,
            )
        )
    noise, snr = metrics["noise_floor_dbfs"], metrics["snr_db"]
    if noise > limit("background_noise") or snr < _MIN_SNR_DB:
        out.append(
            finding(
                "background_noise",
                f"The background between words is at {noise:.0f} dBFS, only {snr:.0f} dB below the voice: record "
                "in a quieter room, closer to the microphone.",
                measured=noise,
            )
        )
    loudness = metrics["loudness_lufs"]
    if loudness < limit("too_quiet"):
        out.append(
            finding(
                "too_quiet",
                f"The sample is very quiet ({loudness:.0f} LUFS): raise the level to about -20 LUFS (--fix does) "
                "or record closer to the microphone.",
                measured=loudness,
                fixable=True,
            )
        )
    elif loudness > limit("too_loud"):
        clipped = ratio >= limit("heavy_clipping")
        advice = "record again with the input gain lower" if clipped else "lower it to about -20 LUFS (--fix does)"
        out.append(
            finding(
                "too_loud",
                f"The sample is very loud ({loudness:.0f} LUFS): {advice}.",
                measured=loudness,
                fixable=not clipped,
            )
        )
    return out
