"""CosyVoice voice design (contract §11.1), declared once: the caller's :class:`DesignOptions` and the wire.

A designed voice is made from a text description (``voice_prompt``) instead of a sample. The request goes to the
customization endpoint with the clone's ``create_voice`` action; what makes it a design is ``voice_prompt`` /
``preview_text`` and the absence of ``url`` / ``audio``. The reply carries the voice id
(``{target_model}-vd-{prefix}-{32 hex}``) and the preview audio in base64. Query, list and delete are the clone's.

:class:`DesignOptions` is the one declaration of what a caller may set (type, default, limits, help, CLI flag in
``json_schema_extra["x-cli"]``): the client's ``voices.design``, the CLI's ``design`` options, the MCP
``design_voice`` schema and the emulator's checks derive from it, as :mod:`cosyclone.schema.synthesis_params`
does for synthesis. Limits are counted in code points (how the service counts is UNCERTAIN: code points are the
stricter reading for mixed text, §11.1).

Imported by the client, the emulator, the library layer and the front ends. Imports nothing of ours but schema/.
"""

from __future__ import annotations

import base64
from typing import Any, Literal, get_args

from pydantic import Field, field_validator, model_validator

from cosyclone.schema.base import RequestModel, ResponseModel
from cosyclone.schema.clone import PREFIX_MAX_LENGTH, PREFIX_PATTERN
from cosyclone.schema.model_names import ENROLLMENT_MODEL

#: The models a voice can be designed for (§11.1: D-CLONE-DESIGN-EN, 3P-SKILL-VD; Qwen-Audio 3.0 per
#: 3P-BAILIAN-TTS, UNCERTAIN). Not v2, not v1.
DesignTargetModel = Literal[
    "cosyvoice-v3.5-plus",
    "cosyvoice-v3.5-flash",
    "cosyvoice-v3-plus",
    "cosyvoice-v3-flash",
    "qwen-audio-3.0-tts-plus",
    "qwen-audio-3.0-tts-flash",
]
DESIGN_TARGET_MODELS: tuple[str, ...] = get_args(DesignTargetModel)
DEFAULT_DESIGN_TARGET_MODEL = "cosyvoice-v3.5-plus"
MAX_VOICE_PROMPT_CHARS = 500
MAX_PREVIEW_TEXT_CHARS = 200
DesignLanguage = Literal["zh", "en"]
DESIGN_LANGUAGES: tuple[str, ...] = get_args(DesignLanguage)
PreviewFormat = Literal["wav", "mp3", "pcm"]
PREVIEW_FORMATS: tuple[str, ...] = get_args(PreviewFormat)
PreviewSampleRate = Literal[16000, 24000, 48000]
PREVIEW_SAMPLE_RATES: tuple[int, ...] = get_args(PreviewSampleRate)
#: What the service assumes when the parameters are left out (UNCERTAIN, §11.1); we always send both.
DEFAULT_PREVIEW_FORMAT: PreviewFormat = "wav"
DEFAULT_PREVIEW_SAMPLE_RATE: PreviewSampleRate = 24000
#: The mark of a designed voice's id: ``{target_model}-vd-{prefix}-{32 hex}``.
DESIGNED_ID_MARK = "-vd-"
#: The Qwen voice-design family (§11.1): same URL, a different model, actions and ids. Not served here.
QWEN_DESIGN_MODEL = "qwen-voice-design"
QWEN_DESIGN_EXPLANATION = (
    "qwen-voice-design is the Qwen-TTS voice-design family (model qwen-voice-design, target models qwen3-tts-vd-…, "
    "actions create/list/query/delete with input.voice, speech over /services/aigc/multimodal-generation): a "
    "separate API this tool does not drive. `cosyclone design` designs CosyVoice voices; choose one of "
    + ", ".join(DESIGN_TARGET_MODELS)
)
_DEFAULT_PREVIEW = {
    "en": "Hello! This is the voice you designed. I hope it sounds just the way you imagined.",
    "zh": "你好，这是你设计的声音，希望它听起来正如你所想。",
}


