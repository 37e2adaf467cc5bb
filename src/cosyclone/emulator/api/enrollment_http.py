"""Enrollment and uploads over HTTP: the customization endpoint (five enrollment actions), ``getPolicy``, the
OSS-style upload POST, and the download of synthesized results.

A thin layer: parse through :mod:`cosyclone.schema`, ask the armed fault what to do before the request and after
the response (:mod:`cosyclone.emulator.faults`), call the backend through
:class:`~cosyclone.emulator.ports.EnrollmentBackend`, render replies (the DashScope envelope on errors).
Imported by :mod:`cosyclone.emulator.api.app` only, which mounts :func:`enrollment_routes`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from cosyclone.emulator import errors
from cosyclone.emulator.api.design import create_designed_voice
from cosyclone.emulator.api.paths import API_PREFIX, RESULTS_PATH, UPLOAD_PATH
from cosyclone.emulator.api.replies import carry_out, error_response, new_request_id
from cosyclone.emulator.errors import EmulatorApiError
from cosyclone.emulator.faults import ArmedFault
from cosyclone.emulator.ports import EnrollmentBackend
from cosyclone.emulator.state.uploads import UploadRefused, oss_error_xml
from cosyclone.schema.design import design_input_fields
from cosyclone.schema.enrollment import (
    CUSTOMIZATION_PATH,
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
from cosyclone.schema.uploads import OSS_RESOLVE_HEADER, UPLOADS_PATH, UploadPolicyResponse

log = logging.getLogger(__name__)

#: The most a multipart upload may carry in non-file fields (the policy fields are small).
_MAX_FIELD_BYTES = 64 * 1024

Handler = Callable[[Request, EnrollmentBackend], Awaitable[Response]]


def enrollment_routes(backend: EnrollmentBackend) -> list[BaseRoute]:
    """The customization, ``getPolicy``, upload and result routes, served from ``backend``."""

    def bound(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return await handler(request, backend)

        return endpoint

    return [
        Route(f"{API_PREFIX}/{CUSTOMIZATION_PATH}", bound(customization), methods=["POST"]),
        Route(f"{API_PREFIX}/{UPLOADS_PATH}", bound(get_policy), methods=["GET"]),
        Route(UPLOAD_PATH, bound(upload), methods=["POST"]),
        Route(f"{RESULTS_PATH}/{{name}}", bound(result), methods=["GET"]),
    ]


async def _after(fault: ArmedFault, response: Response, request_id: str) -> Response:
    """The reply, unless the fault says otherwise once the server has acted."""
    return await carry_out(fault.after_response(), request_id) or response


# ----- customization ----------------------------------------------------------------------------------------


async def customization(request: Request, backend: EnrollmentBackend) -> Response:
    """``POST /api/v1/services/audio/tts/customization``."""
    request_id = new_request_id()
    raw_body = await request.body()
    try:
        raw: Any = json.loads(raw_body or b"null")
    except ValueError:
        raw = None
    action = _action_of(raw)
    fault = backend.faults.arm(action if action in RECEIVED_INPUT_FOR_ACTION else None)
    early = await carry_out(fault.before_request(), request_id)
    if early is None and action == "create_voice":
        early = await carry_out(fault.on_create_input(raw["input"]), request_id)
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
    return await _after(fault, response, request_id)


async def _enroll(backend: EnrollmentBackend, tenant: str, raw: Any, *, oss_resolve: bool) -> Any:
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
    if action == "create_voice" and design_input_fields(envelope.input):
        parameters = envelope.parameters or {}
        return await run_in_threadpool(create_designed_voice, backend, tenant, envelope.input, parameters)
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


async def get_policy(request: Request, backend: EnrollmentBackend) -> Response:
    """``GET /api/v1/uploads?action=getPolicy&model=…``."""
    request_id = new_request_id()
    fault = backend.faults.arm("get_policy")
    early = await carry_out(fault.before_request(), request_id)
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
    return await _after(fault, response, request_id)


async def upload(request: Request, backend: EnrollmentBackend) -> Response:
    """``POST /_emulator/oss``: the OSS form upload (no Authorization; the signed policy is the credential)."""
    request_id = new_request_id()
    fault = backend.faults.arm("upload")
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
    early = await carry_out(fault.before_request(), request_id)
    if early is not None:
        return early
    response: Response
    if not has_file:
        no_file = _oss_error(UploadRefused(400, "InvalidArgument", "No file in the form."), request_id)
        return await _after(fault, no_file, request_id)
    try:
        await run_in_threadpool(backend.store_upload, fields, data, content_type=content_type)
        status = fields.get("success_action_status", "204")
        response = Response(status_code=int(status) if status in ("200", "201") else 204)
    except UploadRefused as refused:
        response = _oss_error(refused, request_id)
    return await _after(fault, response, request_id)


def _oss_error(refused: UploadRefused, request_id: str) -> Response:
    return Response(
        oss_error_xml(refused.code, refused.message, request_id),
        status_code=refused.status,
        media_type="application/xml",
        headers={"x-oss-request-id": request_id},
    )


# ----- results ----------------------------------------------------------------------------------------------


async def result(request: Request, backend: EnrollmentBackend) -> Response:
    """``GET /_emulator/results/{name}``: synthesized audio, no auth, until it expires."""
    stored = backend.get_result(request.path_params["name"])
    if stored is None:
        return _oss_error(UploadRefused(404, "NoSuchKey", "The specified key does not exist."), new_request_id())
    return Response(stored.data, media_type=stored.content_type)
