"""An OpenAPI 3.1 description of the emulator's HTTP API, served at ``GET /_emulator/openapi.json``.

It covers what a client can call over HTTP: the customization endpoint (the five enrollment actions, as a
``oneOf`` on ``input``), ``getPolicy``, the OSS-style upload form, HTTP synthesis (plain JSON and SSE), result
downloads and the control plane. The WebSocket protocol is not OpenAPI's to describe (see
``docs/emulator-synthesis.md``).

The schemas are derived from the pydantic models of the wire and of the control plane
(:mod:`cosyclone.emulator.api.openapi_schemas`); this module lays out the paths. Request schemas say what the
emulator accepts (its rules, as in ``docs/emulator.md``; unknown keys are allowed where the emulator ignores them);
response schemas say what it promises to send. Contract tests generate requests from it (schemathesis) and check
every reply against it.

Imported by :mod:`cosyclone.emulator.api.app`. Plain data: no I/O.
"""

from __future__ import annotations

from typing import Any

from cosyclone.emulator.api.openapi_schemas import component_schemas, ref
from cosyclone.emulator.api.outside_paths import MULTIMODAL_PATH
from cosyclone.schema.endpoints import API_PREFIX, EMULATOR_OPENAPI_PATH, EMULATOR_PREFIX
from cosyclone.schema.enrollment import CUSTOMIZATION_PATH
from cosyclone.schema.synthesis import SYNTHESIS_PATH
from cosyclone.schema.uploads import OSS_RESOLVE_HEADER, UPLOADS_PATH

CONTROL_PREFIX = EMULATOR_PREFIX
OPENAPI_PATH = EMULATOR_OPENAPI_PATH
_BEARER: list[dict[str, list[str]]] = [{"dashscopeKey": []}]
_BINARY = {"type": "string", "format": "binary"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _xml(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/xml": {"schema": {"type": "string"}}}}


def _envelope(description: str) -> dict[str, Any]:
    return _json(ref("ErrorEnvelope"), description)


def _control_error(description: str) -> dict[str, Any]:
    return _json(ref("ControlError"), description)


def _enrollment_paths() -> dict[str, Any]:
    auth_refused = _envelope("missing or refused API key (InvalidApiKey)")
    return {
        f"{API_PREFIX}/{CUSTOMIZATION_PATH}": {
            "post": {
                "operationId": "customization",
                "summary": "Voice enrollment: create_voice, list_voice, query_voice, update_voice, delete_voice",
                "security": _BEARER,
                "parameters": [
                    {"name": OSS_RESOLVE_HEADER, "in": "header", "schema": {"type": "string", "enum": ["enable"]}},
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("EnrollmentRequest")}},
                },
                "responses": {
                    "200": _json(ref("EnrollmentResponse"), "the action's output, usage.count 1"),
                    "400": _envelope("InvalidParameter, ResourceNotExist, quota, audio rejections"),
                    "401": auth_refused,
                    "500": _envelope("sample URL not downloadable, sample over 60 s (documented 500s)"),
                },
            }
        },
        f"{API_PREFIX}/{UPLOADS_PATH}": {
            "get": {
                "operationId": "getPolicy",
                "summary": "A policy to upload one file to temporary oss:// storage",
                "security": _BEARER,
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
                    "200": _json(ref("UploadPolicyResponse"), "the signed policy"),
                    "400": _envelope("action or model missing"),
                    "401": auth_refused,
                },
            }
        },
        f"{CONTROL_PREFIX}/oss": {
            "post": {
                "operationId": "uploadFile",
                "summary": "The OSS-style form upload (the signed policy is the credential)",
                "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": ref("UploadForm")}}},
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
    }


def _outside_paths() -> dict[str, Any]:
    """Paths outside the contract, answered in the envelope (contract §11.6)."""
    return {
        MULTIMODAL_PATH: {
            "post": {
                "operationId": "multimodalGeneration",
                "summary": "Qwen-TTS over HTTP: not served here; every model answers 'Model not exist.'",
                "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"400": _envelope("InvalidParameter 'Model not exist.'")},
            }
        }
    }


