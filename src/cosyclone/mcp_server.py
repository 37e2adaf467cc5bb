"""The cosyclone MCP server: check a sample, clone a voice, keep track of voices and speak with them — as tools.

Started by ``cosyclone mcp`` (stdio). Thin like the CLI: every tool parses its arguments, calls the library
(:func:`cosyclone.audio.preflight.check_sample`, :func:`cosyclone.enrollment.clone_voice`, the client, the
registry) and shapes the result as a JSON object; the rules live in the library. The client, the registry, the
evidence folder and ``--emulator`` come from the CLI's :class:`cosyclone.cli.state.CLIState`, so ``cosyclone
--emulator mcp`` serves against the embedded emulator and ``cosyclone --region … mcp`` against the service.

Tools: ``check_sample``, ``clone_voice``, ``list_voices``, ``get_voice``, ``delete_voice``, ``synthesize``.

Results are JSON objects (``structuredContent`` plus the same JSON as text). Audio is never returned inline:
``synthesize`` always writes a file and returns its absolute path, size and billing facts (audio in a tool
result would cost an agent's context far more than it helps; every MCP host can read a file path).

Errors come back as MCP tool errors (``isError: true``) whose text reads::

    Error executing tool get_voice: NotFoundError: HTTP 400 BadRequest.ResourceNotExist: … (request_id …)
    hint: check the voice_id with `cosyclone voices list`; …
    code: BadRequest.ResourceNotExist
    status_code: 400
    request_id: 5c1f…

— the error class, its message and hint, and for service errors the code, HTTP status and request_id. Never a
Python traceback (an unexpected exception is reported by class and message and logged on stderr), never the
API key (each text is scrubbed of it).

Calls that touch the client or the registry run one at a time (the client's WebSocket and the registry are
shared); ``check_sample`` runs alongside. Heavy modules (numpy, PyAV, httpx, the emulator) are imported on
the first call that needs them, so the server answers ``initialize`` quickly.

Who may import it: ``cosyclone.cli.mcp`` (and tests).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import secrets as _random
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar, cast, get_args

from pydantic import Field

from cosyclone._exceptions import (
    APIStatusError,
    CosycloneError,
    InvalidRequestError,
    Problem,
    SamplePreflightError,
)
from cosyclone._files import OutputPathError
from cosyclone._version import __version__
from cosyclone.schema.clone import PREFIX_MAX_LENGTH

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from cosyclone.cli.state import CLIState

__all__ = ["AUDIO_FORMATS", "SAMPLE_RATES", "TARGET_MODELS", "build_server", "describe_error", "serve"]

logger = logging.getLogger("cosyclone.mcp")

# The enums of the input schemas. A test checks them against cosyclone.catalog and cosyclone.schema.synthesis;
# they are spelled out here because a JSON schema enum needs a static Literal.
TargetModel = Literal[
    "cosyvoice-v3.5-plus", "cosyvoice-v3.5-flash", "cosyvoice-v3-plus", "cosyvoice-v3-flash", "cosyvoice-v2"
]
AudioFormat = Literal["mp3", "wav", "pcm", "opus"]
SampleRate = Literal[8000, 16000, 22050, 24000, 44100, 48000]
TARGET_MODELS: tuple[str, ...] = get_args(TargetModel)
AUDIO_FORMATS: tuple[str, ...] = get_args(AudioFormat)
SAMPLE_RATES: tuple[int, ...] = get_args(SampleRate)


INSTRUCTIONS = """\
cosyclone clones a voice with Alibaba Cloud Model Studio CosyVoice and speaks with it.

Workflow: check_sample (10-20 s of one speaker, no long pauses) -> clone_voice (returns a voice_id, waits until \
it is OK) -> synthesize (text + voice_id -> an audio file). list_voices / get_voice / delete_voice keep track.

