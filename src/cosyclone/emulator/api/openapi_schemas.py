"""The components of the emulator's OpenAPI description, derived from the pydantic models of the wire
(:mod:`cosyclone.schema`) and of the control plane (:mod:`cosyclone.emulator.api.control`,
:mod:`cosyclone.emulator.api.control_replies`) with ``model_json_schema``.

A model says the shape (fields, types, aliases, nesting); this module adds only what the emulator decides beyond
the model's types, each from the constant the emulator's rules use:

- requests: the values it checks (target models from :mod:`cosyclone.catalog`, the prefix rule, sample URL forms,
  ranges from :mod:`cosyclone.schema.clone`) and that unknown keys are accepted (the SDKs send extra ones);
- responses: which fields it always sends (``required``) and their narrower values (statuses, non-empty ids) —
  the client's models are tolerant on purpose, the emulator's promise is not.

Imported by :mod:`cosyclone.emulator.api.openapi`. Plain data: no I/O.
"""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode

from cosyclone import catalog
from cosyclone.emulator.api.control import SeedRequest, SettingsUpdate, StatusUpdate, TenantRef
from cosyclone.emulator.api.control_replies import (
    ControlErrorBody,
    FaultList,
    Health,
    SeedReply,
    SettingsState,
    StateReply,
)
from cosyclone.emulator.faults import Fault
from cosyclone.schema.clone import MAX_PROMPT_AUDIO_LENGTH_RANGE_S, PREFIX_MAX_LENGTH
from cosyclone.schema.design import MAX_PREVIEW_TEXT_CHARS, MAX_VOICE_PROMPT_CHARS
from cosyclone.schema.enrollment import (
    VOICE_STATUSES,
    CreateVoiceInput,
    CreateVoiceOutput,
    DeleteVoiceInput,
    EmptyOutput,
    EnrollmentRequest,
    EnrollmentResponse,
    ListVoiceInput,
    ListVoiceOutput,
    QueryVoiceInput,
    QueryVoiceOutput,
    UpdateVoiceInput,
    Usage,
    VoiceSummary,
)
from cosyclone.schema.errors import ErrorEnvelope
from cosyclone.schema.model_names import ENROLLMENT_MODEL
from cosyclone.schema.synthesis import (
    SDK_DEFAULT_FORMAT,
    CharacterUsage,
    HttpAudio,
    HttpSynthesisOutput,
    HttpSynthesisRequest,
    HttpSynthesisResponse,
    SentenceEventType,
)
from cosyclone.schema.uploads import UploadForm, UploadPolicy, UploadPolicyResponse

__all__ = ["component_schemas", "ref"]

REF_TEMPLATE = "#/components/schemas/{model}"
_TEXT = {"type": "string"}
_ID = {"type": "string", "minLength": 1}
_STATUS = {"type": "string", "enum": list(VOICE_STATUSES)}
_SAMPLE_URL = {"type": "string", "pattern": "^(https?://.+|oss://.+)$"}


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF_TEMPLATE.format(model=name)}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


