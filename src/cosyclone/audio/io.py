"""Audio in and out: decode anything (path, bytes or http(s) URL), encode WAV/MP3/Opus/PCM, resample.

The container and codec are sniffed from the bytes (magic numbers, then PyAV's probe), never from the file
name. WAV and FLAC go through soundfile (fast); everything else through PyAV (bundled FFmpeg). PyAV is
imported lazily so that WAV-only callers do not pay for it.

Encoding lives in :mod:`cosyclone.audio.encode` (``encode`` and ``EncodeFormat`` are re-exported here, where
callers have always found them). FFmpeg's Opus decoder always outputs 48 kHz, so ``decode`` of any Ogg/Opus
stream reports ``sample_rate == 48000``.

Who may import it: anything in the package (the preflight, the emulator's voice engine, the synthesis
code, the CLI). It imports nothing of ours but ``cosyclone._exceptions`` and :mod:`cosyclone.audio.encode`.
"""

from __future__ import annotations

import io
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from cosyclone._exceptions import CosycloneError
from cosyclone.audio.encode import EncodeFormat, encode

if TYPE_CHECKING:
    import av.container

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT_S",
    "AudioDecodeError",
    "AudioInfo",
    "DecodedAudio",
    "EncodeFormat",
    "decode",
    "encode",
    "fetch_url",
    "is_url",
    "resample",
    "sniff_container",
]

FloatArray = npt.NDArray[np.float32]

#: Largest input ``decode`` reads (files, bytes and downloads). The service's limit is far lower (10 MB);
#: this only keeps a wrong argument (a film, a disk image) from filling memory.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
#: Total time allowed for a URL download.
DEFAULT_TIMEOUT_S = 30.0


#: Decoding stops after this much audio: the service takes at most 60 s, and a tiny file that expands to hours
#: (silence compresses to almost nothing) must not cost gigabytes of memory.
MAX_DECODE_S = 120.0


class AudioDecodeError(CosycloneError):
    """The input could not be read as audio. ``reason`` is a stable code.

    Reasons: ``empty_file``, ``not_audio``, ``decode_failed``, ``file_too_large`` (over ``max_bytes``),
    ``file_not_found`` (missing or unreadable path), ``fetch_failed`` (URL: network error, timeout, HTTP error).
    """

    def __init__(self, reason: str, message: str, *, hint: str | None = None, size_bytes: int | None = None) -> None:
        self.reason = reason
        self.size_bytes = size_bytes
        super().__init__(message, hint=hint)


@dataclass(frozen=True)
class AudioInfo:
    """What the bytes really are. ``container``/``codec`` use FFmpeg's short names (wav, mp3, mp4, ogg, …)."""

    container: str
    codec: str
    sample_rate: int
    channels: int
    bit_depth: int | None
    sample_format: str
    duration_s: float
    size_bytes: int
    #: What the container header claims (None if it claims nothing). Much more than ``duration_s`` means the
    #: file is truncated or damaged: ``decode`` returns what it could decode rather than failing.
    declared_duration_s: float | None = None
    #: Decoding stopped at :data:`MAX_DECODE_S`: the file is at least that long (the rest was not decoded).
    capped: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DecodedAudio:
    """Decoded samples: float32, shape (frames, channels), nominally in [-1, 1]."""

    samples: FloatArray
    sample_rate: int
    info: AudioInfo


# ---------------------------------------------------------------------------------------------------- resample


def resample(samples: npt.NDArray[Any], *, from_hz: int, to_hz: int) -> FloatArray:
    """Resample along the first axis (FFmpeg's swresample: polyphase, anti-aliased, aligned in time).

    Returns float32 of the same number of dimensions with round(frames · to/from) frames; a copy if the
    rates match.
    """
    x = np.asarray(samples, dtype=np.float32)
    if from_hz <= 0 or to_hz <= 0:
        raise ValueError("sample rates must be positive")
    if from_hz == to_hz or x.shape[0] == 0:
        return np.array(x, dtype=np.float32, copy=True)
    from cosyclone.audio.dsp import resample_mono

    if x.ndim == 1:
        return resample_mono(x, from_hz=from_hz, to_hz=to_hz)
    columns = [resample_mono(x[:, c], from_hz=from_hz, to_hz=to_hz) for c in range(x.shape[1])]
    return np.ascontiguousarray(np.stack(columns, axis=1))


