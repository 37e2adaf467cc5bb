"""Judge an enrollment sample as the service does, with the project's own preflight, and measure its pitch.

The preflight (:func:`cosyclone.audio.preflight.check_sample`) finds what is wrong; this module decides what the
service would answer (contract §3.8, §4):

- ``unsupported_format``, ``wav_not_pcm16`` → 400 ``BadRequest.UnsupportedFileFormat`` "File format unsupported."
- ``empty_file``, ``not_audio``, ``decode_failed`` → 400 ``Audio.DecoderError`` "Decoder audio file failed."
- ``file_too_large`` → 400 ``Audio.FileSizeExceed`` "File too large"
- ``sample_rate_too_low`` → 400 ``Audio.AudioRateError`` "File sample rate unsupported."
- ``too_long`` → 500 ``InternalError`` "audio preprocess server error"
- ``no_speech``, ``first_channel_silent`` → 400 ``Audio.AudioSilentError`` "silent audio error."
- ``speech_too_short`` → 400 ``Audio.AudioShortError`` "valid audio too short!"
- ``pause_too_long``, ``heavy_clipping``, any other fail → accepted (200); the voice ends ``UNDEPLOYED``

When several codes fire, the first row wins (format, then decoding, size, rate, length, silence, speech length).
The service documents the audio errors under both 400 and 430; the emulator answers 400. ``first_channel_silent``
is a silence error because the service listens to the first channel only. Content problems the service leaves to
its review (long pauses, clipping) are accepted and the voice goes DEPLOYING → UNDEPLOYED. Warnings pass.

Imported by the backend. CPU-bound: call it from a worker thread; the binding (``bind_bytes``) runs in the
backend's binding worker (:mod:`cosyclone.emulator.voice.binding_jobs`), off the request path.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cosyclone.emulator.errors import EmulatorApiError
from cosyclone.emulator.state import lifecycle
from cosyclone.schema import errors as codes

if TYPE_CHECKING:
    from cosyclone.audio.io import DecodedAudio

log = logging.getLogger(__name__)

_UNSUPPORTED = (400, codes.UNSUPPORTED_FILE_FORMAT, "File format unsupported.")
_DECODER = (400, codes.AUDIO_DECODER, "Decoder audio file failed.")
_SILENT = (400, codes.AUDIO_SILENT, "silent audio error.")
#: Fail codes the service refuses at once, in priority order.
REFUSALS: dict[str, tuple[int, str, str]] = {
    "unsupported_format": _UNSUPPORTED,
    "wav_not_pcm16": _UNSUPPORTED,
    "empty_file": _DECODER,
    "not_audio": _DECODER,
    "decode_failed": _DECODER,
    "file_too_large": (400, codes.AUDIO_FILE_SIZE, "File too large"),
    "sample_rate_too_low": (400, codes.AUDIO_RATE, "File sample rate unsupported."),
    "too_long": (500, codes.INTERNAL_ERROR, codes.AUDIO_PREPROCESS_ERROR_MESSAGE),
    "no_speech": _SILENT,
    "first_channel_silent": _SILENT,
    "speech_too_short": (400, codes.AUDIO_SHORT, "valid audio too short!"),
}
#: Fail codes accepted at enrollment and rejected in review (the voice ends UNDEPLOYED).
REVIEW_REJECTIONS = ("pause_too_long", "heavy_clipping")


@dataclass(frozen=True)
class Judgement:
    """An accepted sample: the status the voice will reach, its median pitch, and the findings behind them."""

    outcome: str
    f0_hz: float | None
    findings: tuple[str, ...]
    #: The speech engine's binding of the sample (:func:`cosyclone.emulator.voice.binding.measure_sample`).
    voice_print: dict[str, Any] | None = None


def judge_sample(data: bytes, *, name: str, bind_voice: bool = False) -> Judgement:
    """Judge a downloaded sample. Raises EmulatorApiError when the service would refuse it. With ``bind_voice``
    (the speech engine), an accepted sample is also measured for the voice binding."""
    from cosyclone.audio.preflight import load_and_check

    report, decoded = load_and_check(data, name=name)
    failed = [finding.code for finding in report.findings if finding.level == "fail"]
    for code in REFUSALS:
        if code in failed:
            status, error_code, message = REFUSALS[code]
            raise EmulatorApiError(status, error_code, message, detail=f"preflight: {code}")
    outcome = lifecycle.UNDEPLOYED if failed else lifecycle.OK
    f0_hz = measure_f0(decoded) if decoded is not None and outcome == lifecycle.OK else None
    voice_print = bind(decoded, f0_hz) if bind_voice and decoded is not None and outcome == lifecycle.OK else None
    return Judgement(outcome=outcome, f0_hz=f0_hz, findings=tuple(report.codes), voice_print=voice_print)


def bind_bytes(data: bytes, name: str, f0_hz: float | None, languages: tuple[str, ...] = ()) -> dict[str, Any] | None:
    """The speech engine's binding of an accepted sample given as bytes (the backend's binding worker runs it)."""
    from cosyclone.audio.preflight import load_and_check

    _, decoded = load_and_check(data, name=name)
    return None if decoded is None else bind(decoded, f0_hz, languages)


def bind(decoded: DecodedAudio, f0_hz: float | None, languages: tuple[str, ...] = ()) -> dict[str, Any] | None:
    """The speech engine's binding of the first channel, or None when it cannot be made (never fails enrolling).
    With ``zh`` among the voice's ``languages``, the print also holds its Mandarin binding (key ``zh``)."""
    from cosyclone.emulator.voice.binding import measure_sample
    from cosyclone.emulator.voice.mandarin_binding import measure_mandarin

    samples = decoded.samples
    mono = samples[:, 0] if samples.ndim == 2 else samples
    try:
        voice_print = measure_sample(mono, decoded.sample_rate, f0_hz=f0_hz)
        if "zh" in languages:
            voice_print = {**voice_print, **measure_mandarin(mono, decoded.sample_rate, f0_hz=f0_hz)}
        return voice_print
    except Exception as error:  # an engine that cannot measure falls back to a voice from the pitch
        log.warning("voice binding failed, the voice will speak from its pitch only: %s", error)
        return None


def measure_f0(decoded: DecodedAudio) -> float | None:
    """Median pitch (Hz) of the first channel, or None when it cannot be measured."""
    from cosyclone.audio.metrics import median_f0_hz

    samples = decoded.samples
    mono = samples[:, 0] if samples.ndim == 2 else samples
    try:
        f0 = median_f0_hz(mono, sample_rate_hz=decoded.sample_rate)
    except Exception as error:  # a pitch we cannot measure must not fail the enrollment
        log.debug("f0 not measured: %s", error)
        return None
    return None if f0 is None else float(f0)
