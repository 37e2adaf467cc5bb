"""CosyVoice voice design in the emulator (contract §11.1): check a design request, make its voice from the
description, keep it, and render the preview.

A design request is a ``create_voice`` whose ``input`` carries ``voice_prompt`` / ``preview_text`` (and no
``url`` / ``audio``). The checks answer 400 ``InvalidParameter`` "Required parameter(field) missing or invalid…"
naming the field, never the clone's "url missing". The voice is ``OK`` at once, has no ``resource_link``, counts
against the voice quota and refuses ``update_voice`` (§11.1: undocumented; the emulator's pick).

The voice's sound comes from its description (:mod:`cosyclone.emulator.voice.designed`).

Imported by the enrollment handlers (:mod:`cosyclone.emulator.api.enrollment_http`). No network I/O.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from typing import Any

from cosyclone.emulator import errors
from cosyclone.emulator.ports import DesignBackend
from cosyclone.emulator.state.lifecycle import StoredVoice
from cosyclone.emulator.voice.designed import render_preview, voice_traits
from cosyclone.emulator.voice.engine_choice import SPEECH
from cosyclone.schema.clone import PREFIX_MAX_LENGTH, PREFIX_PATTERN
from cosyclone.schema.design import (
    DEFAULT_PREVIEW_FORMAT,
    DEFAULT_PREVIEW_SAMPLE_RATE,
    DESIGN_LANGUAGES,
    DESIGN_TARGET_MODELS,
    DESIGNED_ID_MARK,
    MAX_PREVIEW_TEXT_CHARS,
    MAX_VOICE_PROMPT_CHARS,
    PREVIEW_FORMATS,
    PREVIEW_SAMPLE_RATES,
    DesignVoiceOutput,
    PreviewAudio,
    check_description,
)

__all__ = ["create_designed_voice"]


@dataclass(frozen=True)
class _Checked:
    target_model: str
    prefix: str
    voice_prompt: str
    preview_text: str
    language_hints: list[str] | None
    sample_rate: int
    response_format: str


def _check(data: dict[str, Any], parameters: dict[str, Any]) -> _Checked:
    if data.get("url") or data.get("audio"):
        raise errors.invalid_parameter("voice_prompt", detail="a design carries no url/audio; a clone no voice_prompt")
    target = data.get("target_model")
    if not isinstance(target, str) or target not in DESIGN_TARGET_MODELS:
        raise errors.invalid_parameter("target_model", detail=f"voices are designed for {DESIGN_TARGET_MODELS}")
    prefix = data.get("prefix")
    if not isinstance(prefix, str) or not prefix or len(prefix) > PREFIX_MAX_LENGTH or not PREFIX_PATTERN.match(prefix):
        raise errors.invalid_parameter("prefix", detail="1 to 10 ASCII letters or digits")
    texts = {}
    for field, limit in (("voice_prompt", MAX_VOICE_PROMPT_CHARS), ("preview_text", MAX_PREVIEW_TEXT_CHARS)):
        value = data.get(field)
        try:
            texts[field] = check_description(value, limit=limit, what=field) if isinstance(value, str) else None
        except ValueError as error:
            raise errors.invalid_parameter(field, detail=str(error)) from None
        if texts[field] is None:
            raise errors.invalid_parameter(field, detail="a string is required")
    hints = data.get("language_hints")
    if hints is not None and (not isinstance(hints, list) or not hints or hints[0] not in DESIGN_LANGUAGES):
        raise errors.invalid_parameter("language_hints", detail="zh or en")
    rate = parameters.get("sample_rate", DEFAULT_PREVIEW_SAMPLE_RATE)
    if rate not in PREVIEW_SAMPLE_RATES or isinstance(rate, bool):
        raise errors.invalid_parameter("parameters.sample_rate", detail=f"one of {PREVIEW_SAMPLE_RATES}")
    fmt = parameters.get("response_format", DEFAULT_PREVIEW_FORMAT)
    if not isinstance(fmt, str) or fmt.lower() not in PREVIEW_FORMATS:
        raise errors.invalid_parameter("parameters.response_format", detail=f"one of {PREVIEW_FORMATS}")
    return _Checked(
        target, prefix, str(texts["voice_prompt"]), str(texts["preview_text"]), hints, int(rate), fmt.lower()
    )


def create_designed_voice(
    backend: DesignBackend, tenant: str, data: dict[str, Any], parameters: dict[str, Any]
) -> DesignVoiceOutput:
    """Check a design request, keep its voice (``OK`` at once) and render its preview. Raises EmulatorApiError."""
    checked = _check(data, parameters)
    traits = voice_traits(checked.voice_prompt)
    engine = backend.voice_engine
    now = backend.clock()
    record = StoredVoice(
        voice_id=f"{checked.target_model}{DESIGNED_ID_MARK}{checked.prefix}-{uuid.uuid4().hex}",
        target_model=checked.target_model,
        prefix=checked.prefix,
        resource_link="",
        created_at=now,
        modified_at=now,
        ready_at=now,
        f0_hz=traits.f0_hz,
        language_hints=checked.language_hints,
        voice_print=traits.speech_voice().to_dict() if engine == SPEECH else None,
        voice_prompt=checked.voice_prompt,
        preview_text=checked.preview_text,
        pace=traits.pace,
    )
    audio = render_preview(traits.timbre(engine), checked.preview_text, checked.sample_rate, checked.response_format)
    stored = backend.enroll_designed(tenant, record)
    return DesignVoiceOutput(
        voice_id=stored.voice_id,
        status=stored.status_at(now),
        target_model=stored.target_model,
        preview_audio=PreviewAudio(
            data=base64.b64encode(audio).decode("ascii"),
            sample_rate=checked.sample_rate,
            response_format=checked.response_format,
        ),
    )