# ---------------------------------------------------------------------------------------------------- sniffing


def sniff_container(head: bytes) -> str | None:
    """Name the container from the first bytes (magic numbers), or None if no signature matches.

    Returns FFmpeg-style short names: wav, flac, ogg, mp3, aac (ADTS), mp4, aiff, matroska, amr, caf, au, asf.
    """
    if len(head) >= 12 and head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return "wav"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mp4"
    if len(head) >= 12 and head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if len(head) >= 2 and head[0] == 0xFF:
        if head[1] & 0xF6 == 0xF0:  # ADTS: 12-bit sync, layer bits 00
            return "aac"
        if head[1] & 0xE0 == 0xE0 and head[1] & 0x06 != 0:  # MPEG audio frame sync, layer I/II/III
            return "mp3"
    return None


_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"fLaC", "flac"),
    (b"OggS", "ogg"),
    (b"ID3", "mp3"),
    (b"\x1a\x45\xdf\xa3", "matroska"),
    (b"#!AMR", "amr"),
    (b"caff", "caf"),
    (b".snd", "au"),
    (b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "asf"),
)

_PYAV_CONTAINERS = {"mov,mp4,m4a,3gp,3g2,mj2": "mp4", "matroska,webm": "matroska", "ogg": "ogg"}

_SF_SUBTYPES: dict[str, tuple[str, int | None, str]] = {
    # soundfile subtype → (FFmpeg codec name, bit depth, sample format)
    "PCM_16": ("pcm_s16le", 16, "s16"),
    "PCM_24": ("pcm_s24le", 24, "s24"),
    "PCM_32": ("pcm_s32le", 32, "s32"),
    "PCM_U8": ("pcm_u8", 8, "u8"),
    "PCM_S8": ("pcm_s8", 8, "s8"),
    "FLOAT": ("pcm_f32le", 32, "flt"),
    "DOUBLE": ("pcm_f64le", 64, "dbl"),
    "ULAW": ("pcm_mulaw", 8, "mulaw"),
    "ALAW": ("pcm_alaw", 8, "alaw"),
    "IMA_ADPCM": ("adpcm_ima_wav", 4, "adpcm"),
    "MS_ADPCM": ("adpcm_ms", 4, "adpcm"),
    "GSM610": ("gsm_ms", None, "gsm"),
}


# ---------------------------------------------------------------------------------------------------- reading


def is_url(source: object) -> bool:
    """True for an ``http://`` or ``https://`` string."""
    return isinstance(source, str) and source.lower().startswith(("http://", "https://"))


def fetch_url(url: str, *, max_bytes: int = DEFAULT_MAX_BYTES, timeout_s: float = DEFAULT_TIMEOUT_S) -> bytes:
    """Download ``url`` (streaming), refusing more than ``max_bytes`` and taking at most ``timeout_s`` in total
    (headers included: a watchdog bounds the whole download).

    Raises AudioDecodeError: ``file_too_large`` past the cap, ``fetch_failed`` on any network/HTTP error.
    """
    from cosyclone._download import DownloadError, fetch_capped

    try:
        return fetch_capped(url, max_bytes=max_bytes, timeout_s=timeout_s)
    except DownloadError as error:
        if error.reason == "too_large":
            raise _too_large(url, error.size_bytes or max_bytes + 1, max_bytes) from None
        if error.reason == "http_status":
            raise AudioDecodeError(
                "fetch_failed",
                f"downloading {url} failed: HTTP {error.status}",
                hint="check the URL is public and points at the audio file itself",
            ) from None
        if error.reason == "timeout":
            raise AudioDecodeError("fetch_failed", f"downloading {url} took longer than {timeout_s:g} s") from None
        raise AudioDecodeError(
            "fetch_failed",
            f"downloading {url} failed: {error.detail}",
            hint="check the URL and the network, then try again",
        ) from None


def _too_large(what: str, size: int, cap: int) -> AudioDecodeError:
    return AudioDecodeError(
        "file_too_large",
        f"{what} is larger than {cap / 1e6:.0f} MB (at least {size / 1e6:.1f} MB)",
        hint="use a shorter recording (10–20 s of speech is best)",
        size_bytes=size,
    )


