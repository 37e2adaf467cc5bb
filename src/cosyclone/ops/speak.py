"""Speak into a file for a front end: where the text comes from and where the audio goes (checked before any
call: one text source, an extension that names the format, no existing file replaced unless asked), the summary
of a synthesis (what was written, billed and how fast) and its evidence (``speak.json``) — the same for
``cosyclone speak`` and the MCP ``synthesize`` tool.

Who may import it: the front ends (``cli/``, ``mcp/``) and the library layer (``batch``, ``demo``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from cosyclone._exceptions import InvalidRequestError, Problem, ResultNotWrittenError

if TYPE_CHECKING:
    from cosyclone.client.speech import SpeechChunk, SpeechResult, SynthesisProtocol
    from cosyclone.ops.session import Session


@dataclass(frozen=True)
class SpeakOptions:
    """One text to speak with one voice.

    Args:
        text: what to say.
        voice: a voice_id, a registry prefix naming one voice, or a system voice name.
        output: the audio file (its extension names the format); ``None``: a fresh name
            ``speech-<UTC time>-<random>.<format>`` in ``default_dir`` (the working directory if ``None``).
        model: the synthesis model; ``None``: the voice's target model.
        protocol: ``websocket`` (duplex), ``http`` or ``sse``.
        overwrite: replace an existing ``output``; ``overwrite_flag`` is how the front end spells it in errors.
        synthesis: the declared synthesis parameters (``schema/synthesis_params.py``) as keyword arguments.
    """

    text: str
    voice: str
    output: Path | None = None
    model: str | None = None
    protocol: SynthesisProtocol = "websocket"
    overwrite: bool = False
    overwrite_flag: str = "--overwrite"
    synthesis: Mapping[str, Any] = field(default_factory=dict)
    default_dir: Path | None = None


@dataclass
class SpeakResult:
    """The synthesis, the voice it used, and its JSON summary (as written to ``speak.json``)."""

    speech: SpeechResult
    voice_id: str
    summary: dict[str, Any]


def _target(options: SpeakOptions) -> tuple[Path, dict[str, Any]]:
    """Where the audio goes and the synthesis keyword arguments (``format`` settled): checked before any call."""
    synthesis = {k: v for k, v in options.synthesis.items() if v is not None}
    if options.output is None:
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        folder = options.default_dir if options.default_dir is not None else Path()
        return folder / f"speech-{stamp}-{secrets.token_hex(3)}.{synthesis.get('format') or 'mp3'}", synthesis
    synthesis["format"] = output_format(options.output, synthesis.get("format"))
    check_new_file(options.output, overwrite=options.overwrite, flag=options.overwrite_flag)
    return options.output, synthesis


def writable_folder() -> Path:
    """The working directory, or ``$COSYCLONE_HOME/speech`` when it is not writable (MCP hosts may start a server
    in ``/``): where a default-named audio file goes."""
    import os

    cwd = Path.cwd()
    if os.access(cwd, os.W_OK):
        return cwd
    from cosyclone._config import cosyclone_home

    return cosyclone_home() / "speech"


def speak(
    session: Session,
    options: SpeakOptions,
    *,
    on_plan: Callable[[str, str], None] | None = None,
    absolute_path: bool = False,
) -> SpeakResult:
    """Speak ``options.text`` into a file (written as ``FILE.part``, renamed when complete) and write
    ``speak.json``. ``on_plan(model, protocol)`` hears which model and transport will be used before the call;
    with ``absolute_path`` the summary shows the file's absolute path.

    Raises:
        InvalidRequestError: the file and format disagree, the file exists, an output place that cannot be
            written, an unknown voice or a bad parameter (nothing sent).
        ResultNotWrittenError: sent and billed, but the file (or ``speak.json``) could not be written.
        APIError subclasses: the service refused or could not be reached.
    """
    from cosyclone.ops.voices import resolve_voice

    target, synthesis = _target(options)
    check_outputs_before_sending(session, target, evidence=("speak.json",))  # nothing sent or billed yet
    voice_id = resolve_voice(session, options.voice, system_voice_ok=True)
    client = session.client()
    if on_plan is not None:
        on_plan(*client.speech.plan(voice_id, model=options.model, protocol=options.protocol))
    try:
        result = client.speech.to_file(
            options.text, target, voice=voice_id, model=options.model, protocol=options.protocol, **synthesis
        )
    except ResultNotWrittenError as error:  # billed, not written (disk full): keep the audio, say where
        keep_rescued_audio(error, target.name)
        raise
    written = result.path or target
    summary = record_speech(session, result, voice_id=voice_id, file=written.resolve() if absolute_path else written)
    return SpeakResult(result, voice_id, summary)


def stream(
    session: Session, options: SpeakOptions, *, on_plan: Callable[[str, str], None] | None = None
) -> Iterator[SpeechChunk]:
    """Speak ``options.text`` as chunks of audio as they come (``options.output`` is not used)."""
    from cosyclone.ops.voices import resolve_voice

    synthesis = {k: v for k, v in options.synthesis.items() if v is not None}
    voice_id = resolve_voice(session, options.voice, system_voice_ok=True)
    client = session.client()
    if on_plan is not None:
        on_plan(*client.speech.plan(voice_id, model=options.model, protocol=options.protocol))
    return client.speech.stream(
        options.text, voice=voice_id, model=options.model, protocol=options.protocol, **synthesis
    )


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
