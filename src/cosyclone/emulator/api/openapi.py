"""An OpenAPI 3.1 description of the emulator's HTTP API, served at ``GET /_emulator/openapi.json``.

It covers what a client can call over HTTP: the customization endpoint (the five enrollment actions, as a
``oneOf`` on ``input``), ``getPolicy``, the OSS-style upload form, HTTP synthesis (plain JSON and SSE), result
downloads and the control plane. The WebSocket protocol is not OpenAPI's to describe (see
``docs/emulator-synthesis.md``).

Request schemas say what the emulator accepts (its rules, as in ``docs/emulator.md``; unknown keys are allowed
where the emulator ignores them); response schemas say what it promises to send. Contract tests generate
requests from it (schemathesis) and check every reply against it.

Imported by :mod:`cosyclone.emulator.api.app`. Plain data: no I/O.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from cosyclone import catalog
from cosyclone.emulator.api.control import SeedRequest, SettingsUpdate, StatusUpdate, TenantRef
from cosyclone.emulator.faults import Fault
from cosyclone.schema.clone import MAX_PROMPT_AUDIO_LENGTH_RANGE_S, PREFIX_MAX_LENGTH
from cosyclone.schema.endpoints import API_PREFIX, EMULATOR_OPENAPI_PATH, EMULATOR_PREFIX
from cosyclone.schema.enrollment import CUSTOMIZATION_PATH, ENROLLMENT_MODEL, VOICE_STATUSES
from cosyclone.schema.synthesis import SDK_DEFAULT_FORMAT, SYNTHESIS_PATH, HttpSynthesisRequest
from cosyclone.schema.uploads import OSS_RESOLVE_HEADER, UPLOADS_PATH

CONTROL_PREFIX = EMULATOR_PREFIX
OPENAPI_PATH = EMULATOR_OPENAPI_PATH
#: Request bodies of the control plane, described from the very models that parse them.
_CONTROL_MODELS: dict[str, type[BaseModel]] = {
    "TenantRef": TenantRef,
    "Settings": SettingsUpdate,
    "SeedRequest": SeedRequest,
    "StatusUpdate": StatusUpdate,
    "Fault": Fault,
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _xml(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/xml": {"schema": {"type": "string"}}}}


def _envelope(description: str) -> dict[str, Any]:
    return _json(_ref("ErrorEnvelope"), description)


def _control_error(description: str) -> dict[str, Any]:
    return _json(_ref("ControlError"), description)


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _input(action: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"action": {"type": "string", "enum": [action]}, **properties},
        "required": ["action", *required],
        "additionalProperties": True,  # the official SDK merges create_voice(**kwargs) into input
    }


def _model_schemas() -> dict[str, Any]:
    """JSON Schemas of the control plane's pydantic models, nested models hoisted into components."""
    schemas: dict[str, Any] = {}
    for name, model in _CONTROL_MODELS.items():
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[name] = schema
    return schemas


def _synthesis_request_schemas(http_models: list[str]) -> dict[str, Any]:
    """The HTTP synthesis body, from the very models the client builds it with (the declared parameters), widened
    to what the emulator also accepts: the SDK's ``Default`` format and keys it ignores."""
    schema = HttpSynthesisRequest.model_json_schema(ref_template="#/components/schemas/{model}", by_alias=True)
    schemas: dict[str, Any] = schema.pop("$defs", {})
    schema["properties"]["model"] = {"type": "string", "enum": http_models}
    schema["properties"]["parameters"] = {"type": "object"}
    schema["additionalProperties"] = True
    body = schemas["HttpSynthesisInput"]
    body["properties"]["format"]["enum"] = [*body["properties"]["format"]["enum"], SDK_DEFAULT_FORMAT]
    body["additionalProperties"] = True  # the official SDK copies any extra keyword argument into input
    return {**schemas, "HttpSynthesisRequest": schema}


