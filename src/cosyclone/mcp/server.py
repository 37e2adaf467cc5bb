"""The cosyclone MCP server: check a sample, clone a voice, keep track of voices and speak with them — as tools.

Started by ``cosyclone mcp`` (stdio). Thin like the CLI: every tool parses its arguments, calls the library
(:func:`cosyclone.audio.preflight.check_sample`, :mod:`cosyclone.ops.clone`, :mod:`cosyclone.ops.voices`,
:mod:`cosyclone.ops.speak`) and shapes the result as a JSON object; the rules live in the library. The client,
the registry, the evidence folder and ``--emulator`` come from a :class:`cosyclone.ops.session.Session` (the one the
CLI built from its global options), so ``cosyclone --emulator mcp`` serves against the embedded emulator and
``cosyclone --region … mcp`` against the service. It never imports the CLI.

Tools: ``check_sample``, ``clone_voice``, ``list_voices``, ``get_voice``, ``update_voice``, ``delete_voice``,
``synthesize``, ``score_voice`` and ``compare_models`` (:mod:`cosyclone.ops.score`,
:mod:`cosyclone.ops.compare`). Every tool refuses an
argument it does not know (its input schema says ``additionalProperties: false``), naming the argument and the
ones it takes: a misspelt option is never silently dropped. The synthesis
parameters of ``synthesize`` come from their one declaration (:mod:`cosyclone.schema.synthesis_params`).

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

Each tool is built by its own small function (``_clone_voice_tool`` …) and listed in ``_TOOLS``.

Who may import it: ``cosyclone.cli.mcp`` (and tests).
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import logging
import os
import secrets as _random
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast, get_args

from pydantic import Field

from cosyclone._exceptions import CosycloneError, InvalidRequestError, Problem, ResultNotWrittenError
from cosyclone._version import __version__
from cosyclone.mcp.arguments import (
    CloneLanguageHint,
    CloneTimeout,
    Confirm,
    ConfirmSpend,
    ConsentRecording,
    ConsentText,
    EnablePreprocess,
    Force,
    KeepLosers,
    LocalOnly,
    MaxPromptAudioLength,
    New,
    NewSample,
    Overwrite,
    PlotPath,
    PrefixArg,
    PrefixFilter,
    ProbeLanguage,
    ReferenceSample,
    SampleToCheck,
    SampleToClone,
    SampleToCompare,
    ShowTimeout,
    SkipCatalogCheck,
    TargetModelArg,
    TargetModelName,
    TargetModels,
    VoiceName,
    VoiceToDelete,
    VoiceToScore,
    VoiceToUpdate,
    WaitBeforeAnswer,
    WaitForOK,
)
from cosyclone.mcp.errors import describe_error
from cosyclone.ops import voices as voice_ops
from cosyclone.schema.clone import DEFAULT_TARGET_MODEL
from cosyclone.schema.synthesis_params import AUDIO_FORMATS, SAMPLE_RATES, mcp_synthesis_input_schema, synthesis_params

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from cosyclone.ops.session import Session

__all__ = ["AUDIO_FORMATS", "SAMPLE_RATES", "TARGET_MODELS", "build_server", "describe_error", "serve"]

logger = logging.getLogger("cosyclone.mcp")

# The model enum of the input schemas (in mcp_arguments; a test checks it against cosyclone.catalog). The audio
# formats and sample rates are the declaration's (schema/synthesis_params.py), re-exported for the same test.
TARGET_MODELS: tuple[str, ...] = get_args(TargetModelName)


INSTRUCTIONS = """\
cosyclone clones a voice with Alibaba Cloud Model Studio CosyVoice and speaks with it.

Workflow: check_sample (10-20 s of one speaker, no long pauses) -> clone_voice (returns a voice_id, waits until \
it is OK) -> synthesize (text + voice_id -> an audio file). list_voices / get_voice / update_voice / delete_voice \
keep track. score_voice tells whether a clone sounds like its sample (verdict, similarity, word error rate); \
compare_models clones one sample into several models and ranks them (it returns the plan and spends nothing \
until confirm=true). Every tool refuses an argument it does not know.

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


# ---------------------------------------------------------------------------------------------------- the tools


_F = TypeVar("_F", bound=Callable[..., dict[str, Any]])


