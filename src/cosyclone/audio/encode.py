"""Audio out: encode float samples to a complete WAV, MP3, Opus (in Ogg) or raw PCM file in memory.

Opus: libopus only runs at 8/12/16/24/48 kHz. ``encode(..., "opus")`` encodes at the lowest of those that is
at least the input rate (22050 → 24000, 44100 → 48000), resampling with PyAV's resampler. MP3 works at
8–48 kHz (the MPEG rates); other rates are resampled up to the next MPEG rate the same way. WAV goes through
soundfile; PyAV is imported lazily so that WAV-only callers do not pay for it.

Who may import it: anything in the package; most callers use it through :mod:`cosyclone.audio.io`, which
re-exports :func:`encode` and :data:`EncodeFormat`. It imports nothing of ours.
"""

from __future__ import annotations

import io
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

__all__ = ["EncodeFormat", "encode"]

FloatArray = npt.NDArray[np.float32]
EncodeFormat = Literal["wav", "mp3", "opus", "pcm"]

_OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
_MP3_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)
_DEFAULT_KBPS: dict[str, int] = {"mp3": 128, "opus": 64}


def _as_frames(samples: npt.NDArray[Any]) -> FloatArray:
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] < 1:
        raise ValueError(f"samples must have shape (frames,) or (frames, channels), not {x.shape}")
    return np.asarray(np.clip(x, -1.0, 1.0), dtype=np.float32)


def _to_int16(x: FloatArray) -> npt.NDArray[np.int16]:
    return np.round(x * 32767.0).astype("<i2")


def encode(
    samples: npt.NDArray[Any],
    sample_rate: int,
    fmt: EncodeFormat,
    *,
    bit_rate_kbps: int | None = None,
) -> bytes:
    """Encode float samples in [-1, 1] (shape (frames,) or (frames, channels)) to a complete file in memory.

    ``wav``: 16-bit PCM WAV. ``pcm``: raw 16-bit little-endian interleaved. ``mp3``: MPEG-1/2 layer III
    (``bit_rate_kbps``, default 128). ``opus``: Opus in Ogg (default 64 kbps), encoded at the nearest
    Opus rate at or above ``sample_rate`` (see the module docstring). Values outside [-1, 1] are clipped.

    Raises ValueError for a bad shape, rate or format.
    """
    if sample_rate <= 0:
        raise ValueError("sample_rate must be positive")
    x = _as_frames(samples)
    if fmt == "pcm":
        return _to_int16(x).tobytes()
    if fmt == "wav":
        import soundfile as sf

        buf = io.BytesIO()
        sf.write(buf, x, sample_rate, format="WAV", subtype="PCM_16")
        return buf.getvalue()
    if fmt == "mp3":
        return _encode_pyav(x, sample_rate, "mp3", "libmp3lame", _MP3_RATES, bit_rate_kbps or _DEFAULT_KBPS["mp3"])
    if fmt == "opus":
        return _encode_pyav(x, sample_rate, "ogg", "libopus", _OPUS_RATES, bit_rate_kbps or _DEFAULT_KBPS["opus"])
    raise ValueError(f"unknown format {fmt!r}: use wav, mp3, opus or pcm")


def _encode_pyav(
    x: FloatArray, sample_rate: int, container_fmt: str, codec: str, rates: tuple[int, ...], kbps: int
) -> bytes:
    import av

    channels = x.shape[1]
    if channels > 2:
        raise ValueError("mp3 and opus encoding support mono or stereo only")
    layout = "mono" if channels == 1 else "stereo"
    out_rate = next((r for r in rates if r >= sample_rate), rates[-1])
    buf = io.BytesIO()
    with av.open(buf, mode="w", format=container_fmt) as container:
        stream: Any = container.add_stream(codec, rate=out_rate)
        stream.layout = layout
        stream.bit_rate = kbps * 1000
        stream.format = "s16p" if codec == "libmp3lame" else "s16"
        container.start_encoding()  # write the header even when there are no samples (a valid empty file)
        # Planar s16 at the input rate; PyAV's encoder-side resampler converts rate and re-chunks frames.
        pcm = np.ascontiguousarray(_to_int16(x).T)
        step = 4096
        for start in range(0, max(pcm.shape[1], 1), step):
            chunk = pcm[:, start : start + step]
            if chunk.shape[1] == 0:
                break
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format="s16p", layout=layout)
            frame.sample_rate = sample_rate
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buf.getvalue()