def is_designed_voice_id(voice_id: str) -> bool:
    """A voice id the service gives designed voices (``…-vd-{prefix}-{hex}``)."""
    return DESIGNED_ID_MARK in voice_id


def is_qwen_design_model(name: str) -> bool:
    """The Qwen voice-design family's model or one of its target models (``qwen3-tts-vd-…``)."""
    return name == QWEN_DESIGN_MODEL or name.startswith("qwen3-tts-vd")


def language_of(text: str) -> DesignLanguage:
    """``zh`` when the text holds any CJK ideograph, else ``en``."""
    return "zh" if any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in text) else "en"


def default_preview_text(language: str) -> str:
    """The preview sentence used when the caller gives none, in ``language`` (zh or en)."""
    return _DEFAULT_PREVIEW.get(language, _DEFAULT_PREVIEW["en"])


def foreign_letters(text: str) -> str:
    """The letters of ``text`` that are neither Latin nor CJK (the service takes Chinese or English only)."""
    out = []
    for ch in text:
        if not ch.isalpha() or ch.isascii():
            continue
        code = ord(ch)
        latin = code < 0x250 or 0x1E00 <= code <= 0x1EFF
        cjk = 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x3FFFD
        if not (latin or cjk):
            out.append(ch)
    return "".join(dict.fromkeys(out))


def check_description(value: str, *, limit: int, what: str) -> str:
    """The rules of ``voice_prompt`` / ``preview_text``: not blank, at most ``limit`` code points, Chinese or
    English. Raises ValueError saying which rule."""
    if not value.strip():
        raise ValueError(f"is required: {what}")
    if len(value) > limit:
        raise ValueError(f"must be at most {limit} characters (it has {len(value)})")
    foreign = foreign_letters(value)
    if foreign:
        raise ValueError(f"must be Chinese or English (it has {foreign[:10]!r})")
    return value