class _ToolGuard:
    """What every tool shares: the session (client, registry, evidence) and the lock that serializes its use."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.lock = threading.Lock()

    def _log_unexpected(self, tool: str, error: Exception) -> None:
        """One line on stderr and the stack in the error log (on stderr too with --verbose)."""
        from cosyclone.ops.session_log import write_error_log

        where, details = write_error_log(error, secrets=self.session.secrets)
        logger.error("tool %s failed unexpectedly: %s: %s (details in %s)", tool, type(error).__name__, error, where)
        if self.session.verbose:
            logger.error("%s", details)

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
                        self._log_unexpected(fn.__name__, error)
                    raise ToolError(describe_error(error, secrets=self.session.secrets)) from None

            return cast(_F, wrapper)

        return decorate


def _check_sample_tool(guard: _ToolGuard) -> Callable[..., dict[str, Any]]:
    @guard.guarded(exclusive=False)
    def check_sample(sample: SampleToCheck) -> dict[str, Any]:
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

    return check_sample


def _clone_voice_tool(guard: _ToolGuard) -> Callable[..., dict[str, Any]]:
    @guard.guarded(exclusive=True)
    def clone_voice(
        sample: SampleToClone,
        prefix: PrefixArg,
        target_model: TargetModelArg = cast("TargetModelName", DEFAULT_TARGET_MODEL),
        language_hint: CloneLanguageHint = None,
        max_prompt_audio_length: MaxPromptAudioLength = None,
        enable_preprocess: EnablePreprocess = None,
        wait: WaitForOK = True,
        timeout_s: CloneTimeout = 300.0,
        force: Force = False,
        new: New = False,
        skip_catalog_check: SkipCatalogCheck = False,
        consent: ConsentRecording = None,
        consent_text: ConsentText = None,
    ) -> dict[str, Any]:
        """Clone a voice from a sample and return its voice_id (at most once per sample, model and account).

        Checks the sample locally (refusing a failing one unless force=true), reuses a voice already cloned from
        the same bytes (unless new=true), uploads a local file, enrolls, waits until OK, records the voice in the
        registry and writes evidence (clone.json). Returns {ok, voice_id, status, target_model, prefix, region,
        request_id, reused, reconciled, sample_url, sample_sha256, preflight_verdict, notes, timings_s,
        next_step, warnings (only if evidence could not be written), consent (with a consent recording: verified,
        text, speaker_similarity, sha256, at)}. A consent that is not verified is refused ("consent refused: …")
        and nothing is sent. Then call synthesize(voice=voice_id, …).
        """
        from cosyclone.ops.clone import clone_with_evidence

        cloned = clone_with_evidence(
            guard.session,
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
            consent=consent,
            consent_text=consent_text,
        )
        voice_id = cloned.outcome.voice_id
        cloned.summary["next_step"] = (
            f"synthesize(voice={voice_id!r}, text=…); the model follows the voice"
            if cloned.outcome.record.status == "OK"
            else f"get_voice(voice={voice_id!r}, wait=true) until its status is OK"
        )
        return cloned.summary

    return clone_voice


def _list_voices_tool(guard: _ToolGuard) -> Callable[..., dict[str, Any]]:
    @guard.guarded(exclusive=True)
    def list_voices(prefix: PrefixFilter = None, local: LocalOnly = False) -> dict[str, Any]:
        """List cloned voices: every page from the service (default) or the local registry (local=true).

        Returns {count, voices: [{voice_id, status (OK | DEPLOYING | UNDEPLOYED), target_model, created_at, …}]}.
        """
        rows = voice_ops.list_voices(guard.session, prefix=prefix, local=local)
        return {"count": len(rows), "voices": rows}

    return list_voices


def _get_voice_tool(guard: _ToolGuard) -> Callable[..., dict[str, Any]]:
    @guard.guarded(exclusive=True)
    def get_voice(voice: VoiceName, wait: WaitBeforeAnswer = False, timeout_s: ShowTimeout = 300.0) -> dict[str, Any]:
        """Show one voice as the service reports it: {voice_id, status, target_model, resource_link, created_at,
        modified_at, request_id, registry?}. With wait=true, polls until the status is OK (fails if UNDEPLOYED)."""
        return voice_ops.show_voice(guard.session, voice, wait=wait, timeout_s=timeout_s)

    return get_voice


def _delete_voice_tool(guard: _ToolGuard) -> Callable[..., dict[str, Any]]:
    @guard.guarded(exclusive=True)
    def delete_voice(voice: VoiceToDelete, confirm: Confirm) -> dict[str, Any]:
        """Delete a cloned voice on the service (frees quota) and mark it deleted in the local registry.

        Needs confirm=true. Returns {ok, voice_id, request_id}.
        """
        if not confirm:
            raise InvalidRequestError(
                [Problem("confirm", confirm, "must be true to delete a voice")],
                hint="call delete_voice again with confirm=true",
            )
        return voice_ops.delete_voice(guard.session, voice_ops.resolve_voice(guard.session, voice))

    return delete_voice


def _update_voice_tool(guard: _ToolGuard) -> Callable[..., dict[str, Any]]:
    @guard.guarded(exclusive=True)
    def update_voice(
        voice: VoiceToUpdate, sample: NewSample, force: Force = False, wait: WaitForOK = True
    ) -> dict[str, Any]:
        """Re-enroll a cloned voice from a new sample; its voice_id stays the same.

        A local sample is checked first (refused with the rules it breaks unless force=true). Waits until the voice
        is OK again unless wait=false. Returns {ok, voice_id, request_id, status} and writes evidence (update.json).
        """
        return voice_ops.update_voice(guard.session, voice, sample, force=force, wait=wait)

    return update_voice


#: The synthesize tool's own arguments; the synthesis parameters are added from their declaration.
_SPEAK_ARGUMENTS = ("text", "voice", "output_path", "model", "overwrite", "language_hint")


def _synthesize_tool(guard: _ToolGuard) -> Callable[..., dict[str, Any]]:
    @guard.guarded(exclusive=True)
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
                    "Audio file to write (relative to the server's working directory; an existing file is kept "
                    "unless overwrite=true). Its extension names the format. Default: speech-<UTC time>-<random>."
                    "<format> in the working directory (or in $COSYCLONE_HOME/speech when that is not writable). "
                    "Prefer an absolute path."
                )
            ),
        ] = None,
        model: Annotated[
            TargetModelName | None,
            Field(description="Synthesis model. Leave empty: it follows the voice's target_model (must match)."),
        ] = None,
        overwrite: Overwrite = False,
        language_hint: Annotated[
            str | None, Field(description="Language of the text, e.g. zh or en (same as language_hints=[…]).")
        ] = None,
        **options: Any,
    ) -> dict[str, Any]:
        """Speak a text with a voice into an audio file; the audio itself is not returned inline.

        Returns {ok, file (absolute path), bytes, characters (billed), model, voice, format, sample_rate,
        request_id, request_ids, sentences, first_audio_s, elapsed_s} and writes evidence (speak.json).
        """
        if language_hint is not None:
            if options.get("language_hints") not in (None, [language_hint]):
                raise InvalidRequestError(
                    [Problem("language_hint", language_hint, "contradicts language_hints: give one of them")]
                )
            options["language_hints"] = [language_hint]
        return _speak_to_file(guard.session, text, voice, output_path, model, overwrite, options)

    return _with_declared_parameters(synthesize)


def _with_declared_parameters(tool: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """``tool`` with one keyword parameter per declared synthesis parameter (default None) in place of
    ``**options``; the types and bounds the host sees come from :func:`_input_schema`, the checks from the
    client (which refuses a bad value naming the field)."""
    signature = inspect.signature(tool, eval_str=True)
    own = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    declared = [
        inspect.Parameter(spec.name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Any)
        for spec in synthesis_params()
    ]
    tool.__signature__ = signature.replace(parameters=[*own, *declared])  # type: ignore[attr-defined]
    return tool


def _speak_to_file(
    session: Session,
    text: str,
    voice: str,
    output_path: str | None,
    model: str | None,
    overwrite: bool,
    options: dict[str, Any],
) -> dict[str, Any]:
    """The body of ``synthesize``: where the file goes (and its format), the voice, the call, the summary."""
    from cosyclone.ops import speak as speech_ops

    options = {k: v for k, v in options.items() if v is not None}
    if output_path is None:
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        audio_format = options.get("format") or "mp3"
        target = _default_output_dir() / f"speech-{stamp}-{_random.token_hex(3)}.{audio_format}"
    else:
        target = Path(output_path).expanduser()
        options["format"] = speech_ops.output_format(target, options.get("format"))
        speech_ops.check_new_file(target, overwrite=overwrite, flag="overwrite=true")
    speech_ops.check_outputs_before_sending(session, target, evidence=("speak.json",))
    voice_id = voice_ops.resolve_voice(session, voice, system_voice_ok=True)
    try:
        result = session.client().speech.to_file(text, target, voice=voice_id, model=model, **options)
    except ResultNotWrittenError as error:  # billed, not written (disk full): keep the audio, say where
        speech_ops.keep_rescued_audio(error, target.name)
        raise
    return speech_ops.record_speech(session, result, voice_id=voice_id, file=(result.path or target).resolve())


def _score_voice_tool(guard: _ToolGuard) -> Callable[..., dict[str, Any]]:
    @guard.guarded(exclusive=True)
    def score_voice(
        voice: VoiceToScore,
        sample: ReferenceSample = None,
        language: ProbeLanguage = None,
        plot_path: PlotPath = None,
    ) -> dict[str, Any]:
        """Is the clone any good? Score a cloned voice against the sample it was cloned from.

        Costs one synthesis of three probe sentences (~190 characters) and about 2 s of local CPU. Returns
        {voice_id, target_model, verdict ("same speaker" | "inconclusive" | "different" | "not judged"),
        similarity: {score, band, …}, intelligibility: {word_error_rate, skipped}, sanity: {findings, …}, notes,
        cost, plot?}. Bands: same speaker >= 0.80 > inconclusive > 0.76 >= different. "not judged" means the
        speech cannot be judged for resemblance (e.g. the emulator's formant engine): see notes. The score is
        stored with the voice (get_voice shows it). Use it after clone_voice, before relying on a voice.
        """
        from cosyclone.ops.score import ScoreOptions, score

        options = ScoreOptions(voice=voice, sample=sample, language=language, plot_path=plot_path)
        return score(guard.session, options).payload

    return score_voice


def _compare_models_tool(guard: _ToolGuard) -> Callable[..., dict[str, Any]]:
    @guard.guarded(exclusive=True)
    def compare_models(
        sample: SampleToCompare,
        target_models: TargetModels = None,
        confirm: ConfirmSpend = False,
        keep: KeepLosers = False,
        language: ProbeLanguage = None,
    ) -> dict[str, Any]:
        """Which model clones this voice best? Clone one sample into each model, score each voice, rank them.

        Without confirm=true it spends nothing and returns {confirmed: false, plan: {models, reuse, enrollments,
        preflight_verdict, notes}, next}: show the plan (enrollments cost quota) before confirming. With
        confirm=true (or when nothing needs enrolling) it clones, scores and returns {confirmed: true, plan,
        ranking: [{rank, target_model, voice_id, verdict, similarity, word_error_rate, sanity, …}], best,
        recommendation, deleted, judged, notes}; the voices it made that lost are deleted unless keep=true.
        Calling it again after an interruption resumes.
        """
        from cosyclone.ops.compare import CompareOptions, compare

        options = CompareOptions(
            sample=sample, target_models=list(target_models) if target_models else None, keep=keep, language=language
        )
        result = compare(guard.session, options, confirm=lambda plan: confirm or not plan.enrollments)
        data = result.to_dict()
        if not result.confirmed:
            data["next"] = "call again with confirm=true to spend them"
        return data

    return compare_models


# ---------------------------------------------------------------------------------------------------- the server

_READ_ONLY = {"read_only_hint": True, "open_world_hint": True}
#: Every tool: its factory, title and annotations, in the order the server lists them.
_TOOLS: tuple[tuple[Callable[[_ToolGuard], Callable[..., dict[str, Any]]], str, dict[str, bool]], ...] = (
    (_check_sample_tool, "Check a voice sample", _READ_ONLY),
    (
        _clone_voice_tool,
        "Clone a voice",
        {"read_only_hint": False, "destructive_hint": False, "idempotent_hint": True},
    ),
    (_list_voices_tool, "List cloned voices", _READ_ONLY),
    (_get_voice_tool, "Show one voice", _READ_ONLY),
    (
        _update_voice_tool,
        "Re-enroll a voice from a new sample",
        {"read_only_hint": False, "destructive_hint": True, "idempotent_hint": False},
    ),
    (
        _delete_voice_tool,
        "Delete a voice",
        {"read_only_hint": False, "destructive_hint": True, "idempotent_hint": True},
    ),
    (
        _synthesize_tool,
        "Speak with a voice",
        {"read_only_hint": False, "destructive_hint": False, "idempotent_hint": False},
    ),
    (
        _score_voice_tool,
        "Score a cloned voice",
        {"read_only_hint": False, "destructive_hint": False, "idempotent_hint": True},
    ),
    (
        _compare_models_tool,
        "Compare target models for a sample",
        {"read_only_hint": False, "destructive_hint": True, "idempotent_hint": False},
    ),
)


def _input_schema(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A tool's published input schema: closed (``additionalProperties: false``); for ``synthesize`` the synthesis
    parameters as their declaration states them (:func:`mcp_synthesis_input_schema`)."""
    schema = {**schema, "additionalProperties": False}
    if name == "synthesize":
        own = {k: v for k, v in schema["properties"].items() if k in _SPEAK_ARGUMENTS}
        schema["properties"] = {**own, **mcp_synthesis_input_schema()["properties"]}
    return schema


def _unknown_arguments(tool: str, arguments: dict[str, Any], known: set[str]) -> InvalidRequestError | None:
    unknown = sorted(set(arguments) - known)
    if not unknown:
        return None
    takes = ", ".join(sorted(known))
    problems = [Problem(name, arguments[name], f"is not an argument of {tool}") for name in unknown]
    return InvalidRequestError(problems, hint=f"{tool} takes: {takes}")


def _badly_typed_arguments(tool: str, registered: Any, arguments: dict[str, Any]) -> InvalidRequestError | None:
    """Arguments of the wrong type or missing, in the CLI's words (field, value, rule, what to do) rather than
    pydantic's raw report: checked with the tool's own argument model before the SDK does it."""
    from pydantic import ValidationError

    from cosyclone.voice_clone import problems_from_validation_error

    metadata = getattr(registered, "fn_metadata", None)
    if metadata is None:
        return None
    try:
        metadata.arg_model.model_validate(metadata.pre_parse_json(arguments))
    except ValidationError as error:
        problems = problems_from_validation_error(error)
        return InvalidRequestError(problems, hint=f"fix the named argument(s) of {tool}: see the tool's input schema")
    return None


def _strict_server_class() -> type[MCPServer[Any]]:
    """MCPServer whose tools refuse arguments they do not declare, and publish :func:`_input_schema`."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    class StrictServer(MCPServer[Any]):
        async def list_tools(self) -> list[Any]:
            tools = await super().list_tools()
            for tool in tools:
                tool.input_schema = _input_schema(tool.name, tool.input_schema)
            return tools

        async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
            known = {t.name: set(t.input_schema.get("properties", {})) for t in await super().list_tools()}
            refused = _unknown_arguments(name, arguments, known[name]) if name in known else None
            if refused is None and name in known:
                refused = _badly_typed_arguments(name, self._tool_manager.get_tool(name), arguments)
            if refused is not None:
                raise ToolError(f"Error executing tool {name}: {describe_error(refused)}")
            return await super().call_tool(name, arguments, context)

    return StrictServer


def build_server(session: Session) -> MCPServer[Any]:
    """The MCP server with cosyclone's tools, using ``session`` for the client, the registry and the evidence.

    A tool's work is done once it returns, so evidence it cannot write becomes a warning in its result.
    """
    from mcp.types import ToolAnnotations

    session.evidence_failures_are_warnings = True
    server: MCPServer[Any] = _strict_server_class()(
        name="cosyclone",
        title="cosyclone: CosyVoice voice cloning",
        version=__version__,
        instructions=INSTRUCTIONS,
        log_level="DEBUG" if session.verbose else "WARNING",
    )
    guard = _ToolGuard(session)
    for factory, title, hints in _TOOLS:
        server.add_tool(factory(guard), title=title, annotations=ToolAnnotations(**hints))
    return server


def serve(session: Session) -> None:
    """Serve the tools over stdio until the client closes the connection."""
    build_server(session).run("stdio")
