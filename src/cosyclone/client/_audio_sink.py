"""Where synthesized audio goes: WAV framing of raw PCM, and files written whole or not at all.

The service's WAV framing over a stream is uncertain (a header in the first chunk, with unknown sizes), so for
``wav`` we ask the service for raw 16-bit PCM and write the WAV header ourselves: correct sizes in a file, a
streaming header (maximal sizes, as every player accepts) on a pipe. Imported by client/ only.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType
from typing import IO

from cosyclone._files import check_output_path, part_path
from cosyclone._wav import wav_header

__all__ = ["AudioFile", "wav_header"]


class AudioFile:
    """Writes audio chunks to a ``path.….part`` file and renames it to ``path`` only when :meth:`commit` is called;
    leaving the block without committing (an error, Ctrl-C) removes the partial file."""

    def __init__(self, path: str | os.PathLike[str], *, wav_sample_rate: int | None = None) -> None:
        self.path = check_output_path(path)
        self._temp = part_path(self.path)
        self._wav_rate = wav_sample_rate
        self._handle: IO[bytes] | None = None
        self.bytes_written = 0

    def __enter__(self) -> AudioFile:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = self._temp.open("wb")
        if self._wav_rate is not None:
            self._handle.write(wav_header(sample_rate=self._wav_rate, data_bytes=0))
        return self

    def write(self, data: bytes) -> None:
        assert self._handle is not None
        self._handle.write(data)
        self.bytes_written += len(data)

    def commit(self) -> Path:
        assert self._handle is not None
        if self._wav_rate is not None:
            self._handle.seek(0)
            self._handle.write(wav_header(sample_rate=self._wav_rate, data_bytes=self.bytes_written))
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        self._handle = None
        os.replace(self._temp, self.path)
        return self.path

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
            self._temp.unlink(missing_ok=True)