class DesignOptions(RequestModel):
    """Everything a caller sets to design a voice (the declaration; see the module docstring)."""

    voice_prompt: str = Field(
        description=f"The voice described in words, e.g. 'a warm low male voice, calm and slow' (Chinese or "
        f"English, at most {MAX_VOICE_PROMPT_CHARS} characters).",
        json_schema_extra={"x-cli": "VOICE_PROMPT"},
    )
    prefix: str = Field(
        description=f"Name part of the voice id: 1 to {PREFIX_MAX_LENGTH} letters or digits (lowercase is safest)."
    )
    target_model: str = Field(
        default=DEFAULT_DESIGN_TARGET_MODEL,
        description="The model the voice is designed for, and must then speak with: "
        + ", ".join(DESIGN_TARGET_MODELS)
        + ".",
        json_schema_extra={"x-cli": "--target-model"},
    )
    preview_text: str | None = Field(
        default=None,
        description=f"What the preview says (Chinese or English, at most {MAX_PREVIEW_TEXT_CHARS} characters; "
        "default: a short greeting in the language hint's language).",
        json_schema_extra={"x-cli": "--preview-text"},
    )
    language_hints: list[DesignLanguage] | None = Field(
        default=None,
        description="Language of the preview text: zh or en (only the first counts; default: read from the text).",
        json_schema_extra={"x-cli": "--language-hint"},
    )
    response_format: PreviewFormat = Field(
        default=DEFAULT_PREVIEW_FORMAT,
        description="Format of the preview audio: wav (default), mp3 or pcm.",
        json_schema_extra={"x-cli": "--preview-format"},
    )
    sample_rate: PreviewSampleRate = Field(
        default=DEFAULT_PREVIEW_SAMPLE_RATE,
        description="Sample rate of the preview audio in Hz: 16000, 24000 (default) or 48000.",
        json_schema_extra={"x-cli": "--preview-sample-rate"},
    )

    @field_validator("voice_prompt")
    @classmethod
    def _prompt_rule(cls, value: str) -> str:
        return check_description(value, limit=MAX_VOICE_PROMPT_CHARS, what="describe the voice in words")

    @field_validator("preview_text")
    @classmethod
    def _preview_rule(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return check_description(value, limit=MAX_PREVIEW_TEXT_CHARS, what="the sentence the preview speaks")

    @field_validator("prefix")
    @classmethod
    def _prefix_rule(cls, value: str) -> str:
        if not value or len(value) > PREFIX_MAX_LENGTH or not PREFIX_PATTERN.match(value):
            raise ValueError(f"must be 1 to {PREFIX_MAX_LENGTH} letters or digits (no spaces, dashes or underscores)")
        return value

    @field_validator("target_model")
    @classmethod
    def _target_rule(cls, value: str) -> str:
        if is_qwen_design_model(value):
            raise ValueError(QWEN_DESIGN_EXPLANATION)
        if value not in DESIGN_TARGET_MODELS:
            raise ValueError(f"must be one of {', '.join(DESIGN_TARGET_MODELS)} (voices are designed only for these)")
        return value

    @field_validator("language_hints")
    @classmethod
    def _hints_rule(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not value:
            raise ValueError("must hold zh or en, or be left out")
        return value

    @model_validator(mode="after")
    def _fill_preview(self) -> DesignOptions:
        if self.preview_text is None:
            language = self.language_hints[0] if self.language_hints else language_of(self.voice_prompt)
            self.preview_text = default_preview_text(language)
        return self

    @property
    def language(self) -> DesignLanguage:
        """The preview's language: the first hint, else read from the preview text."""
        return self.language_hints[0] if self.language_hints else language_of(self.preview_text or "")

    def to_request(self) -> DesignRequest:
        """The customization body that designs this voice."""
        return DesignRequest(
            input=DesignVoiceInput(
                target_model=self.target_model,
                voice_prompt=self.voice_prompt,
                preview_text=self.preview_text or default_preview_text(self.language),
                prefix=self.prefix,
                language_hints=list(self.language_hints) if self.language_hints else None,
            ),
            parameters=DesignParameters(sample_rate=self.sample_rate, response_format=self.response_format),
        )


# ----- wire ---------------------------------------------------------------------------------------------------


class DesignVoiceInput(RequestModel):
    """``input`` of a design request: the clone's action, a description instead of a sample."""

    action: Literal["create_voice"] = "create_voice"
    target_model: str
    voice_prompt: str
    preview_text: str
    prefix: str
    language_hints: list[str] | None = None


class DesignParameters(RequestModel):
    sample_rate: int = DEFAULT_PREVIEW_SAMPLE_RATE
    response_format: str = DEFAULT_PREVIEW_FORMAT


class DesignRequest(RequestModel):
    model: str = ENROLLMENT_MODEL
    input: DesignVoiceInput
    parameters: DesignParameters = Field(default_factory=DesignParameters)


class PreviewAudio(ResponseModel):
    """``output.preview_audio``: the whole preview in base64 (its own format keys are UNCERTAIN for CosyVoice: a
    client takes the format from its request)."""

    data: str = ""
    sample_rate: int | None = None
    response_format: str | None = None

    def audio_bytes(self) -> bytes:
        """The decoded preview (empty when the reply carried none). Raises ValueError for bad base64."""
        return base64.b64decode(self.data, validate=True) if self.data else b""


class DesignVoiceOutput(ResponseModel):
    """``output`` of a design reply. ``status`` may be absent (UNCERTAIN, §11.1)."""

    voice_id: str
    preview_audio: PreviewAudio | None = None
    status: str | None = None
    target_model: str | None = None


def design_input_fields(data: dict[str, Any]) -> bool:
    """Whether a ``create_voice`` input is a design request (it carries ``voice_prompt`` or ``preview_text``)."""
    return "voice_prompt" in data or "preview_text" in data
