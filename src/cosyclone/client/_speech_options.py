"""What a synthesis call may ask for, checked before any call, and the model-follows-voice rule.

Imported by client/speech*.py only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cosyclone._exceptions import InvalidRequestError, Problem
from cosyclone.catalog import TARGET_MODELS, check_synthesis_model, model_from_voice_id
from cosyclone.schema.synthesis import AUDIO_FORMATS, SAMPLE_RATES, SynthesisParameters, billed_characters
from cosyclone.voice_clone import problems_from_validation_error

#: The docs say 100 (CJK counting 2), the SDK docstring 128: we accept up to the larger and let the service judge.
MAX_INSTRUCTION_CHARS = 128


class SpeechOptions(BaseModel):
    """The user-facing synthesis parameters (contract §5.3), validated with plain-words errors."""

    model_config = ConfigDict(extra="forbid")

    format: str = "mp3"
    sample_rate: int = 22050
    volume: int = Field(default=50, ge=0, le=100)
    rate: float = Field(default=1.0, ge=0.5, le=2.0)
    pitch: float = Field(default=1.0, ge=0.5, le=2.0)
    bit_rate: int | None = Field(default=None, ge=6, le=510)
    instruction: str | None = None
    language_hints: list[str] | None = None
    seed: int | None = Field(default=None, ge=0, le=65535)
    enable_ssml: bool = False
    word_timestamps: bool = False

    @field_validator("format")
    @classmethod
    def _format(cls, value: str) -> str:
        if value not in AUDIO_FORMATS:
            raise ValueError(f"must be one of {', '.join(AUDIO_FORMATS)}")
        return value

    @field_validator("sample_rate")
    @classmethod
    def _rate(cls, value: int) -> int:
        if value not in SAMPLE_RATES:
            raise ValueError(f"must be one of {', '.join(str(r) for r in SAMPLE_RATES)}")
        return value

    @field_validator("instruction")
    @classmethod
    def _instruction(cls, value: str | None) -> str | None:
        if value is not None and billed_characters(value) > MAX_INSTRUCTION_CHARS:
            raise ValueError(f"must be at most {MAX_INSTRUCTION_CHARS} characters (CJK count 2)")
        return value

    def wire_parameters(self, voice: str, *, wire_format: str) -> SynthesisParameters:
        return SynthesisParameters(
            voice=voice,
            format=wire_format,
            sample_rate=self.sample_rate,
            volume=self.volume,
            rate=self.rate,
            pitch=self.pitch,
            bit_rate=self.bit_rate if self.format == "opus" else None,
            enable_ssml=self.enable_ssml or None,
            word_timestamp_enabled=self.word_timestamps or None,
            seed=self.seed,
            language_hints=self.language_hints[:1] if self.language_hints else None,
            instruction=self.instruction,
        )


def build_options(**fields: Any) -> SpeechOptions:
    """SpeechOptions from keyword arguments (None meaning "the default"), or InvalidRequestError."""
    try:
        return SpeechOptions.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as error:
        raise InvalidRequestError(problems_from_validation_error(error)) from None


def resolve_model(voice: str, model: str | None, lookup: Callable[[str], str | None] | None) -> str:
    """The synthesis model for ``voice``: the one it was enrolled for (registry, else its id), or ``model``.

    Raises:
        InvalidRequestError: ``model`` contradicts the voice's target model, or a system voice has no model.
    """
    if not voice:
        raise InvalidRequestError([Problem("voice", voice, "is required: a cloned voice_id or a system voice")])
    registered = lookup(voice) if lookup is not None else None
    expected = registered or model_from_voice_id(voice)
    if model is None:
        if expected is None:
            raise InvalidRequestError(
                [Problem("model", None, f"is required for {voice!r}, which is not a known cloned voice")],
                hint="pass --model, e.g. cosyvoice-v3-flash for its system voices",
            )
        return expected
    if model not in TARGET_MODELS:
        names = ", ".join(TARGET_MODELS)
        raise InvalidRequestError([Problem("model", model, f"must be one of {names}")])
    problem = check_synthesis_model(voice_id=voice, model=model, voice_target_model=registered)
    if problem is not None:
        raise InvalidRequestError([Problem(problem.field, problem.value, problem.rule)])
    if expected is None and not TARGET_MODELS[model].has_system_voices:
        raise InvalidRequestError(
            [Problem("voice", voice, f"{model} has no system voices; use a voice cloned for {model}")]
        )
    return model
