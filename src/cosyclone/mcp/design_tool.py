"""The MCP tool ``design_voice``: a voice from a description (contract §11.1), with the options of
``cosyclone design`` (declared once in :class:`cosyclone.schema.design.DesignOptions`).

Who may import it: :mod:`cosyclone.mcp.tools`, which lists :func:`design_voice_tool` in its ``TOOLS``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol, TypeVar

from pydantic import Field

from cosyclone.schema.design import (
    DEFAULT_DESIGN_TARGET_MODEL,
    MAX_PREVIEW_TEXT_CHARS,
    MAX_VOICE_PROMPT_CHARS,
    DesignOptions,
    DesignTargetModel,
)

if TYPE_CHECKING:
    from cosyclone.ops.session import Session

__all__ = ["DESIGN_TOOL_HINTS", "design_voice_tool"]

_F = TypeVar("_F", bound=Callable[..., dict[str, Any]])
#: Designing spends the service's design capacity and makes a new voice each time.
DESIGN_TOOL_HINTS = {"read_only_hint": False, "destructive_hint": False, "idempotent_hint": False}


def _described(name: str) -> str:
    return DesignOptions.model_fields[name].description or name


VoicePrompt = Annotated[str, Field(description=_described("voice_prompt"), max_length=MAX_VOICE_PROMPT_CHARS)]
DesignPrefix = Annotated[str, Field(description=_described("prefix"), pattern=r"^[A-Za-z0-9]{1,10}$")]
DesignTarget = Annotated[DesignTargetModel, Field(description=_described("target_model"))]
PreviewText = Annotated[str | None, Field(description=_described("preview_text"), max_length=MAX_PREVIEW_TEXT_CHARS)]
DesignLanguageHint = Annotated[Literal["zh", "en"] | None, Field(description=_described("language_hints"))]
PreviewFormatArg = Annotated[Literal["wav", "mp3", "pcm"], Field(description=_described("response_format"))]
PreviewRateArg = Annotated[Literal[16000, 24000, 48000], Field(description=_described("sample_rate"))]
PreviewOutput = Annotated[
    str | None,
    Field(
        description="Where to save the preview (.wav, .mp3 or .pcm; never replaces a file). Default: "
        "output/designs/VOICE_ID.FORMAT under the working directory (or the cosyclone home when it is not writable)."
    ),
]
DesignWait = Annotated[bool, Field(description="Wait until the voice is OK before answering (default true).")]
DesignTimeout = Annotated[float, Field(description="Seconds to wait for OK when wait is true.", ge=1.0, le=3600.0)]


class ToolGuard(Protocol):
    """What the server's guard gives a tool: the session, and the wrapper that maps errors and serializes."""

    session: Session

    def guarded(self, *, exclusive: bool) -> Callable[[_F], _F]: ...


def design_voice_tool(guard: ToolGuard) -> Callable[..., dict[str, Any]]:
    @guard.guarded(exclusive=True)
    def design_voice(
        voice_prompt: VoicePrompt,
        prefix: DesignPrefix,
        target_model: DesignTarget = DEFAULT_DESIGN_TARGET_MODEL,  # type: ignore[assignment]
        preview_text: PreviewText = None,
        language_hint: DesignLanguageHint = None,
        preview_format: PreviewFormatArg = "wav",
        preview_sample_rate: PreviewRateArg = 24000,
        output: PreviewOutput = None,
        wait: DesignWait = True,
        timeout_s: DesignTimeout = 300.0,
    ) -> dict[str, Any]:
        """Design a new voice from a description (CosyVoice voice design) and return its voice_id and preview file.

        Every field is checked before anything is sent; the request is sent once (each call makes a new voice:
        the same description may give a different voice, so design a few and keep the best). The preview audio
        (returned by the service only once) is saved to a file; the voice is recorded in the registry (kind
        designed, with its description) and evidence is written (design.json). Returns {ok, voice_id, status,
        target_model, prefix, voice_prompt, preview_text, language, preview_file, preview_format,
        preview_sample_rate, request_id, reconciled, notes, next_step}. Then call synthesize(voice=voice_id, …):
        the model follows the voice. Qwen's separate qwen-voice-design family is not driven by this tool.
        """
        from cosyclone.ops.design import design_with_evidence, writable_preview_folder

        result = design_with_evidence(
            guard.session,
            voice_prompt=voice_prompt,
            prefix=prefix,
            target_model=target_model,
            preview_text=preview_text,
            language_hints=[language_hint] if language_hint else None,
            preview_format=None if output else preview_format,
            preview_sample_rate=preview_sample_rate,
            output=Path(output) if output else None,
            preview_dir=writable_preview_folder(),
            wait=wait,
            wait_timeout_s=timeout_s,
        )
        voice_id = result.designed.voice_id
        result.summary["next_step"] = (
            f"synthesize(voice={voice_id!r}, text=…); the model follows the voice"
            if result.designed.status == "OK"
            else f"get_voice(voice={voice_id!r}, wait=true) until its status is OK"
        )
        return result.summary

    return design_voice