Rules the tools enforce (and explain when broken):
- prefix: letters and digits only, at most 10.
- target_model defaults to cosyvoice-v3.5-plus; cosyvoice-v3.5-plus/-flash exist only in the China mainland \
(cn-beijing) deployment; in the international (ap-southeast-1) deployment cosyvoice-v3-plus/-flash cannot clone.
- A voice speaks only with the model it was enrolled for: leave synthesize's `model` empty and it follows the voice.
- Enrollment costs quota (1000 voices per account): clone_voice reuses the voice already made from the same \
sample bytes; pass new=true only when you really want another voice. Delete voices you no longer need.

Errors name the error class, the message, a hint (CLI flags in hints map to the tool arguments of the same name: \
--force is force=true, --model is model, --wait is wait) and, for service errors, the code and request_id.
"""


# ---------------------------------------------------------------------------------------------------- errors


def describe_error(error: BaseException, *, secrets: tuple[str, ...] = ()) -> str:
    """The text of a tool error: class and message, then ``hint``, ``code``, ``status_code``, ``request_id`` lines
    (and the failing findings of a preflight), with every secret in ``secrets`` replaced by ``[REDACTED]``."""
    if isinstance(error, CosycloneError):
        lines = [f"{type(error).__name__}: {error.message}"]
        if isinstance(error, SamplePreflightError) and error.report is not None:
            for finding in error.report.findings:
                if finding.level == "fail":
                    unit = f" {finding.unit}" if finding.unit else ""
                    lines.append(
                        f"finding: {finding.code} (measured {finding.measured}{unit}, limit {finding.limit}{unit})"
                    )
        if error.hint:
            lines.append(f"hint: {error.hint}")
        if isinstance(error, APIStatusError):
            lines.append(f"code: {error.code}")
            if error.status_code is not None:
                lines.append(f"status_code: {error.status_code}")
            lines.append(f"request_id: {error.request_id or '(none)'}")
    elif isinstance(error, OSError):
        lines = [
            f"{type(error).__name__}: {error}",
            f"hint: check the path and its permissions; relative paths start at the server's working directory "
            f"({Path.cwd()})",
        ]
    else:
        lines = [
            f"{type(error).__name__}: {error}",
            "hint: an unexpected failure inside cosyclone; the server's stderr has the details",
        ]
    text = "\n".join(lines)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[REDACTED]")
    return text


# ---------------------------------------------------------------------------------------------------- shaping


def _default_output_dir() -> Path:
    """The working directory, or ``$COSYCLONE_HOME/speech`` when it is not writable (hosts may start us in /)."""
    cwd = Path.cwd()
    if os.access(cwd, os.W_OK):
        return cwd
    from cosyclone._config import cosyclone_home

    return cosyclone_home() / "speech"


def _check_next_step(verdict: str, unusable: bool) -> str:
    if unusable:
        return "not usable audio: see the findings, then give a WAV (16-bit PCM), MP3 or M4A recording"
    if verdict == "fail":
        return (
            "fails a rule: `cosyclone check SAMPLE --fix OUT.wav` writes a repaired copy to check and clone; "
            "clone_voice(force=true) sends it anyway"
        )
    return "usable: clone it with clone_voice(sample=…, prefix=…)"


# ---------------------------------------------------------------------------------------------------- the server


_F = TypeVar("_F", bound=Callable[..., dict[str, Any]])


class _Tools:
    """The tool bodies, bound to one CLIState (its client, registry and evidence folder)."""

    def __init__(self, state: CLIState) -> None:
        self.state = state
        self.lock = threading.Lock()

    def secrets(self) -> tuple[str, ...]:
        return self.state.secrets

    def evidence(self, result: dict[str, Any], name: str, data: dict[str, Any]) -> None:
        """Write an evidence file; a failure to write it (say, a read-only working directory) does not fail the
        tool, whose work is done: it becomes a line in ``result["warnings"]``."""
        try:
            self.state.evidence().write_json(name, data)
        except (OSError, OutputPathError) as error:
            logger.warning("evidence %s not written: %s", name, error)
            result.setdefault("warnings", []).append(f"evidence {name} not written: {error}")

    def guarded(self, *, exclusive: bool) -> Callable[[_F], _F]:
        """Turn every exception into a ToolError with a readable text; optionally serialize the call."""

        def decorate(fn: _F) -> _F:
            @functools.wraps(fn)
            def wrapper(*args: Any, **kwargs: Any) -> dict[str, Any]:
                from mcp.server.mcpserver.exceptions import ToolError

                try:
                    if exclusive:
                        with self.lock:
                            return fn(*args, **kwargs)
                    return fn(*args, **kwargs)
                except Exception as error:
                    if not isinstance(error, (CosycloneError, OSError)):
                        logger.error("tool %s failed unexpectedly", fn.__name__, exc_info=True)
                    raise ToolError(describe_error(error, secrets=self.secrets())) from None

            return cast(_F, wrapper)

        return decorate


def build_server(state: CLIState) -> MCPServer[Any]:
    """The MCP server with cosyclone's tools, using ``state`` for the client, the registry and the evidence."""
    from mcp.server.mcpserver import MCPServer
    from mcp.types import ToolAnnotations

    tools = _Tools(state)
    server: MCPServer[Any] = MCPServer(
        name="cosyclone",
        title="cosyclone: CosyVoice voice cloning",
        version=__version__,
        instructions=INSTRUCTIONS,
        log_level="DEBUG" if state.verbose else "WARNING",
    )

    @tools.guarded(exclusive=False)
    def check_sample(
        sample: Annotated[
            str,
            Field(
                description=(
                    "An http(s) URL, or the path of a local audio file (absolute, or relative to the server's "
                    "working directory)."
                ),
                min_length=1,
            ),
        ],
    ) -> dict[str, Any]:
        """Check a voice sample against the CosyVoice clone rules before cloning it (no key, no quota).

        Rules: WAV (16-bit PCM), MP3 or M4A; at most 10 MB and 60 s; at least 16 kHz; at least 5 s of continuous
        speech; no pause longer than 2 s; speech on the first channel; plus quality (10-20 s recommended,
        clipping, noise, loudness). Returns {verdict: pass|warn|fail, usable, source, findings: [{level, code,
        measured, limit, unit, fixable, message}], info: {container, codec, sample_rate, channels, duration_s,
        …}, metrics, next_step}. A failing sample is a normal result (verdict "fail"), not a tool error.
        """
        from cosyclone.audio.preflight import check_sample as run_check

        report = run_check(sample)
        data = report.to_dict()
        data.pop("analysis", None)
        return {**data, "usable": not report.unusable, "next_step": _check_next_step(report.verdict, report.unusable)}

    @tools.guarded(exclusive=True)
    def clone_voice(
        sample: Annotated[
            str,
            Field(
                description=(
                    "The reference recording: the absolute path of a local audio file (uploaded for you to "
                    "temporary storage) or a public http(s)/oss:// URL. 10-20 s of one speaker works best; run "
                    "check_sample first."
                ),
                min_length=1,
            ),
        ],
        prefix: Annotated[
            str,
            Field(
                description=(
                    f"Name prefix of the voice: 1 to {PREFIX_MAX_LENGTH} letters or digits (no spaces, dashes or "
                    "underscores). It becomes part of the voice_id."
                ),
                json_schema_extra={"pattern": f"^[A-Za-z0-9]{{1,{PREFIX_MAX_LENGTH}}}$"},
            ),
        ],
        target_model: Annotated[
            TargetModel,
            Field(
                description=(
                    "The synthesis model the voice is for; synthesis must later use the same model. "
                    "cosyvoice-v3.5-plus/-flash exist only in the China mainland deployment (cn-beijing); in the "
                    "international one (ap-southeast-1) cosyvoice-v3-plus/-flash cannot clone."
                )
            ),
        ] = "cosyvoice-v3.5-plus",
        language_hint: Annotated[
            str | None,
            Field(description="Language of the speaker, e.g. zh or en (allowed values depend on target_model)."),
        ] = None,
        max_prompt_audio_length: Annotated[
            float | None,
            Field(
                description="Seconds of the sample the service uses, 3-30 (cosyvoice-v3.5-*, v3-flash only).",
                ge=3.0,
                le=30.0,
            ),
        ] = None,
        enable_preprocess: Annotated[
            bool | None,
            Field(description="Let the service denoise/normalise the sample (cosyvoice-v3.5-*, v3-flash only)."),
        ] = None,
        wait: Annotated[
            bool, Field(description="Wait until the voice is OK (true) or return at once while it is DEPLOYING.")
        ] = True,
        timeout_s: Annotated[
            float, Field(description="Seconds to wait for OK when wait is true.", ge=1.0, le=3600.0)
        ] = 300.0,
        force: Annotated[
            bool, Field(description="Send the sample even if it fails the local preflight check.")
        ] = False,
        new: Annotated[
            bool,
            Field(
                description=(
                    "Enroll again even if a voice was already cloned from these exact bytes for this model "
                    "(by default that voice is reused: enrollment costs quota)."
                )
            ),
        ] = False,
        skip_catalog_check: Annotated[
            bool,
            Field(
                description=(
                    "Send even if cosyclone's model/region catalog says the model cannot clone here (only when "
                    "the service is known to have changed)."
                )
            ),
        ] = False,
    ) -> dict[str, Any]:
        """Clone a voice from a sample and return its voice_id (at most once per sample, model and account).

        Checks the sample locally (refusing a failing one unless force=true), reuses a voice already cloned from
        the same bytes (unless new=true), uploads a local file, enrolls, waits until OK, records the voice in the
        registry and writes evidence (clone.json). Returns {ok, voice_id, status, target_model, prefix, region,
        request_id, reused, reconciled, sample_url, sample_sha256, preflight_verdict, notes, timings_s,
        next_step, warnings (only if evidence could not be written)}. Then call synthesize(voice=voice_id, …).
        """
        from cosyclone.enrollment import clone_voice as run_clone

        client = tools.state.client()
        try:
            outcome = run_clone(
                client,
                tools.state.registry(),
                sample=sample,
                prefix=prefix,
                target_model=target_model,
                language_hints=[language_hint] if language_hint else None,
                max_prompt_audio_length=max_prompt_audio_length,
                enable_preprocess=enable_preprocess,
                force=force,
                new=new,
                wait=wait,
                wait_timeout_s=timeout_s,
                skip_catalog_check=skip_catalog_check,
            )
        except SamplePreflightError as error:
            if error.report is not None:
                tools.evidence({}, "preflight.json", error.report.to_dict())
            raise
        summary: dict[str, Any] = {"ok": True, **outcome.to_dict(), "region": client.region}
        if outcome.preflight is not None:
            tools.evidence(summary, "preflight.json", outcome.preflight.to_dict())
        tools.evidence(summary, "clone.json", {**summary, "base_url": client.endpoints.http_base_url})
        summary["next_step"] = (
            f"synthesize(voice={outcome.voice_id!r}, text=…); the model follows the voice"
            if outcome.record.status == "OK"
            else f"get_voice(voice={outcome.voice_id!r}, wait=true) until its status is OK"
        )
        return summary

    @tools.guarded(exclusive=True)
    def list_voices(
        prefix: Annotated[
            str | None, Field(description="Only voices whose name prefix is this (letters and digits).")
        ] = None,
        local: Annotated[
            bool,
            Field(
                description=(
                    "List the local registry (voices cloned through cosyclone, with their sample hashes) instead "
                    "of asking the service."
                )
            ),
        ] = False,
    ) -> dict[str, Any]:
        """List cloned voices: every page from the service (default) or the local registry (local=true).

        Returns {count, voices: [{voice_id, status (OK | DEPLOYING | UNDEPLOYED), target_model, created_at, …}]}.
        """
        from cosyclone.registry.views import describe_voice

        registry = tools.state.registry()
        if local:
            rows: list[dict[str, Any]] = [r.to_dict() for r in registry.list(prefix=prefix)]
        else:
            client = tools.state.client()
            known = {r.voice_id: r for r in registry.list(account=client.account)}
            rows = [describe_voice(v, known.get(v.voice_id)) for v in client.voices.iter_all(prefix=prefix)]
        return {"count": len(rows), "voices": rows}

    @tools.guarded(exclusive=True)
    def get_voice(
        voice: Annotated[
            str,
            Field(
                description="A voice_id, or a prefix that names exactly one voice in the local registry.", min_length=1
            ),
        ],
        wait: Annotated[bool, Field(description="Wait until the voice is OK before answering.")] = False,
        timeout_s: Annotated[float, Field(description="Seconds to wait with wait=true.", ge=1.0, le=3600.0)] = 300.0,
    ) -> dict[str, Any]:
        """Show one voice as the service reports it: {voice_id, status, target_model, resource_link, created_at,
        modified_at, request_id, registry?}. With wait=true, polls until the status is OK (fails if UNDEPLOYED)."""
        from cosyclone.cli.voices import resolve_voice
        from cosyclone.registry.views import describe_voice

        voice_id = resolve_voice(tools.state, voice)
        client = tools.state.client()
        found = client.voices.wait_until_ready(voice_id, timeout=timeout_s) if wait else client.voices.get(voice_id)
        registry = tools.state.registry()
        if registry.get(voice_id) is not None:
            registry.set_status(voice_id, found.status)
        return describe_voice(found, registry.get(voice_id))

    @tools.guarded(exclusive=True)
    def delete_voice(
        voice: Annotated[
            str, Field(description="The voice_id (or a registry prefix naming one voice) to delete.", min_length=1)
        ],
        confirm: Annotated[
            bool,
            Field(
                description=(
                    "Must be true: deleting cannot be undone, and anything still using the voice_id stops working."
                )
            ),
        ],
    ) -> dict[str, Any]:
        """Delete a cloned voice on the service (frees quota) and mark it deleted in the local registry.

        Needs confirm=true. Returns {ok, voice_id, request_id}.
        """
        from cosyclone._exceptions import NotFoundError
        from cosyclone.cli.voices import resolve_voice

        if not confirm:
            raise InvalidRequestError(
                [Problem("confirm", confirm, "must be true to delete a voice")],
                hint="call delete_voice again with confirm=true",
            )
        voice_id = resolve_voice(tools.state, voice)
        registry = tools.state.registry()
        try:
            request_id = tools.state.client().voices.delete(voice_id)
        except NotFoundError:
            registry.mark_deleted(voice_id)
            raise
        registry.mark_deleted(voice_id)
        result: dict[str, Any] = {"ok": True, "voice_id": voice_id, "request_id": request_id}
        tools.evidence(result, "delete.json", {"voice_id": voice_id, "request_id": request_id})
        return result

    @tools.guarded(exclusive=True)
    def synthesize(
        text: Annotated[str, Field(description="What to say (long texts are split into sentences).", min_length=1)],
        voice: Annotated[
            str,
            Field(
                description=(
                    "A cloned voice_id (from clone_voice or list_voices), a registry prefix naming one voice, or a "
                    "system voice name (then `model` is required)."
                ),
                min_length=1,
            ),
        ],
        output_path: Annotated[
            str | None,
            Field(
                description=(
                    "Audio file to write (relative to the server's working directory; overwritten if it exists). "
                    "Default: speech-<UTC time>-<random>.<format> in the working directory (or in "
                    "$COSYCLONE_HOME/speech when that is not writable). Prefer an absolute path."
                )
            ),
        ] = None,
        model: Annotated[
            TargetModel | None,
            Field(description="Synthesis model. Leave empty: it follows the voice's target_model (must match)."),
        ] = None,
        format: Annotated[
            AudioFormat | None,
            Field(description="Audio format. Default: from output_path's extension, else mp3."),
        ] = None,
        sample_rate: Annotated[SampleRate | None, Field(description="Sample rate in Hz. Default: 22050.")] = None,
        volume: Annotated[int | None, Field(description="Volume 0-100 (default 50).", ge=0, le=100)] = None,
        rate: Annotated[float | None, Field(description="Speed 0.5-2.0 (default 1.0).", ge=0.5, le=2.0)] = None,
        pitch: Annotated[float | None, Field(description="Pitch 0.5-2.0 (default 1.0).", ge=0.5, le=2.0)] = None,
        instruction: Annotated[
            str | None, Field(description="Style instruction, e.g. 'speak slowly' (cosyvoice-v3.5-*, v3-flash).")
        ] = None,
        language_hint: Annotated[str | None, Field(description="Language of the text, e.g. zh or en.")] = None,
        seed: Annotated[int | None, Field(description="0-65535, for repeatable output.", ge=0, le=65535)] = None,
    ) -> dict[str, Any]:
        """Speak a text with a voice into an audio file; the audio itself is not returned inline.

        Returns {ok, file (absolute path), bytes, characters (billed), model, voice, format, sample_rate,
        request_id, request_ids, sentences, first_audio_s, elapsed_s} and writes evidence (speak.json).
        """
        from cosyclone.cli.voices import resolve_voice

        state = tools.state
        audio_format: str | None = format
        if output_path is None:
            stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            target = _default_output_dir() / f"speech-{stamp}-{_random.token_hex(3)}.{audio_format or 'mp3'}"
        else:
            target = Path(output_path).expanduser()
            if audio_format is None:
                from cosyclone.client.speech import format_for_path

                audio_format = format_for_path(target)
        voice_id = resolve_voice(state, voice, system_voice_ok=True)
        client = state.client()
        result = client.speech.to_file(
            text,
            target,
            voice=voice_id,
            model=model,
            format=audio_format,
            sample_rate=sample_rate,
            volume=volume,
            rate=rate,
            pitch=pitch,
            instruction=instruction,
            language_hints=[language_hint] if language_hint else None,
            seed=seed,
        )
        written = (result.path or target).resolve()
        summary: dict[str, Any] = {
            "ok": True,
            "file": str(written),
            "bytes": result.bytes_written,
            "characters": result.characters,
            "model": result.model,
            "voice": voice_id,
            "format": result.format,
            "sample_rate": result.sample_rate,
            "request_id": result.request_id,
            "request_ids": result.request_ids,
            "sentences": len(result.sentences),
            "first_audio_s": round(result.first_audio_s or 0.0, 4),
            "elapsed_s": round(result.elapsed_s, 4),
        }
        tools.evidence(summary, "speak.json", dict(summary))
        return summary

    read_only = ToolAnnotations(read_only_hint=True, open_world_hint=True)
    server.add_tool(check_sample, title="Check a voice sample", annotations=read_only)
    server.add_tool(
        clone_voice,
        title="Clone a voice",
        annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True),
    )
    server.add_tool(list_voices, title="List cloned voices", annotations=read_only)
    server.add_tool(get_voice, title="Show one voice", annotations=read_only)
    server.add_tool(
        delete_voice,
        title="Delete a voice",
        annotations=ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True),
    )
    server.add_tool(
        synthesize,
        title="Speak with a voice",
        annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False),
    )
    return server


def serve(state: CLIState) -> None:
    """Serve the tools over stdio until the client closes the connection."""
    build_server(state).run("stdio")