def _schemas() -> dict[str, Any]:
    low, high = MAX_PROMPT_AUDIO_LENGTH_RANGE_S
    voice_id = {"type": "string", "minLength": 1}
    sample_url = {"type": "string", "pattern": "^(https?://.+|oss://.+)$"}
    summary_time = _nullable({"type": "string"})
    # The HTTP endpoint serves every model but the legacy ones (contract §6).
    http_models = sorted(name for name, model in catalog.TARGET_MODELS.items() if not model.legacy)
    return {
        **_synthesis_request_schemas(http_models),
        "ErrorEnvelope": {
            "type": "object",
            "description": "Every refusal on an API path (contract §2, §3.8).",
            "properties": {
                "request_id": {"type": "string", "minLength": 1},
                "code": {"type": "string", "minLength": 1},
                "message": {"type": "string"},
            },
            "required": ["request_id", "code", "message"],
        },
        "CreateVoiceInput": {
            **_input(
                "create_voice",
                {
                    "target_model": {"type": "string", "enum": sorted(catalog.TARGET_MODELS)},
                    "prefix": {"type": "string", "pattern": f"^[A-Za-z0-9]{{1,{PREFIX_MAX_LENGTH}}}$"},
                    "url": sample_url,
                    # contract §10.2: a URL or a data URI of at most 10 MB encoded
                    "audio": {"type": "string", "pattern": "^(https?://.+|oss://.+|data:audio/[^,]+;base64,.+)$"},
                    "language_hints": _nullable(
                        {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}}
                    ),
                    "max_prompt_audio_length": _nullable({"type": "number", "minimum": low, "maximum": high}),
                    "enable_preprocess": _nullable({"type": "boolean"}),
                    "enable_volume_normalization": _nullable(
                        {"anyOf": [{"type": "boolean"}, {"type": "string", "enum": ["true", "false"]}]}
                    ),
                },
                ["target_model", "prefix"],
            ),
            "oneOf": [{"required": ["url"]}, {"required": ["audio"]}],  # one of them, never both
        },
        "ListVoiceInput": _input(
            "list_voice",
            {
                "prefix": _nullable({"type": "string"}),
                "page_index": {"type": "integer", "minimum": 0, "default": 0},
                "page_size": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 10},
            },
            [],
        ),
        "QueryVoiceInput": _input("query_voice", {"voice_id": voice_id}, ["voice_id"]),
        "UpdateVoiceInput": _input("update_voice", {"voice_id": voice_id, "url": sample_url}, ["voice_id", "url"]),
        "DeleteVoiceInput": _input("delete_voice", {"voice_id": voice_id}, ["voice_id"]),
        "EnrollmentRequest": {
            "type": "object",
            "properties": {
                "model": {"type": "string", "enum": [ENROLLMENT_MODEL]},
                "input": {
                    "oneOf": [
                        _ref("CreateVoiceInput"),
                        _ref("ListVoiceInput"),
                        _ref("QueryVoiceInput"),
                        _ref("UpdateVoiceInput"),
                        _ref("DeleteVoiceInput"),
                    ],
                    "discriminator": {
                        "propertyName": "action",
                        "mapping": {
                            "create_voice": "#/components/schemas/CreateVoiceInput",
                            "list_voice": "#/components/schemas/ListVoiceInput",
                            "query_voice": "#/components/schemas/QueryVoiceInput",
                            "update_voice": "#/components/schemas/UpdateVoiceInput",
                            "delete_voice": "#/components/schemas/DeleteVoiceInput",
                        },
                    },
                },
                "parameters": {"type": "object"},
            },
            "required": ["model", "input"],
        },
        "CreateVoiceOutput": {
            "type": "object",
            "properties": {"voice_id": voice_id},
            "required": ["voice_id"],
        },
        "VoiceSummary": {
            "type": "object",
            "properties": {
                "voice_id": voice_id,
                "gmt_create": summary_time,
                "gmt_modified": summary_time,
                "status": {"type": "string", "enum": list(VOICE_STATUSES)},
            },
            "required": ["voice_id", "gmt_create", "gmt_modified", "status"],
        },
        "ListVoiceOutput": {
            "type": "object",
            "properties": {"voice_list": {"type": "array", "items": _ref("VoiceSummary")}},
            "required": ["voice_list"],
        },
        "QueryVoiceOutput": {
            "type": "object",
            "properties": {
                "gmt_create": {"type": "string"},
                "gmt_modified": {"type": "string"},
                "resource_link": {"type": "string"},
                "target_model": {"type": "string"},
                "status": {"type": "string", "enum": list(VOICE_STATUSES)},
            },
            "required": ["gmt_create", "gmt_modified", "resource_link", "target_model", "status"],
        },
        "EmptyOutput": {"type": "object", "description": "update_voice and delete_voice answer output: {}"},
        "EnrollmentResponse": {
            "type": "object",
            "properties": {
                "request_id": {"type": "string", "minLength": 1},
                "output": {
                    "anyOf": [
                        _ref("CreateVoiceOutput"),
                        _ref("ListVoiceOutput"),
                        _ref("QueryVoiceOutput"),
                        _ref("EmptyOutput"),
                    ]
                },
                "usage": {
                    "type": "object",
                    "properties": {"count": {"type": "integer"}},
                    "required": ["count"],
                },
            },
            "required": ["request_id", "output", "usage"],
        },
        "UploadPolicy": {
            "type": "object",
            "properties": {
                "policy": {"type": "string"},
                "signature": {"type": "string"},
                "upload_dir": {"type": "string"},
                "upload_host": {"type": "string"},
                "expire_in_seconds": {"type": "integer"},
                "max_file_size_mb": {"type": "integer"},
                "capacity_limit_mb": {"type": "integer"},
                "oss_access_key_id": {"type": "string"},
                "x_oss_object_acl": {"type": "string"},
                "x_oss_forbid_overwrite": {"type": "string"},
            },
            "required": [
                "policy",
                "signature",
                "upload_dir",
                "upload_host",
                "expire_in_seconds",
                "max_file_size_mb",
                "oss_access_key_id",
            ],
        },
        "UploadPolicyResponse": {
            "type": "object",
            "properties": {"request_id": {"type": "string", "minLength": 1}, "data": _ref("UploadPolicy")},
            "required": ["request_id", "data"],
        },
        "UploadForm": {
            "type": "object",
            "properties": {
                "OSSAccessKeyId": {"type": "string"},
                "Signature": {"type": "string"},
                "policy": {"type": "string"},
                "key": {"type": "string"},
                "x-oss-object-acl": {"type": "string"},
                "x-oss-forbid-overwrite": {"type": "string"},
                "success_action_status": {"type": "string"},
                "x-oss-content-type": {"type": "string"},
                "file": {"type": "string", "format": "binary"},
            },
            "required": ["OSSAccessKeyId", "Signature", "policy", "key", "file"],
        },
        "HttpSynthesisResponse": {
            "type": "object",
            "properties": {
                "request_id": {"type": "string", "minLength": 1},
                "output": {
                    "type": "object",
                    "properties": {
                        "finish_reason": {"type": "string"},
                        "audio": {
                            "type": "object",
                            "properties": {
                                "data": {"type": "string"},
                                "url": {"type": "string"},
                                "id": {"type": "string"},
                                "expires_at": {"type": "integer"},
                            },
                            "required": ["url", "id", "expires_at"],
                        },
                    },
                    "required": ["finish_reason", "audio"],
                },
                "usage": {
                    "type": "object",
                    "properties": {"characters": {"type": "integer", "minimum": 0}},
                    "required": ["characters"],
                },
            },
            "required": ["request_id", "output", "usage"],
        },
        "SseChunk": {
            "type": "object",
            "description": "data of an `event:result` frame: one sentence event, or the last one (finish_reason stop)",
            "properties": {
                "request_id": {"type": "string", "minLength": 1},
                "output": {
                    "type": "object",
                    "properties": {
                        "finish_reason": {"type": "string", "enum": ["null", "stop"]},
                        "type": {"type": "string", "enum": ["sentence-begin", "sentence-synthesis", "sentence-end"]},
                        "audio": {
                            "type": "object",
                            "properties": {"data": {"type": "string"}, "url": {"type": "string"}},
                            "required": ["data"],
                        },
                    },
                    "required": ["finish_reason"],
                },
                "usage": {
                    "type": "object",
                    "properties": {"characters": {"type": "integer", "minimum": 0}},
                    "required": ["characters"],
                },
            },
            "required": ["request_id", "output", "usage"],
        },
        "SseEvent": {
            "type": "object",
            "description": "one Server-Sent Event; `event:error` ends the stream with the error envelope",
            "properties": {
                "id": {"type": "string"},
                "event": {"type": "string", "enum": ["result", "error"]},
                "data": {
                    "type": "string",
                    "contentMediaType": "application/json",
                    "contentSchema": {"anyOf": [_ref("SseChunk"), _ref("ErrorEnvelope")]},
                },
            },
            "required": ["event", "data"],
        },
        "ControlError": {
            "type": "object",
            "properties": {"error": {"type": "string"}},
            "required": ["error"],
        },
        "Faults": {
            "type": "object",
            "properties": {"pending": {"type": "array", "items": _ref("Fault")}},
            "required": ["pending"],
        },
    }


