"""One audio encoder per synthesis task: a task's sentences go in one by one, and the concatenation of what comes
out is one playable file of the asked format.

- ``pcm``: raw 16-bit little-endian mono.
- ``wav``: the first chunk starts with :func:`wav_streaming_header`; every chunk after it is raw PCM.
- ``mp3``: one stateful libmp3lame encoder (PyAV) for the whole task, muxed as bare MPEG frames (no ID3 tag, no
  Xing/Info frame: nothing that needs the length in advance), so the stream is one continuous MP3 stream — the
  encoder's priming and padding come once per task, not once per sentence.
- ``opus``: one stateful libopus encoder and one Ogg muxer for the whole task: one logical Ogg Opus stream
  (RFC 7845), whose granule positions let every decoder (libsndfile too) trim it to the exact length. libopus
  runs at 8/12/16/24/48 kHz, so 22050 and 44100 are encoded at 24000 and 48000.

An encoder holds back a few milliseconds of audio (its look-ahead, a partial frame, and for Ogg the page being
filled): :meth:`StreamEncoder.chunk` returns what is ready after a sentence, :meth:`StreamEncoder.finish` the rest
plus the end of the stream (for ``pcm``/``wav``: nothing). A task that fails simply stops; :meth:`close` frees
the encoder.

Samples come in as float32 in [-1, 1], shape (frames,) — what :mod:`cosyclone.emulator.voice.engines` renders.
Imported by :mod:`cosyclone.emulator.api.synthesis_ws` and :mod:`cosyclone.emulator.api.synthesis_http`.
"""

from __future__ import annotations

from typing import Any

import av
import numpy as np
from numpy.typing import NDArray

from cosyclone._wav import wav_header

#: Sample rates libopus encodes at; other rates are resampled to the next one up.
OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
#: The bit rate (kbps) of a format when the request names none.
DEFAULT_KBPS = {"mp3": 128, "opus": 32}
#: Speed over finesse: the emulator's synthetic speech needs no fine psychoacoustics. LAME's ``-q`` (0 best … 9
#: fastest): 7 is its "fast" setting, ≈ 1.5× the speed of its default at 22050 Hz. libopus's complexity (0 … 10,
#: default 10): 0 is ≈ 3.5× faster. Measured per audio second of the voice engine's speech, one core.
MP3_COMPRESSION_LEVEL = 7
OPUS_COMPRESSION_LEVEL = 0
#: Ogg page length: a page per Opus packet (20 ms), so that a sentence's audio leaves the muxer with it.
_OGG_PAGE_DURATION_US = 20_000
_FRAME_SAMPLES = 4096


def wav_streaming_header(sample_rate: int) -> bytes:
    """A 44-byte mono 16-bit PCM WAV header whose sizes say "until the end of the stream"."""
    return wav_header(sample_rate=sample_rate)


def _pcm16(samples: NDArray[np.float32]) -> NDArray[np.int16]:
    return np.round(np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")


class _Sink:
    """A write-only, unseekable file for PyAV's muxer: collects bytes until taken."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def write(self, data: Any) -> int:
        self._buffer += bytes(data)
        return len(data)

    def take(self) -> bytes:
        data = bytes(self._buffer)
        self._buffer.clear()
        return data


class _CodecStream:
    """A PyAV output container writing into a :class:`_Sink`, with one mono audio stream."""

    def __init__(self, fmt: str, sample_rate: int, bit_rate_kbps: int | None) -> None:
        self._sink = _Sink()
        self._rate = sample_rate
        if fmt == "mp3":
            options = {"write_xing": "0", "id3v2_version": "0"}
            container: Any = av.open(self._sink, mode="w", format="mp3", options=options)
            stream: Any = container.add_stream("libmp3lame", rate=sample_rate)
            stream.format = "s16p"
            stream.codec_context.options = {"compression_level": str(MP3_COMPRESSION_LEVEL)}
        else:
            options = {"page_duration": str(_OGG_PAGE_DURATION_US)}
            container = av.open(self._sink, mode="w", format="ogg", options=options)
            out_rate = next((r for r in OPUS_RATES if r >= sample_rate), OPUS_RATES[-1])
            stream = container.add_stream("libopus", rate=out_rate)
            stream.format = "s16"
            stream.codec_context.options = {"compression_level": str(OPUS_COMPRESSION_LEVEL)}
        stream.layout = "mono"
        stream.bit_rate = (bit_rate_kbps or DEFAULT_KBPS[fmt]) * 1000
        container.start_encoding()  # the stream headers (Ogg: OpusHead, OpusTags) go out with the first chunk
        self._container = container
        self._stream = stream
        self._open = True

    def encode(self, samples: NDArray[np.float32]) -> bytes:
        pcm = _pcm16(samples).reshape(1, -1)
        for start in range(0, pcm.shape[1], _FRAME_SAMPLES):
            part = np.ascontiguousarray(pcm[:, start : start + _FRAME_SAMPLES])
            frame = av.AudioFrame.from_ndarray(part, format="s16p", layout="mono")
            frame.sample_rate = self._rate
            for packet in self._stream.encode(frame):
                self._container.mux(packet)
        return self._sink.take()

    def finish(self) -> bytes:
        if not self._open:
            return b""
        for packet in self._stream.encode(None):
            self._container.mux(packet)
        self.close()
        return self._sink.take()

    def close(self) -> None:
        if self._open:
            self._open = False
            self._container.close()


class StreamEncoder:
    """Encodes a task's sentences one by one into chunks whose concatenation is one playable file.

    Not thread-safe; one task uses it from one thread at a time.
    """

    def __init__(self, fmt: str, sample_rate: int, *, bit_rate_kbps: int | None = None) -> None:
        self.format = fmt
        self._rate = sample_rate
        self._started = False
        self._codec = _CodecStream(fmt, sample_rate, bit_rate_kbps) if fmt in ("mp3", "opus") else None

    def chunk(self, samples: NDArray[np.float32]) -> bytes:
        """The bytes ready after this sentence's ``samples`` (float32, shape (frames,))."""
        if self._codec is not None:
            return self._codec.encode(samples)
        data = _pcm16(samples).tobytes()
        if self.format == "wav" and not self._started:
            data = wav_streaming_header(self._rate) + data
        self._started = True
        return data

    def finish(self) -> bytes:
        """What the encoder still holds, and the end of the stream (empty for ``pcm``/``wav``)."""
        return self._codec.finish() if self._codec is not None else b""

    def close(self) -> None:
        """Free the encoder without finishing the stream (a task that failed)."""
        if self._codec is not None:
            self._codec.close()