class _Components:
    """Collects derived schemas; nested models' schemas (``$defs``) are hoisted unless derived by name."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}

    def add(
        self,
        name: str,
        model: type[BaseModel],
        *,
        mode: JsonSchemaMode = "serialization",
        required: list[str] | None = None,
        narrow: dict[str, Any] | None = None,
        open_: bool | None = None,
    ) -> dict[str, Any]:
        schema = model.model_json_schema(ref_template=REF_TEMPLATE, by_alias=True, mode=mode)
        for def_name, definition in schema.pop("$defs", {}).items():
            self.schemas.setdefault(def_name, definition)
        schema["title"] = name
        schema["properties"].update(narrow or {})
        if required is not None:
            schema["required"] = required
        if open_ is not None:
            schema["additionalProperties"] = open_
        self.schemas[name] = schema
        return schema


def _enrollment_requests(c: _Components) -> None:
    """The five actions as the emulator checks them; unknown keys pass (the SDK merges kwargs into input)."""
    low, high = MAX_PROMPT_AUDIO_LENGTH_RANGE_S
    create = c.add(
        "CreateVoiceInput",
        CreateVoiceInput,
        mode="validation",
        required=["action", "target_model", "prefix"],
        open_=True,
        narrow={
            "target_model": {"type": "string", "enum": sorted(catalog.TARGET_MODELS)},
            "prefix": {"type": "string", "pattern": f"^[A-Za-z0-9]{{1,{PREFIX_MAX_LENGTH}}}$"},
            "url": _SAMPLE_URL,
            # contract §10.2: a URL or a data URI of at most 10 MB encoded
            "audio": {"type": "string", "pattern": "^(https?://.+|oss://.+|data:audio/[^,]+;base64,.+)$"},
            "language_hints": _nullable({"type": "array", "minItems": 1, "items": _ID}),
            "max_prompt_audio_length": _nullable({"type": "number", "minimum": low, "maximum": high}),
            # contract §10.3: the wire type is uncertain, the emulator also reads "true"/"false"
            "enable_volume_normalization": _nullable(
                {"anyOf": [{"type": "boolean"}, {"type": "string", "enum": ["true", "false"]}]}
            ),
        },
    )
    # A clone names its sample as url or audio, never both; a design (contract §11.1) carries a description instead.
    create["properties"].update(
        voice_prompt={"type": "string", "minLength": 1, "maxLength": MAX_VOICE_PROMPT_CHARS},
        preview_text={"type": "string", "minLength": 1, "maxLength": MAX_PREVIEW_TEXT_CHARS},
    )
    create["oneOf"] = [{"required": ["url"]}, {"required": ["audio"]}, {"required": ["voice_prompt", "preview_text"]}]
    c.add(
        "ListVoiceInput",
        ListVoiceInput,
        mode="validation",
        required=["action"],
        open_=True,
        narrow={
            "page_index": {"type": "integer", "minimum": 0, "default": 0},
            "page_size": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 10},
        },
    )
    for name, model in (("QueryVoiceInput", QueryVoiceInput), ("DeleteVoiceInput", DeleteVoiceInput)):
        c.add(name, model, mode="validation", required=["action", "voice_id"], open_=True, narrow={"voice_id": _ID})
    c.add(
        "UpdateVoiceInput",
        UpdateVoiceInput,
        mode="validation",
        required=["action", "voice_id", "url"],
        open_=True,
        narrow={"voice_id": _ID, "url": _SAMPLE_URL},
    )
    c.add(
        "EnrollmentRequest",
        EnrollmentRequest,
        mode="validation",
        required=["model", "input"],
        open_=True,
        narrow={"model": {"type": "string", "enum": [ENROLLMENT_MODEL]}, "parameters": {"type": "object"}},
    )


def _enrollment_responses(c: _Components) -> None:
    c.add("CreateVoiceOutput", CreateVoiceOutput, required=["voice_id"], narrow={"voice_id": _ID})
    c.add(
        "VoiceSummary",
        VoiceSummary,
        required=["voice_id", "gmt_create", "gmt_modified", "status"],
        narrow={"voice_id": _ID, "status": _STATUS},
    )
    c.add("ListVoiceOutput", ListVoiceOutput, required=["voice_list"])
    c.add(
        "QueryVoiceOutput",
        QueryVoiceOutput,
        # resource_link: every cloned voice has one, a designed voice none (contract §11.1)
        required=["gmt_create", "gmt_modified", "target_model", "status"],
        narrow={
            **{name: _TEXT for name in ("gmt_create", "gmt_modified", "resource_link", "target_model")},
            "status": _STATUS,
        },
    )
    c.add("EmptyOutput", EmptyOutput)
    c.add("Usage", Usage, required=["count"], narrow={"count": {"type": "integer"}})
    outputs = ("CreateVoiceOutput", "ListVoiceOutput", "QueryVoiceOutput", "EmptyOutput")
    c.add(
        "EnrollmentResponse",
        EnrollmentResponse[CreateVoiceOutput],
        required=["request_id", "output", "usage"],
        narrow={"request_id": _ID, "output": {"anyOf": [ref(name) for name in outputs]}, "usage": ref("Usage")},
    )


def _upload_schemas(c: _Components) -> None:
    c.add(
        "UploadPolicy",
        UploadPolicy,
        required=[
            "policy",
            "signature",
            "upload_dir",
            "upload_host",
            "expire_in_seconds",
            "max_file_size_mb",
            "oss_access_key_id",
        ],
    )
    c.add("UploadPolicyResponse", UploadPolicyResponse, required=["request_id", "data"], narrow={"request_id": _ID})
    c.add(
        "UploadForm",
        UploadForm,
        mode="validation",
        required=["OSSAccessKeyId", "Signature", "policy", "key", "file"],
        open_=True,
        narrow={"file": {"type": "string", "format": "binary"}},
    )


def _synthesis_schemas(c: _Components) -> None:
    """HTTP synthesis: the request from the very model the client builds it with, widened to what the emulator
    also accepts (the SDK's ``Default`` format, keys it ignores); the plain reply and the SSE frames."""
    http_models = sorted(name for name, model in catalog.TARGET_MODELS.items() if not model.legacy)
    c.add(
        "HttpSynthesisRequest",
        HttpSynthesisRequest,
        mode="validation",
        open_=True,
        narrow={"model": {"type": "string", "enum": http_models}, "parameters": {"type": "object"}},
    )
    body = c.schemas["HttpSynthesisInput"]
    body["properties"]["format"]["enum"] = [*body["properties"]["format"]["enum"], SDK_DEFAULT_FORMAT]
    body["additionalProperties"] = True  # the official SDK copies any extra keyword argument into input
    c.add(
        "CharacterUsage",
        CharacterUsage,
        required=["characters"],
        narrow={"characters": {"type": "integer", "minimum": 0}},
    )
    c.add(
        "HttpAudio",
        HttpAudio,
        required=["url", "id", "expires_at"],
        narrow={"url": _TEXT, "id": _TEXT, "expires_at": {"type": "integer"}},
    )
    c.add(
        "HttpSynthesisOutput",
        HttpSynthesisOutput,
        required=["finish_reason", "audio"],
        narrow={"audio": ref("HttpAudio")},
    )
    usage = {"usage": ref("CharacterUsage"), "request_id": _ID}
    c.add("HttpSynthesisResponse", HttpSynthesisResponse, required=["request_id", "output", "usage"], narrow=usage)
    c.add("SseAudio", HttpAudio, required=["data"])
    c.add(
        "SseOutput",
        HttpSynthesisOutput,
        required=["finish_reason"],
        narrow={
            "finish_reason": {"type": "string", "enum": ["null", "stop"]},
            "type": {"type": "string", "enum": list(get_args(SentenceEventType))},
            "audio": ref("SseAudio"),
        },
    )
    chunk = c.add(
        "SseChunk",
        HttpSynthesisResponse,
        required=["request_id", "output", "usage"],
        narrow={**usage, "output": ref("SseOutput")},
    )
    chunk["description"] = "data of an `event:result` frame: one sentence event, or the last one (finish_reason stop)"
    c.schemas["SseEvent"] = {  # the text/event-stream framing around a chunk: not a JSON body of its own
        "type": "object",
        "description": "one Server-Sent Event; `event:error` ends the stream with the error envelope",
        "properties": {
            "id": _TEXT,
            "event": {"type": "string", "enum": ["result", "error"]},
            "data": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": {"anyOf": [ref("SseChunk"), ref("ErrorEnvelope")]},
            },
        },
        "required": ["event", "data"],
    }


def _control_schemas(c: _Components) -> None:
    """The control plane: request bodies from the very models that parse them, replies from their models."""
    for name, model in (
        ("TenantRef", TenantRef),
        ("Settings", SettingsUpdate),
        ("SeedRequest", SeedRequest),
        ("StatusUpdate", StatusUpdate),
        ("Fault", Fault),
    ):
        c.add(name, model, mode="validation")
    for name, reply in (
        ("Health", Health),
        ("SettingsState", SettingsState),
        ("StateReply", StateReply),
        ("SeedReply", SeedReply),
        ("Faults", FaultList),
        ("ControlError", ControlErrorBody),
    ):
        c.add(name, reply)


def component_schemas() -> dict[str, Any]:
    """Every schema the description refers to, by name."""
    c = _Components()
    c.add(
        "ErrorEnvelope",
        ErrorEnvelope,
        required=["request_id", "code", "message"],
        narrow={"request_id": _ID, "code": _ID},
    )["description"] = "Every refusal on an API path (contract §2, §3.8)."
    _enrollment_requests(c)
    _enrollment_responses(c)
    _upload_schemas(c)
    _synthesis_schemas(c)
    _control_schemas(c)
    return c.schemas
