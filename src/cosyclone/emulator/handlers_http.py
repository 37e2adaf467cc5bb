"""The thin HTTP layer of the API endpoints: parse through :mod:`cosyclone.schema`, apply armed faults, call the
backend, render replies (the DashScope envelope on errors).

Endpoints: the customization endpoint (five enrollment actions), ``getPolicy``, the OSS-style upload POST, and
the download of synthesized results. Imported by :mod:`cosyclone.emulator.app` only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from cosyclone.emulator import errors
from cosyclone.emulator.backend import EmulatorBackend
from cosyclone.emulator.drop import DropResponse
from cosyclone.emulator.errors import EmulatorApiError
from cosyclone.emulator.faults import Fault
from cosyclone.emulator.uploads import UploadRefused, oss_error_xml
from cosyclone.schema.endpoints import EMULATOR_UPLOAD_PATH
from cosyclone.schema.enrollment import (
    ENROLLMENT_MODEL,
    RECEIVED_INPUT_FOR_ACTION,
    CreateVoiceOutput,
    EmptyOutput,
    EnrollmentResponse,
    ListVoiceOutput,
    ReceivedCreateVoiceInput,
    ReceivedDeleteVoiceInput,
    ReceivedEnrollmentRequest,
    ReceivedListVoiceInput,
    ReceivedQueryVoiceInput,
    ReceivedUpdateVoiceInput,
    Usage,
)
from cosyclone.schema.errors import ErrorEnvelope
from cosyclone.schema.uploads import OSS_RESOLVE_HEADER, UploadPolicyResponse

log = logging.getLogger(__name__)

UPLOAD_PATH = EMULATOR_UPLOAD_PATH
DETAIL_HEADER = "X-Emulator-Detail"
#: The most a multipart upload may carry in non-file fields (the policy fields are small).
_MAX_FIELD_BYTES = 64 * 1024


def new_request_id() -> str:
    return str(uuid.uuid4())


def error_response(error: EmulatorApiError, request_id: str) -> JSONResponse:
    """The DashScope error envelope for a refusal, with its headers (``Retry-After``, ``X-Emulator-Detail``)."""
    headers = dict(error.headers)
    if error.detail:
        headers[DETAIL_HEADER] = _header_safe(error.detail)
        log.info("%s %s (%s)", error.status, error.code, error.detail)
    body = ErrorEnvelope(request_id=request_id, code=error.code, message=error.message).to_wire()
    return JSONResponse(body, status_code=error.status, headers=headers)


async def fault_before(fault: Fault | None, request_id: str) -> Response | None:
    """Apply the part of a fault that comes before handling: a reply that replaces handling, or None."""
    if fault is None:
        return None
    if fault.kind == "latency":
        await asyncio.sleep(fault.delay_s)
    elif fault.kind == "http_error":
        code, message = fault.envelope()
        headers = {}
        if fault.retry_after_s is not None:
            headers["Retry-After"] = f"{fault.retry_after_s:g}"
        return error_response(EmulatorApiError(fault.status, code, message, headers=headers), request_id)
    elif fault.kind == "drop_before":
        return DropResponse(fault.drop_style)
    return None


def fault_after(fault: Fault | None, response: Response) -> Response:
    """A ``drop_after`` fault replaces the (already acted upon) reply with a dropped connection."""
    if fault is not None and fault.kind == "drop_after":
        return DropResponse(fault.drop_style)
    return response


# ----- customization ----------------------------------------------------------------------------------------


async def customization(request: Request) -> Response:
    """``POST /api/v1/services/audio/tts/customization``."""
    backend: EmulatorBackend = request.app.state.backend
    request_id = new_request_id()
    raw_body = await request.body()
    try:
        raw: Any = json.loads(raw_body or b"null")
    except ValueError:
        raw = None
    action = _action_of(raw)
    fault = backend.faults.take(action) if action in RECEIVED_INPUT_FOR_ACTION else None
    early = await fault_before(fault, request_id)
    if early is not None:
        return early
    try:
        tenant = backend.require_tenant(request.headers.get("authorization"))
        output = await _enroll(backend, tenant, raw, oss_resolve=_oss_resolve(request))
        body = EnrollmentResponse[Any](request_id=request_id, output=output, usage=Usage(count=1)).to_wire()
        response: Response = JSONResponse(body)
    except EmulatorApiError as error:
        response = error_response(error, request_id)
    except Exception as error:  # a bug of ours must still look like the service's 500
        log.exception("customization %s failed", action)
        response = error_response(errors.internal_error(detail=f"emulator error: {error!r}"), request_id)
    return fault_after(fault, response)


async def _enroll(backend: EmulatorBackend, tenant: str, raw: Any, *, oss_resolve: bool) -> Any:
    if not isinstance(raw, dict):
        raise errors.invalid_parameter("input", detail="the body is not a JSON object")
    envelope = _parse(ReceivedEnrollmentRequest, raw, "input")
    if not envelope.model:
        raise errors.invalid_parameter("model")
    if envelope.model != ENROLLMENT_MODEL:
        raise errors.model_not_exist(envelope.model)
    if envelope.input is None:
        raise errors.invalid_parameter("input")
    action = envelope.input.get("action")
    model_type = RECEIVED_INPUT_FOR_ACTION.get(action) if isinstance(action, str) else None
    if model_type is None:
        raise errors.invalid_parameter("action", detail=f"unknown action {action!r}")
    parsed = _parse(model_type, envelope.input, "input")
    model = envelope.model
    if isinstance(parsed, ReceivedCreateVoiceInput):
        record = await run_in_threadpool(backend.create_voice, tenant, parsed, model=model, oss_resolve=oss_resolve)
        return CreateVoiceOutput(voice_id=record.voice_id)
    if isinstance(parsed, ReceivedListVoiceInput):
        return ListVoiceOutput(voice_list=backend.list_voices(tenant, parsed))
    if isinstance(parsed, ReceivedQueryVoiceInput):
        return backend.query_voice(tenant, parsed.voice_id)
    if isinstance(parsed, ReceivedUpdateVoiceInput):
        await run_in_threadpool(
            backend.update_voice, tenant, parsed.voice_id, parsed.url, model=model, oss_resolve=oss_resolve
        )
        return EmptyOutput()
    assert isinstance(parsed, ReceivedDeleteVoiceInput)
    backend.delete_voice(tenant, parsed.voice_id)
    return EmptyOutput()


def _parse(model_type: Any, data: dict[str, Any], fallback_field: str) -> Any:
    """Validate through a schema model; the first failing field becomes ``Required parameter(field)``."""
    try:
        return model_type.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        loc = [part for part in first.get("loc", ()) if isinstance(part, str)]
        raise errors.invalid_parameter(loc[0] if loc else fallback_field, detail=first.get("msg")) from error


def _action_of(raw: Any) -> str | None:
    if isinstance(raw, dict) and isinstance(raw.get("input"), dict):
        action = raw["input"].get("action")
        return action if isinstance(action, str) else None
    return None


def _oss_resolve(request: Request) -> bool:
    return request.headers.get(OSS_RESOLVE_HEADER, "").strip().lower() == "enable"


# ----- uploads ----------------------------------------------------------------------------------------------


async def get_policy(request: Request) -> Response:
    """``GET /api/v1/uploads?action=getPolicy&model=…``."""
    backend: EmulatorBackend = request.app.state.backend
    request_id = new_request_id()
    fault = backend.faults.take("get_policy")
    early = await fault_before(fault, request_id)
    if early is not None:
        return early
    try:
        tenant = backend.require_tenant(request.headers.get("authorization"))
        if request.query_params.get("action") != "getPolicy":
            raise errors.invalid_parameter("action")
        upload_host = str(request.base_url).rstrip("/") + UPLOAD_PATH
        policy = backend.issue_policy(tenant, request.query_params.get("model", ""), upload_host=upload_host)
        response: Response = JSONResponse(UploadPolicyResponse(request_id=request_id, data=policy).to_wire())
    except EmulatorApiError as error:
        response = error_response(error, request_id)
    except Exception as error:  # a bug of ours must still look like the service's 500
        log.exception("getPolicy failed")
        response = error_response(errors.internal_error(detail=f"emulator error: {error!r}"), request_id)
    return fault_after(fault, response)


async def upload(request: Request) -> Response:
    """``POST /_emulator/oss``: the OSS form upload (no Authorization; the signed policy is the credential)."""
    backend: EmulatorBackend = request.app.state.backend
    request_id = new_request_id()
    fault = backend.faults.take("upload")
    fields: dict[str, str] = {}
    data = b""
    content_type = ""
    has_file = False
    try:
        async with request.form(max_files=1, max_fields=32, max_part_size=_MAX_FIELD_BYTES) as form:
            for name, value in form.multi_items():
                if isinstance(value, UploadFile):
                    if name == "file":
                        has_file = True
                        data = await value.read()
                        content_type = value.content_type or ""
                else:
                    fields[name] = value
    except Exception as error:  # malformed multipart: starlette raises several kinds
        return _oss_error(UploadRefused(400, "InvalidArgument", f"Malformed POST form: {error}"), request_id)
    early = await fault_before(fault, request_id)
    if early is not None:
        return early
    response: Response
    if not has_file:
        return fault_after(fault, _oss_error(UploadRefused(400, "InvalidArgument", "No file in the form."), request_id))
    try:
        await run_in_threadpool(backend.store_upload, fields, data, content_type=content_type)
        status = fields.get("success_action_status", "204")
        response = Response(status_code=int(status) if status in ("200", "201") else 204)
    except UploadRefused as refused:
        response = _oss_error(refused, request_id)
    return fault_after(fault, response)


def _oss_error(refused: UploadRefused, request_id: str) -> Response:
    return Response(
        oss_error_xml(refused.code, refused.message, request_id),
        status_code=refused.status,
        media_type="application/xml",
        headers={"x-oss-request-id": request_id},
    )


# ----- results ----------------------------------------------------------------------------------------------


async def result(request: Request) -> Response:
    """``GET /_emulator/results/{name}``: synthesized audio, no auth, until it expires."""
    backend: EmulatorBackend = request.app.state.backend
    stored = backend.get_result(request.path_params["name"])
    if stored is None:
        return _oss_error(UploadRefused(404, "NoSuchKey", "The specified key does not exist."), new_request_id())
    return Response(stored.data, media_type=stored.content_type)


def _header_safe(text: str) -> str:
    return "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in text)[:300]
