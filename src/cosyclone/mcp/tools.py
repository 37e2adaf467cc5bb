"""The MCP tools: each built by its own small function (``_clone_voice_tool`` …) around a :class:`ToolGuard` and
listed in :data:`TOOLS`. Each parses its arguments, calls :mod:`cosyclone.ops` and shapes a JSON object; the rules
live in the library. The synthesis parameters of ``synthesize`` and the clone options of ``clone_voice`` are added
from their declarations (:mod:`cosyclone.schema.synthesis_params`, :mod:`cosyclone.schema.clone_options`).
``design_voice`` is built in :mod:`cosyclone.mcp.design_tool` (its options declared in
:class:`cosyclone.schema.design.DesignOptions`) and listed here with the others.

Who may import it: :mod:`cosyclone.mcp.server`.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

from pydantic import Field

from cosyclone._exceptions import CosycloneError, InvalidRequestError, Problem
from cosyclone.mcp.arguments import (
    Confirm,
    ConfirmSpend,
    ConsentRecording,
    ConsentText,
    Force,
    KeepLosers,
    LocalOnly,
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
from cosyclone.mcp.design_tool import DESIGN_TOOL_HINTS, design_voice_tool
from cosyclone.mcp.errors import describe_error
from cosyclone.ops import voices as voice_ops
from cosyclone.schema.clone import DEFAULT_TARGET_MODEL
from cosyclone.schema.clone_options import clone_options
from cosyclone.schema.synthesis_params import synthesis_params

if TYPE_CHECKING:
    from cosyclone.ops.session import Session

logger = logging.getLogger("cosyclone.mcp")

# ---------------------------------------------------------------------------------------------------- the tools


_F = TypeVar("_F", bound=Callable[..., dict[str, Any]])


class ToolGuard:
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


def _check_sample_tool(guard: ToolGuard) -> Callable[..., dict[str, Any]]:
    @guard.guarded(exclusive=False)
    def check_sample(sample: SampleToCheck) -> dict[str, Any]:
        """Check a voice sample against the CosyVoice clone rules before cloning it (no key, no quota).

        Rules: WAV (16-bit PCM), MP3 or M4A; at most 10 MB and 60 s; at least 16 kHz; at least 5 s of continuous
        speech; no pause longer than 2 s; speech on the first channel; plus quality (10-20 s recommended,
        clipping, noise, loudness). Returns {verdict: pass|warn|fail, usable, source, findings: [{level, code,
        measured, limit, unit, fixable, message}], info: {container, codec, sample_rate, channels, duration_s,
        …}, metrics, next_step}. A failing sample is a normal result (verdict "fail"), not a tool error.
        """
        from cosyclone.ops.check import CheckOptions, check, next_step

        result = check(CheckOptions(sample))
        data = result.to_dict()
        data.pop("analysis", None)
        return {**data, "usable": result.usable, "next_step": next_step(result.report)}

    return check_sample


#: The clone_voice tool's own arguments; the clone options are added from their declaration.
CLONE_ARGUMENTS = ("sample", "prefix", "target_model", "force", "new", "skip_catalog_check", "consent", "consent_text")


def _clone_voice_tool(guard: ToolGuard) -> Callable[..., dict[str, Any]]:
    @guard.guarded(exclusive=True)
    def clone_voice(
        sample: SampleToClone,
        prefix: PrefixArg,
        target_model: TargetModelArg = cast("TargetModelName", DEFAULT_TARGET_MODEL),
        force: Force = False,
        new: New = False,
        skip_catalog_check: SkipCatalogCheck = False,
        consent: ConsentRecording = None,
        consent_text: ConsentText = None,
        **options: Any,
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
        from cosyclone.ops.clone import clone_parsed

        values = {spec.name: options.get(spec.mcp_name) for spec in clone_options()}
        if values["language_hints"] is not None:
            values["language_hints"] = [values["language_hints"]]
        own = {"prefix": prefix, "target_model": target_model, "force": force, "new": new}
        own |= {"skip_catalog_check": skip_catalog_check, "consent": consent, "consent_text": consent_text}
        cloned = clone_parsed(guard.session, sample, {**values, **own})
        voice_id = cloned.outcome.voice_id
        cloned.summary["next_step"] = (
            f"synthesize(voice={voice_id!r}, text=…); the model follows the voice"
            if cloned.outcome.record.status == "OK"
            else f"get_voice(voice={voice_id!r}, wait=true) until its status is OK"
        )
        return cloned.summary

    return _with_declared(clone_voice, [s.mcp_name for s in clone_options() if s.mcp_name not in CLONE_ARGUMENTS])


def _list_voices_tool(guard: ToolGuard) -> Callable[..., dict[str, Any]]:
    @guard.guarded(exclusive=True)
    def list_voices(prefix: PrefixFilter = None, local: LocalOnly = False) -> dict[str, Any]:
        """List cloned voices: every page from the service (default) or the local registry (local=true).

        Returns {count, voices: [{voice_id, status (OK | DEPLOYING | UNDEPLOYED), target_model, created_at, …}]}.
        """
        rows = voice_ops.list_voices(guard.session, prefix=prefix, local=local)
        return {"count": len(rows), "voices": rows}

    return list_voices


def _get_voice_tool(guard: ToolGuard) -> Callable[..., dict[str, Any]]:
    @guard.guarded(exclusive=True)
    def get_voice(voice: VoiceName, wait: WaitBeforeAnswer = False, timeout_s: ShowTimeout = 300.0) -> dict[str, Any]:
        """Show one voice as the service reports it: {voice_id, status, target_model, resource_link, created_at,
        modified_at, request_id, registry?}. With wait=true, polls until the status is OK (fails if UNDEPLOYED)."""
        return voice_ops.show_voice(guard.session, voice, wait=wait, timeout_s=timeout_s)

    return get_voice


def _delete_voice_tool(guard: ToolGuard) -> Callable[..., dict[str, Any]]:
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


def _update_voice_tool(guard: ToolGuard) -> Callable[..., dict[str, Any]]:
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
SPEAK_ARGUMENTS = ("text", "voice", "output_path", "model", "overwrite", "language_hint")


def _synthesize_tool(guard: ToolGuard) -> Callable[..., dict[str, Any]]:
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

    return _with_declared(synthesize, [spec.name for spec in synthesis_params()])


def _with_declared(tool: Callable[..., dict[str, Any]], names: list[str]) -> Callable[..., dict[str, Any]]:
    """``tool`` with one keyword parameter per declared option ``names`` (default None) in place of
    ``**options``; the types and bounds the host sees come from :func:`_input_schema` (the declarations), the
    checks from the library (which refuses a bad value naming the field)."""
    signature = inspect.signature(tool, eval_str=True)
    own = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    declared = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Any) for name in names]
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
    """The body of ``synthesize``: :func:`cosyclone.ops.speak.speak`, the file shown as an absolute path."""
    from cosyclone.ops.speak import SpeakOptions, speak, writable_folder

    spoken = speak(
        session,
        SpeakOptions(
            text,
            voice,
            Path(output_path).expanduser() if output_path is not None else None,
            model=model,
            overwrite=overwrite,
            overwrite_flag="overwrite=true",
            synthesis=options,
            default_dir=writable_folder(),
        ),
        absolute_path=True,
    )
    return spoken.summary


def _score_voice_tool(guard: ToolGuard) -> Callable[..., dict[str, Any]]:
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
        similarity: {score, band, …}, intelligibility: {word_error_rate (English) or character_error_rate (Chinese),
        skipped}, sanity: {findings, …}, notes,
        cost, plot?}. Bands: same speaker >= 0.80 > inconclusive > 0.76 >= different. "not judged" means the
        speech cannot be judged for resemblance (e.g. the emulator's formant engine): see notes. The score is
        stored with the voice (get_voice shows it). Use it after clone_voice, before relying on a voice.
        """
        from cosyclone.ops.score import ScoreOptions, score

        options = ScoreOptions(voice=voice, sample=sample, language=language, plot_path=plot_path)
        return score(guard.session, options).payload

    return score_voice