def _api_paths() -> dict[str, Any]:
    bearer: list[dict[str, list[str]]] = [{"dashscopeKey": []}]
    auth_refused = _envelope("missing or refused API key (InvalidApiKey)")
    return {
        f"{API_PREFIX}/{CUSTOMIZATION_PATH}": {
            "post": {
                "operationId": "customization",
                "summary": "Voice enrollment: create_voice, list_voice, query_voice, update_voice, delete_voice",
                "security": bearer,
                "parameters": [
                    {"name": OSS_RESOLVE_HEADER, "in": "header", "schema": {"type": "string", "enum": ["enable"]}},
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("EnrollmentRequest")}},
                },
                "responses": {
                    "200": _json(_ref("EnrollmentResponse"), "the action's output, usage.count 1"),
                    "400": _envelope("InvalidParameter, ResourceNotExist, quota, audio rejections"),
                    "401": auth_refused,
                    "500": _envelope("sample URL unreachable or refused, sample over 60 s (documented 500s)"),
                },
            }
        },
        f"{API_PREFIX}/{UPLOADS_PATH}": {
            "get": {
                "operationId": "getPolicy",
                "summary": "A policy to upload one file to temporary oss:// storage",
                "security": bearer,
                "parameters": [
                    {
                        "name": "action",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "enum": ["getPolicy"]},
                    },
                    {"name": "model", "in": "query", "required": True, "schema": {"type": "string", "minLength": 1}},
                ],
                "responses": {
                    "200": _json(_ref("UploadPolicyResponse"), "the signed policy"),
                    "400": _envelope("action or model missing"),
                    "401": auth_refused,
                },
            }
        },
        f"{CONTROL_PREFIX}/oss": {
            "post": {
                "operationId": "uploadFile",
                "summary": "The OSS-style form upload (the signed policy is the credential)",
                "requestBody": {
                    "required": True,
                    "content": {"multipart/form-data": {"schema": _ref("UploadForm")}},
                },
                "responses": {
                    "200": {"description": "stored (success_action_status 200)"},
                    "201": {"description": "stored (success_action_status 201)"},
                    "204": {"description": "stored"},
                    "400": _xml("InvalidArgument, EntityTooLarge"),
                    "403": _xml("SignatureDoesNotMatch, InvalidAccessKeyId, AccessDenied (policy expired)"),
                    "409": _xml("FileAlreadyExists"),
                },
            }
        },
        f"{API_PREFIX}/{SYNTHESIS_PATH}": {
            "post": {
                "operationId": "speechSynthesizer",
                "summary": "HTTP synthesis: JSON with an audio URL, or SSE with X-DashScope-SSE: enable",
                "security": bearer,
                "parameters": [
                    {"name": "X-DashScope-SSE", "in": "header", "schema": {"type": "string", "enum": ["enable"]}},
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("HttpSynthesisRequest")}},
                },
                "responses": {
                    "200": {
                        "description": "the audio URL, or the SSE stream of sentence events",
                        "content": {
                            "application/json": {"schema": _ref("HttpSynthesisResponse")},
                            "text/event-stream": {"schema": _ref("SseEvent")},
                        },
                    },
                    "400": _envelope("InvalidParameter (model, voice/418, text, parameters)"),
                    "401": auth_refused,
                },
            }
        },
        f"{CONTROL_PREFIX}/results/{{name}}": {
            "get": {
                "operationId": "getResult",
                "summary": "Synthesized audio (no auth), until it expires",
                "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {
                        "description": "the audio file",
                        "content": {
                            "audio/mpeg": {"schema": {"type": "string", "format": "binary"}},
                            "audio/x-wav": {"schema": {"type": "string", "format": "binary"}},
                            "audio/wav": {"schema": {"type": "string", "format": "binary"}},
                            "audio/ogg": {"schema": {"type": "string", "format": "binary"}},
                            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                        },
                    },
                    "404": _xml("NoSuchKey"),
                },
            }
        },
    }