def _synthesis_paths() -> dict[str, Any]:
    audio_types = ("audio/mpeg", "audio/x-wav", "audio/wav", "audio/ogg", "application/octet-stream")
    return {
        f"{API_PREFIX}/{SYNTHESIS_PATH}": {
            "post": {
                "operationId": "speechSynthesizer",
                "summary": "HTTP synthesis: JSON with an audio URL, or SSE with X-DashScope-SSE: enable",
                "security": _BEARER,
                "parameters": [
                    {"name": "X-DashScope-SSE", "in": "header", "schema": {"type": "string", "enum": ["enable"]}},
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("HttpSynthesisRequest")}},
                },
                "responses": {
                    "200": {
                        "description": "the audio URL, or the SSE stream of sentence events",
                        "content": {
                            "application/json": {"schema": ref("HttpSynthesisResponse")},
                            "text/event-stream": {"schema": ref("SseEvent")},
                        },
                    },
                    "400": _envelope("InvalidParameter (model, voice/418, text, parameters)"),
                    "401": _envelope("missing or refused API key (InvalidApiKey)"),
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
                        "content": {media: {"schema": _BINARY} for media in audio_types},
                    },
                    "404": _xml("NoSuchKey"),
                },
            }
        },
    }


def _control_reads() -> dict[str, Any]:
    ok_object: dict[str, Any] = {"type": "object"}
    return {
        f"{CONTROL_PREFIX}/health": {
            "get": {"operationId": "health", "responses": {"200": _json(ref("Health"), "alive")}},
        },
        f"{CONTROL_PREFIX}/state": {
            "get": {
                "operationId": "state",
                "responses": {"200": _json(ref("StateReply"), "everything the emulator holds (no keys, no bytes)")},
            }
        },
        OPENAPI_PATH: {
            "get": {"operationId": "openapi", "responses": {"200": _json(ok_object, "this document")}},
        },
    }


def _control_writes() -> dict[str, Any]:
    refused = _control_error("the body is not JSON or breaks the schema")
    ok_object: dict[str, Any] = {"type": "object"}

    def body(name: str, *, required: bool = False) -> dict[str, Any]:
        return {"required": required, "content": {"application/json": {"schema": ref(name)}}}

    fault_or_list = {"oneOf": [ref("Fault"), {"type": "array", "items": ref("Fault")}]}
    return {
        f"{CONTROL_PREFIX}/reset": {
            "post": {
                "operationId": "reset",
                "requestBody": body("TenantRef"),
                "responses": {"200": _json(ok_object, "reset"), "400": refused},
            }
        },
        f"{CONTROL_PREFIX}/settings": {
            "get": {"operationId": "getSettings", "responses": {"200": _json(ref("SettingsState"), "settings")}},
            "post": {
                "operationId": "setSettings",
                "requestBody": body("Settings"),
                "responses": {"200": _json(ref("SettingsState"), "the new settings"), "400": refused},
            },
        },
        f"{CONTROL_PREFIX}/voices": {
            "post": {
                "operationId": "seedVoices",
                "requestBody": body("SeedRequest"),
                "responses": {"200": _json(ref("SeedReply"), "the voices put in place"), "400": refused},
            }
        },
        f"{CONTROL_PREFIX}/voices/{{voice_id}}/status": {
            "post": {
                "operationId": "setVoiceStatus",
                "parameters": [{"name": "voice_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "requestBody": body("StatusUpdate", required=True),
                "responses": {
                    "200": _json(ok_object, "the voice record"),
                    "400": refused,
                    "404": _control_error("no such voice"),
                },
            }
        },
        f"{CONTROL_PREFIX}/faults": {
            "get": {"operationId": "listFaults", "responses": {"200": _json(ref("Faults"), "pending faults")}},
            "post": {
                "operationId": "addFaults",
                "requestBody": {"content": {"application/json": {"schema": fault_or_list}}},
                "responses": {"200": _json(ref("Faults"), "pending faults"), "400": refused},
            },
            "delete": {"operationId": "clearFaults", "responses": {"200": _json(ref("Faults"), "none pending")}},
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
        "paths": {
            **_enrollment_paths(),
            **_synthesis_paths(),
            **_outside_paths(),
            **_control_reads(),
            **_control_writes(),
        },
        "components": {
            "schemas": component_schemas(),
            "securitySchemes": {"dashscopeKey": {"type": "http", "scheme": "bearer"}},
        },
    }
    if server_url:
        document["servers"] = [{"url": server_url}]
    return document
