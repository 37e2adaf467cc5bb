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

__all__ = ["AudioFile", "WriteRescue", "wav_header"]


class AudioFile:
    """Writes audio chunks to a ``path.….part`` file and renames it to ``path`` only when :meth:`commit` is called;
    leaving the block without committing (an error, Ctrl-C) removes the partial file."""

    def __init__(self, path: str | os.PathLike[str], *, wav_sample_rate: int | None = None) -> None:
        self.path = check_output_path(path)
        self._temp = part_path(self.path)
        self._wav_rate = self.wav_rate = wav_sample_rate
        self._handle: IO[bytes] | None = None
        self.bytes_written = 0
        #: Bytes of the last ``write`` that reached the file before it failed.
        self.partial = 0

    def __enter__(self) -> AudioFile:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Unbuffered: a failed write (disk full) leaves exactly ``bytes_written`` audio bytes in the file.
        self._handle = self._temp.open("wb", buffering=0)
        if self._wav_rate is not None:
            self._write_all(wav_header(sample_rate=self._wav_rate, data_bytes=0))
        return self

    def write(self, data: bytes) -> None:
        self.partial = 0
        self._write_all(data, count=True)

    def _write_all(self, data: bytes, *, count: bool = False) -> None:
        assert self._handle is not None
        view, done = memoryview(data), 0
        while done < len(view):
            written = self._handle.write(view[done:])
            done += written or 0
            if count:
                self.bytes_written += written or 0
                self.partial = done

    def salvage(self) -> bytes:
        """The audio bytes that reached the file so far (after a failed write: rescue them)."""
        start = len(wav_header(sample_rate=self._wav_rate, data_bytes=0)) if self._wav_rate is not None else 0
        with open(self._temp, "rb") as handle:
            handle.seek(start)
            return handle.read(self.bytes_written)

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


class WriteRescue:
    """Keeps a synthesis going when its file cannot be written (disk full): the task runs to its end — so what
    was billed (characters, request_id) is known — and the audio is kept in memory (what reached the file, read
    back, plus the rest), for :class:`~cosyclone._exceptions.ResultNotWrittenError` to carry."""

    def __init__(self, sink: AudioFile) -> None:
        self.sink = sink
        self.error: OSError | None = None
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> None:
        if self.error is None:
            try:
                self.sink.write(data)
                return
            except OSError as error:
                self.error = error
                self._parts.append(self.sink.salvage())
                data = data[self.sink.partial :]
        self._parts.append(data)

    def commit(self) -> Path:
        """Commit the file, or (writing failed, now or earlier) raise ResultNotWrittenError."""
        if self.error is None:
            try:
                return self.sink.commit()
            except OSError as error:
                self.error = error
                self._parts.append(self.sink.salvage())
        raise self.error

    def audio(self) -> bytes:
        body = b"".join(self._parts)
        if self.sink.wav_rate is not None:
            body = wav_header(sample_rate=self.sink.wav_rate, data_bytes=len(body)) + body
        return body