def _control_paths() -> dict[str, Any]:
    refused = _control_error("the body is not JSON or breaks the schema")
    ok_object: dict[str, Any] = {"type": "object"}
    return {
        f"{CONTROL_PREFIX}/health": {
            "get": {
                "operationId": "health",
                "responses": {
                    "200": _json(
                        {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}, "alive"
                    )
                },
            }
        },
        f"{CONTROL_PREFIX}/state": {
            "get": {
                "operationId": "state",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "settings": _ref("SettingsState"),
                                "tenants": {"type": "object"},
                                "results": {"type": "integer"},
                                "faults": {"type": "array", "items": _ref("Fault")},
                            },
                            "required": ["settings", "tenants", "results", "faults"],
                        },
                        "everything the emulator holds (no keys, no bytes)",
                    )
                },
            }
        },
        f"{CONTROL_PREFIX}/reset": {
            "post": {
                "operationId": "reset",
                "requestBody": {"content": {"application/json": {"schema": _ref("TenantRef")}}},
                "responses": {"200": _json(ok_object, "reset"), "400": refused},
            }
        },
        f"{CONTROL_PREFIX}/settings": {
            "get": {"operationId": "getSettings", "responses": {"200": _json(_ref("SettingsState"), "settings")}},
            "post": {
                "operationId": "setSettings",
                "requestBody": {"content": {"application/json": {"schema": _ref("Settings")}}},
                "responses": {"200": _json(_ref("SettingsState"), "the new settings"), "400": refused},
            },
        },
        f"{CONTROL_PREFIX}/voices": {
            "post": {
                "operationId": "seedVoices",
                "requestBody": {"content": {"application/json": {"schema": _ref("SeedRequest")}}},
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {"tenant": {"type": "string"}, "voices": {"type": "array"}},
                            "required": ["tenant", "voices"],
                        },
                        "the voices put in place",
                    ),
                    "400": refused,
                },
            }
        },
        f"{CONTROL_PREFIX}/voices/{{voice_id}}/status": {
            "post": {
                "operationId": "setVoiceStatus",
                "parameters": [{"name": "voice_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("StatusUpdate")}}},
                "responses": {
                    "200": _json(ok_object, "the voice record"),
                    "400": refused,
                    "404": _control_error("no such voice"),
                },
            }
        },
        f"{CONTROL_PREFIX}/faults": {
            "get": {"operationId": "listFaults", "responses": {"200": _json(_ref("Faults"), "pending faults")}},
            "post": {
                "operationId": "addFaults",
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {"oneOf": [_ref("Fault"), {"type": "array", "items": _ref("Fault")}]}
                        }
                    }
                },
                "responses": {"200": _json(_ref("Faults"), "pending faults"), "400": refused},
            },
            "delete": {"operationId": "clearFaults", "responses": {"200": _json(_ref("Faults"), "none pending")}},
        },
        OPENAPI_PATH: {
            "get": {"operationId": "openapi", "responses": {"200": _json(ok_object, "this document")}},
        },
    }


def openapi_document(*, server_url: str | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the emulator (``server_url``: where it runs, e.g. ``http://127.0.0.1:8765``)."""
    from cosyclone._version import __version__

    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "cosyclone emulator (DashScope CosyVoice)",
            "version": __version__,
            "description": "The HTTP endpoints of `cosyclone emulator`; see docs/emulator.md.",
        },
        "paths": {**_api_paths(), **_control_paths()},
        "components": {
            "schemas": {**_schemas(), **_model_schemas()},
            "securitySchemes": {"dashscopeKey": {"type": "http", "scheme": "bearer"}},
        },
    }
    if server_url:
        document["servers"] = [{"url": server_url}]
    return document