def _compare_models_tool(guard: ToolGuard) -> Callable[..., dict[str, Any]]:
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


# ---------------------------------------------------------------------------------------------------- the list

_READ_ONLY = {"read_only_hint": True, "open_world_hint": True}


def _changes(*, destructive: bool, idempotent: bool) -> dict[str, bool]:
    """The annotations of a tool that changes something: whether it can destroy and whether a repeat is harmless."""
    return {"read_only_hint": False, "destructive_hint": destructive, "idempotent_hint": idempotent}


#: Every tool: its factory, title and annotations, in the order the server lists them.
TOOLS: tuple[tuple[Callable[[ToolGuard], Callable[..., dict[str, Any]]], str, dict[str, bool]], ...] = (
    (_check_sample_tool, "Check a voice sample", _READ_ONLY),
    (_clone_voice_tool, "Clone a voice", _changes(destructive=False, idempotent=True)),
    (design_voice_tool, "Design a voice from a description", DESIGN_TOOL_HINTS),
    (_list_voices_tool, "List cloned voices", _READ_ONLY),
    (_get_voice_tool, "Show one voice", _READ_ONLY),
    (_update_voice_tool, "Re-enroll a voice from a new sample", _changes(destructive=True, idempotent=False)),
    (_delete_voice_tool, "Delete a voice", _changes(destructive=True, idempotent=True)),
    (_synthesize_tool, "Speak with a voice", _changes(destructive=False, idempotent=False)),
    (_score_voice_tool, "Score a cloned voice", _changes(destructive=False, idempotent=True)),
    (_compare_models_tool, "Compare target models for a sample", _changes(destructive=True, idempotent=False)),
)
