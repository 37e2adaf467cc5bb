"""What a synthesis returns (:class:`SpeechResult`), how a stream of chunks is folded into it, and how
``to_file`` writes it (:class:`ResultFile`). Shared by the sync and async speech front (``client/speech.py``),
which re-exports the public names. Imported by client/ only.
"""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from cosyclone._exceptions import ResultNotWrittenError
from cosyclone.client._audio_sink import AudioFile, WriteRescue, wav_header
from cosyclone.client._tts_protocol import SentenceInfo, SpeechChunk
from cosyclone.schema.synthesis_params import SynthesisOptions


@dataclass
class SpeechResult:
    """A finished synthesis."""

    audio: bytes
    format: str
    sample_rate: int
    model: str
    voice: str
    characters: int = 0
    request_ids: list[str] = field(default_factory=list)
    sentences: list[SentenceInfo] = field(default_factory=list)
    first_audio_s: float | None = None
    elapsed_s: float = 0.0
    path: Path | None = None
    bytes_written: int = 0

    @property
    def request_id(self) -> str:
        return self.request_ids[-1] if self.request_ids else ""


class Collector:
    """Folds a chunk stream into a SpeechResult, keeping the audio or counting it (when it goes to a file)."""

    def __init__(self, options: SynthesisOptions, model: str, voice: str, *, keep_audio: bool) -> None:
        self.result = SpeechResult(b"", options.format, options.sample_rate, model, voice)
        self._parts: list[bytes] = []
        self._keep = keep_audio
        self._started = time.perf_counter()

    def add(self, chunk: SpeechChunk) -> None:
        if chunk.kind == "audio" and chunk.audio:
            if self.result.first_audio_s is None:
                self.result.first_audio_s = time.perf_counter() - self._started
            self.result.bytes_written += len(chunk.audio)
            if self._keep:
                self._parts.append(chunk.audio)
        elif chunk.kind == "sentence-end" and chunk.sentence is not None:
            # Numbered across tasks: each task of a long text counts its sentences from 0.
            self.result.sentences.append(dataclasses.replace(chunk.sentence, index=len(self.result.sentences)))
        elif chunk.kind == "task-finished":
            self.result.characters += chunk.characters
            self.result.request_ids.append(chunk.request_id)

    def finish(self) -> SpeechResult:
        self.result.elapsed_s = time.perf_counter() - self._started
        if self._keep:
            body = b"".join(self._parts)
            if self.result.format == "wav":
                body = wav_header(sample_rate=self.result.sample_rate, data_bytes=len(body)) + body
            self.result.audio = body
        return self.result


class ResultFile:
    """What ``to_file`` does with the chunks, the same for both fronts (no network here): each chunk is written
    to ``path.part`` through a :class:`WriteRescue` and collected; :meth:`commit` renames the file, or raises
    ResultNotWrittenError with what was billed and the audio kept in memory; leaving the block without
    committing removes the partial file."""

    def __init__(self, path: str | os.PathLike[str], opts: SynthesisOptions, model: str, voice: str) -> None:
        self._collector = Collector(opts, model, voice, keep_audio=False)
        self._file = AudioFile(path, wav_sample_rate=opts.sample_rate if opts.format == "wav" else None)
        self._rescue = WriteRescue(self._file)

    def __enter__(self) -> ResultFile:
        self._file.__enter__()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._file.__exit__(exc_type, exc, tb)

    def add(self, chunk: SpeechChunk) -> None:
        if chunk.kind == "audio":
            self._rescue.write(chunk.audio)
        self._collector.add(chunk)

    def commit(self) -> None:
        try:
            self._collector.result.path = self._rescue.commit()
        except OSError as error:
            billed = self._collector.finish()
            raise ResultNotWrittenError(
                self._file.path,
                error.strerror or str(error),
                characters=billed.characters,
                request_id=billed.request_id or None,
                audio=self._rescue.audio(),
            ) from error

    def result(self) -> SpeechResult:
        """The finished result (after the block): its path and the bytes written."""
        result = self._collector.finish()
        result.bytes_written = result.path.stat().st_size if result.path else 0
        return result
