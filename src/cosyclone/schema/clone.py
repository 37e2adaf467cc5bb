"""The normalized interface ``cosyvoice.voice_clone`` of the seed document: request and response.

Only the rules that hold whatever the model and region are enforced here (shape, prefix charset, the range of
``max_prompt_audio_length``); model- and region-specific rules live in :mod:`cosyclone.catalog`, and
:mod:`cosyclone.voice_clone` applies both and maps to the wire.
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from cosyclone.schema.base import RequestModel, ResponseModel

# Declared in model_names (importable without pydantic); re-exported here for the users of the wire model.
from cosyclone.schema.model_names import DEFAULT_TARGET_MODEL as DEFAULT_TARGET_MODEL
from cosyclone.schema.model_names import ENROLLMENT_MODEL

#: Contract §3.3: a float in seconds within this range.
MAX_PROMPT_AUDIO_LENGTH_RANGE_S = (3.0, 30.0)
PREFIX_MAX_LENGTH = 10
PREFIX_PATTERN = re.compile(r"^[A-Za-z0-9]+$")
URL_SCHEMES = ("http://", "https://", "oss://")


class VoiceCloneRequest(RequestModel):
    """``cosyvoice.voice_clone`` request."""

    model: str = ENROLLMENT_MODEL
    target_model: str = DEFAULT_TARGET_MODEL
    prefix: str
    voice_sample_url: str
    language_hints: list[str] | None = None
    max_prompt_audio_length: float | None = None
    enable_preprocess: bool | None = None
    enable_volume_normalization: bool | None = None

    @field_validator("model")
    @classmethod
    def _fixed_model(cls, value: str) -> str:
        if value != ENROLLMENT_MODEL:
            raise ValueError(f"must be {ENROLLMENT_MODEL!r} (the enrollment model is fixed)")
        return value

    @field_validator("prefix")
    @classmethod
    def _prefix_rule(cls, value: str) -> str:
        if not value:
            raise ValueError("is required: 1 to 10 letters or digits")
        if not PREFIX_PATTERN.match(value):
            raise ValueError("may contain only letters and digits (no spaces, dashes or underscores)")
        if len(value) > PREFIX_MAX_LENGTH:
            raise ValueError(f"must be at most {PREFIX_MAX_LENGTH} characters (it has {len(value)})")
        return value

    @field_validator("voice_sample_url")
    @classmethod
    def _url_rule(cls, value: str) -> str:
        if not value.startswith(URL_SCHEMES):
            raise ValueError(
                "must be a public http(s) URL or an oss:// temporary URL "
                "(for a local file use `cosyclone clone FILE`, which uploads it)"
            )
        return value

    @field_validator("language_hints")
    @classmethod
    def _hints_rule(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and (not value or not all(h.strip() for h in value)):
            raise ValueError("must hold at least one non-empty language code, e.g. ['zh'], or be left out")
        return value

    @field_validator("max_prompt_audio_length")
    @classmethod
    def _prompt_length_rule(cls, value: float | None) -> float | None:
        low, high = MAX_PROMPT_AUDIO_LENGTH_RANGE_S
        if value is not None and not low <= value <= high:
            raise ValueError(f"must be between {low:g} and {high:g} seconds")
        return value


class CloneUsage(ResponseModel):
    count: int | None = None


class VoiceCloneResponse(ResponseModel):
    """``cosyvoice.voice_clone`` response."""

    voice_id: str
    request_id: str = ""
    usage: CloneUsage = Field(default_factory=CloneUsage)
