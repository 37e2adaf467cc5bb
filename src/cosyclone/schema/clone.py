"""The normalized interface ``cosyvoice.voice_clone`` of the seed document: request and response.

The options come from their one declaration (:class:`cosyclone.schema.clone_options.CloneWireOptions`). Only the
rules that hold whatever the model and region are enforced here (shape, prefix charset, each option's declared
bounds); model- and region-specific rules live in :mod:`cosyclone.catalog`, and :mod:`cosyclone.voice_clone`
applies both and maps to the wire.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from cosyclone.schema.base import ResponseModel
from cosyclone.schema.clone_options import MAX_PROMPT_AUDIO_LENGTH_RANGE_S as MAX_PROMPT_AUDIO_LENGTH_RANGE_S
from cosyclone.schema.clone_options import PREFIX_MAX_LENGTH as PREFIX_MAX_LENGTH
from cosyclone.schema.clone_options import CloneWireOptions, clone_option

# Declared in model_names (importable without pydantic); re-exported here for the users of the wire model.
from cosyclone.schema.model_names import DEFAULT_TARGET_MODEL as DEFAULT_TARGET_MODEL
from cosyclone.schema.model_names import ENROLLMENT_MODEL

PREFIX_PATTERN = re.compile(r"^[A-Za-z0-9]+$")
URL_SCHEMES = ("http://", "https://", "oss://")


class VoiceCloneRequest(CloneWireOptions):
    """``cosyvoice.voice_clone`` request: the sample, the voice's model and prefix, and the declared wire options."""

    model: str = ENROLLMENT_MODEL
    target_model: str = DEFAULT_TARGET_MODEL
    prefix: str
    voice_sample_url: str

    def wire_options(self) -> dict[str, Any]:
        """The declared wire options as set (``None``: not sent)."""
        return {name: getattr(self, name) for name in CloneWireOptions.model_fields}

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

    @field_validator(*CloneWireOptions.model_fields)
    @classmethod
    def _declared_bounds(cls, value: Any, info: ValidationInfo) -> Any:
        spec = clone_option(str(info.field_name))
        if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            return value
        if (spec.minimum is not None and value < spec.minimum) or (spec.maximum is not None and value > spec.maximum):
            raise ValueError(spec.bounds_rule())
        return value


class CloneUsage(ResponseModel):
    count: int | None = None


class VoiceCloneResponse(ResponseModel):
    """``cosyvoice.voice_clone`` response."""

    voice_id: str
    request_id: str = ""
    usage: CloneUsage = Field(default_factory=CloneUsage)
