"""Speak into a file for a front end: where the text comes from and where the audio goes (checked before any
call: one text source, an extension that names the format, no existing file replaced unless asked), the summary
of a synthesis (what was written, billed and how fast) and its evidence (``speak.json``) — the same for
``cosyclone speak`` and the MCP ``synthesize`` tool.

Who may import it: the front ends (``cli/``, ``mcp_server.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from cosyclone._exceptions import InvalidRequestError, Problem, ResultNotWrittenError

if TYPE_CHECKING:
    from cosyclone.client.speech import SpeechResult
    from cosyclone.ops.session import Session


def speech_summary(result: SpeechResult, *, voice_id: str, file: Path | str) -> dict[str, Any]:
    """JSON-ready facts of one synthesis written to ``file`` (shown as given)."""
    return {
        "ok": True,
        "file": str(file),
        "voice": voice_id,
        "model": result.model,
        "format": result.format,
        "sample_rate": result.sample_rate,
        "bytes": result.bytes_written,
        "characters": result.characters,
        "request_id": result.request_id,
        "request_ids": result.request_ids,
        "sentences": len(result.sentences),
        "first_audio_s": round(result.first_audio_s or 0.0, 4),
        "elapsed_s": round(result.elapsed_s, 4),
    }


def record_speech(
    session: Session, result: SpeechResult, *, voice_id: str, file: Path | str | None = None
) -> dict[str, Any]:
    """The summary of ``result`` (``file`` defaults to the path written), also written to ``speak.json``.

    Raises:
        ResultNotWrittenError: the evidence could not be written (when the session does not turn that into a
            warning): the synthesis was sent and billed, the audio is at its place — the message says both.
    """
    summary = speech_summary(result, voice_id=voice_id, file=file if file is not None else (result.path or ""))
    try:
        session.write_evidence("speak.json", dict(summary), summary)
    except (OSError, InvalidRequestError) as error:
        reason = error.strerror if isinstance(error, OSError) else error.message
        where = session.evidence_dir / "speak.json" if session.evidence_dir else "speak.json"
        raise ResultNotWrittenError(
            where, reason or str(error), characters=result.characters, request_id=result.request_id or None,
            kept_at=result.path,
        ) from None  # fmt: skip
    return summary


def check_outputs_before_sending(session: Session, output: Path | None, *, evidence: tuple[str, ...]) -> None:
    """Every place this synthesis will write — ``output``'s folder, the evidence files — can be written, checked
    before anything is sent or billed (InvalidRequestError: nothing was sent)."""
    from cosyclone._files import check_output_path, probe_writable

    if output is not None:
        check_output_path(output)
        probe_writable(output.parent, field="--output", shown=str(output))
    if not session.evidence_failures_are_warnings:
        session.evidence().check_writable(*evidence)


def keep_rescued_audio(error: ResultNotWrittenError, name: str) -> None:
    """The audio of a synthesis whose file could not be written, saved where it can be (the system's temporary
    folder, else cosyclone's home), under a name that replaces nothing; ``error`` then says where."""
    import tempfile

    from cosyclone._config import cosyclone_home
    from cosyclone._files import write_bytes_atomic

    if error.audio is None or error.kept_at:
        return
    for folder in (Path(tempfile.gettempdir()) / "cosyclone-rescued", cosyclone_home() / "rescued"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            stem, _, suffix = name.rpartition(".")
            target = free_name(stem or name, suffix or "audio", folder=folder)
            write_bytes_atomic(target, error.audio)
        except OSError:
            continue
        error.keep(target)
        return


def decode_text(data: bytes, *, field: str, value: str | None) -> str:
    """``data`` as UTF-8 text (a BOM is dropped), or InvalidRequestError naming the input and the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        rule = f"is not UTF-8 text (byte {error.start} is 0x{data[error.start]:02x})"
        raise InvalidRequestError(
            [Problem(field, value, rule)],
            hint="save the text as UTF-8, e.g. `iconv -f latin1 -t utf-8 IN > OUT`",
        ) from None


def read_text(text: str | None, file: Path | None, *, stdin: BinaryIO | None, stdin_is_tty: bool) -> str:
    """The text to speak: the argument, ``-f FILE``, or stdin (``-``, or no argument with piped input).

    Raises:
        InvalidRequestError: both an argument and ``-f``; an unreadable file; text that is not UTF-8; no text.
    """
    if file is not None:
        if text is not None:
            raise InvalidRequestError(
                [Problem("TEXT", text[:40], "and --file both give the text: give one")],
                hint="drop the argument to speak the file, or drop -f to speak the argument",
            )
        try:
            data = file.read_bytes()
        except OSError as error:
            raise InvalidRequestError([Problem("--file", str(file), f"cannot be read: {error.strerror}")]) from None
        words = decode_text(data, field="--file", value=str(file))
        if not words.strip():
            what = "is empty (0 bytes)" if not data else "holds only blank space"
            raise InvalidRequestError(
                [Problem("--file", str(file), f"{what}: there is no text to speak")],
                hint="write the text into the file, or give it as an argument",
            )
        return words
    if text is not None and text != "-":
        return text
    if stdin is not None and (text == "-" or not stdin_is_tty):
        return decode_text(stdin.read(), field="TEXT", value="(stdin)")
    raise InvalidRequestError([Problem("TEXT", None, "give the text as an argument, with -f FILE, or on stdin")])


def output_format(path: Path, audio_format: str | None) -> str:
    """The audio format of output ``path``: its extension's, which ``audio_format`` (``--format``) must agree
    with; an extension that names no audio format needs ``audio_format``.

    Raises:
        InvalidRequestError: the extension and ``--format`` disagree, or neither names a format.
    """
    from cosyclone.client.speech import FORMAT_BY_SUFFIX, format_for_path

    by_name = format_for_path(path)
    if by_name is None and audio_format is None:
        known = ", ".join(FORMAT_BY_SUFFIX)
        raise InvalidRequestError(
            [Problem("--output", str(path), f"its extension names no audio format ({known})")],
            hint="name the file for its format (e.g. speech.mp3), or pass --format",
        )
    if by_name is not None and audio_format is not None and by_name != audio_format:
        raise InvalidRequestError(
            [Problem("--format", audio_format, f"contradicts the file name {path} ({by_name})")],
            hint=f"drop --format (the extension decides), or name the file .{audio_format}",
        )
    return audio_format or by_name or "mp3"


def check_new_file(path: Path, *, overwrite: bool, flag: str = "--overwrite") -> None:
    """Refuse to replace an existing file unless ``overwrite``.

    Raises:
        InvalidRequestError: ``path`` exists (and is not to be replaced).
    """
    if not overwrite and path.exists():
        raise InvalidRequestError(
            [Problem("--output", str(path), "already exists")],
            hint=f"choose another name, or pass {flag} to replace it",
        )


def free_name(stem: str, suffix: str, *, folder: Path | None = None) -> Path:
    """``stem.suffix`` in ``folder`` (default: the working directory), or ``stem-2.suffix``, ``stem-3.suffix``, …
    whichever does not exist yet: a default name never replaces a file."""
    base = folder if folder is not None else Path()
    candidate = base / f"{stem}.{suffix}"
    number = 1
    while candidate.exists():
        number += 1
        candidate = base / f"{stem}-{number}.{suffix}"
    return candidate