def _read_source(source: str | os.PathLike[str] | bytes, max_bytes: int, timeout_s: float) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if len(data) > max_bytes:
            raise _too_large("the audio", len(data), max_bytes)
        return data
    if is_url(source):
        return fetch_url(str(source), max_bytes=max_bytes, timeout_s=timeout_s)
    path = Path(source)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise _too_large(str(path), size, max_bytes)
        return path.read_bytes()
    except OSError as error:
        raise AudioDecodeError(
            "file_not_found",
            f"cannot read {path}: {error.strerror or error}",
            hint="check the path (or pass an http(s) URL)",
        ) from error


def decode(
    source: str | os.PathLike[str] | bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> DecodedAudio:
    """Decode a path, raw bytes or an http(s) URL to float32 samples of shape (frames, channels).

    The format is sniffed from the bytes, never from the name. A damaged file that decodes partly is
    returned with what could be decoded (``info.duration_s`` is then shorter than ``info.declared_duration_s``).

    Raises AudioDecodeError with ``reason`` empty_file, not_audio, decode_failed, file_too_large,
    file_not_found or fetch_failed.
    """
    data = _read_source(source, max_bytes, timeout_s)
    if not data:
        raise AudioDecodeError("empty_file", "the file is empty (0 bytes)", hint="record or export the sample again")
    sniffed = sniff_container(data[:64])
    try:
        if sniffed in ("wav", "flac"):
            decoded = _decode_soundfile(data, sniffed)
            if decoded is not None:
                return decoded
        return _decode_pyav(data, sniffed)
    except MemoryError:
        raise AudioDecodeError(
            "decode_failed", "the file claims more audio than can be decoded", hint="export it again"
        ) from None


def _decode_soundfile(data: bytes, container: str) -> DecodedAudio | None:
    import soundfile as sf

    try:
        with sf.SoundFile(io.BytesIO(data)) as handle:
            subtype = str(handle.subtype)
            rate = int(handle.samplerate)
            limit = int(MAX_DECODE_S * rate) if rate > 0 else 0
            capped = handle.frames > limit
            samples = handle.read(frames=min(handle.frames, limit), dtype="float32", always_2d=True)
    except (RuntimeError, sf.LibsndfileError):
        return None  # an exotic codec inside RIFF/WAVE: let FFmpeg try
    codec, bits, sample_format = _SF_SUBTYPES.get(subtype, (subtype.lower(), None, subtype.lower()))
    if container == "flac":
        codec = "flac"
    return _package(samples, rate, container, codec, bits, sample_format, len(data), None, capped=capped)


def _package(
    samples: npt.NDArray[Any],
    rate: int,
    container: str,
    codec: str,
    bits: int | None,
    sample_format: str,
    size: int,
    declared_s: float | None,
    *,
    capped: bool = False,
) -> DecodedAudio:
    frames = np.ascontiguousarray(samples, dtype=np.float32)
    info = AudioInfo(
        container=container,
        codec=codec,
        sample_rate=rate,
        channels=int(frames.shape[1]),
        bit_depth=bits,
        sample_format=sample_format,
        duration_s=frames.shape[0] / rate if rate else 0.0,
        size_bytes=size,
        declared_duration_s=None
        if capped
        else declared_s
        if declared_s is not None
        else frames.shape[0] / rate
        if rate
        else None,
        capped=capped,
    )
    return DecodedAudio(samples=frames, sample_rate=rate, info=info)


def _decode_pyav(data: bytes, sniffed: str | None) -> DecodedAudio:
    import av

    try:
        container = av.open(io.BytesIO(data), mode="r")
    except (av.error.FFmpegError, ValueError, OSError) as error:
        reason = "decode_failed" if sniffed else "not_audio"
        what = f"a damaged {sniffed} file" if sniffed else "not an audio file"
        raise AudioDecodeError(reason, f"{what}: FFmpeg could not open it ({error})") from error
    with container:
        if not container.streams.audio:
            raise AudioDecodeError("not_audio", "no audio stream found in the file (is it audio at all?)")
        return _decode_container(container, data)


def _decode_container(container: av.container.InputContainer, data: bytes) -> DecodedAudio:
    import av

    stream = container.streams.audio[0]
    ctx = stream.codec_context
    if ctx is None:
        raise AudioDecodeError(
            "decode_failed",
            f"no decoder for the audio codec of this {container.format.name} file",
            hint="save it as WAV (16-bit PCM), MP3 or M4A",
        )
    fmt_name = container.format.name
    name = _PYAV_CONTAINERS.get(fmt_name, fmt_name.split(",")[0])
    codec = ctx.name
    if codec == "mp3float":
        codec = "mp3"
    raw_format = ctx.format.name if ctx.format is not None else ""
    bits = _pyav_bit_depth(codec, ctx)
    declared: float | None = None
    if stream.duration is not None and stream.time_base is not None and (name != "mp3" or _mp3_has_toc(data)):
        declared = float(stream.duration * stream.time_base)
    resampler: av.AudioResampler | None = None
    parts: list[npt.NDArray[np.float32]] = []
    channels = 0
    rate = int(ctx.sample_rate or 0)
    errors = 0
    decoded_frames = 0
    capped = False
    try:
        for packet in container.demux(stream):
            if rate > 0 and decoded_frames > MAX_DECODE_S * rate:
                capped = True
                break
            try:
                frames = packet.decode()
            except av.error.FFmpegError:
                errors += 1
                continue
            for frame in frames:
                if not channels:
                    channels = frame.layout.nb_channels
                    rate = int(frame.sample_rate)
                decoded_frames += int(frame.samples)
                direct = _frame_samples(frame, channels)
                if direct is not None:
                    parts.append(direct)
                    continue
                if resampler is None:  # unusual sample format or a layout change: let swresample convert
                    resampler = av.AudioResampler(format="flt", layout=f"{channels}c", rate=rate)
                for out in resampler.resample(frame):
                    parts.append(np.asarray(out.to_ndarray(), dtype=np.float32).reshape(-1, channels))
    except av.error.FFmpegError:
        errors += 1  # damaged container structure: keep what decoded so far
    if not parts or rate <= 0:
        raise AudioDecodeError(
            "decode_failed",
            f"no audio could be decoded from this {name}/{codec} file ({errors} damaged packet(s))",
            hint="the file is damaged or truncated: export it again",
        )
    samples = np.concatenate(parts, axis=0) if len(parts) > 1 else parts[0]
    sample_format = raw_format[:-1] if raw_format.endswith("p") else raw_format
    if capped:
        samples = samples[: int(MAX_DECODE_S * rate)]
    return _package(samples, rate, name, codec, bits, sample_format, len(data), declared, capped=capped)


_INT_SCALE = {"s16": 32768.0, "s32": 2147483648.0}


def _frame_samples(frame: Any, channels: int) -> npt.NDArray[np.float32] | None:
    """A decoded frame as float32 (frames, channels) without swresample, for the common sample formats."""
    fmt = frame.format
    base = fmt.name.rstrip("p")
    if frame.layout.nb_channels != channels or base not in ("flt", "dbl", "s16", "s32"):
        return None
    array = frame.to_ndarray()  # a view of FFmpeg's buffer: copy out so the frame can be freed
    array = array.T if fmt.is_planar else array.reshape(-1, channels)
    if base in _INT_SCALE:
        scaled: npt.NDArray[np.float32] = np.asarray(array, dtype=np.float32) * np.float32(1.0 / _INT_SCALE[base])
        return scaled
    return np.array(array, dtype=np.float32, order="C", copy=True)


def _mp3_has_toc(data: bytes) -> bool:
    """True if the first MP3 frame carries a Xing/Info/VBRI header (an exact length, not a bitrate guess)."""
    start = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        start = 10 + ((data[6] & 0x7F) << 21 | (data[7] & 0x7F) << 14 | (data[8] & 0x7F) << 7 | (data[9] & 0x7F))
    head = data[start : start + 4096]
    return any(tag in head for tag in (b"Xing", b"Info", b"VBRI"))


def _pyav_bit_depth(codec: str, ctx: Any) -> int | None:
    if codec.startswith("pcm_"):
        digits = "".join(ch for ch in codec.split("_")[1] if ch.isdigit())
        return int(digits) if digits else 8
    if codec in ("flac", "alac", "wavpack"):
        return int(getattr(ctx, "bits_per_raw_sample", 0) or 0) or None
    return None
