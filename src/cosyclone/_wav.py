"""The 44-byte PCM WAV header, in one place: the client frames raw PCM with it, the emulator streams it.

Imported by ``client`` and ``emulator``. Imports nothing; no I/O.
"""

from __future__ import annotations

import struct

#: Size fields of a WAV header whose length is not known yet (FFmpeg's convention for streamed WAV):
#: soundfile, the ``wave`` module and FFmpeg all read such a file to its end.
WAV_STREAMING_SIZE = 0xFFFFFFFF
WAV_HEADER_BYTES = 44


def wav_header(*, sample_rate: int, data_bytes: int | None = None, channels: int = 1, bits: int = 16) -> bytes:
    """A 44-byte PCM WAV header; ``data_bytes=None`` gives a streaming header with maximal sizes."""
    block_align = channels * bits // 8
    data_size = WAV_STREAMING_SIZE if data_bytes is None else data_bytes
    riff_size = WAV_STREAMING_SIZE if data_bytes is None else 36 + data_bytes
    return (
        struct.pack("<4sI4s", b"RIFF", riff_size, b"WAVE")
        + struct.pack("<4sIHHIIHH", b"fmt ", 16, 1, channels, sample_rate, sample_rate * block_align, block_align, bits)
        + struct.pack("<4sI", b"data", data_size)
    )
