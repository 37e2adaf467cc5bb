"""The control plane: JSON endpoints under ``/_emulator`` that tests use to steer a running emulator.

No authentication (the emulator listens on loopback). Every endpoint has an in-process twin on
:class:`cosyclone.emulator.state.backend.EmulatorBackend` (named in brackets):

- ``GET  /_emulator/health`` → ``{"ok": true}``
- ``GET  /_emulator/state`` → settings, tenants' voices and uploads, pending faults [``snapshot()``]
- ``POST /_emulator/reset``  ``{"api_key"|"tenant"}`` (optional) → forget one tenant, or everything incl. faults
  and settings [``reset()``]
- ``GET|POST /_emulator/settings`` ``{"ready_delay_s", "voice_quota", "idle_timeout_s", "sentence_latency_s"}``
  (any subset) → the settings [attributes]
- ``POST /_emulator/voices`` ``{"api_key"|"tenant", "voices": [{"target_model", "prefix", "voice_id", "status",
  "ready_in_s", "f0_hz", "resource_link"}]}`` → ``{"voices": [{"voice_id", "status"}]}`` [``seed_voice()``]
- ``POST /_emulator/voices/{voice_id}/status`` ``{"status", "ready_in_s", "api_key"|"tenant"}`` (owner optional)
  → the voice [``set_voice_status()``]
- ``POST /_emulator/faults`` a :class:`~cosyclone.emulator.faults.Fault` (or a list) → ``{"pending": […]}``;
  ``GET`` lists pending faults; ``DELETE`` disarms all [``faults.add()``, ``faults.pending()``, ``faults.clear()``]

Refusals are ``400 {"error": "..."}`` (``404`` for an unknown voice). Imported by :mod:`cosyclone.emulator.api.app`.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from cosyclone import catalog
from cosyclone.emulator.api.paths import CONTROL_PREFIX
from cosyclone.emulator.faults import Fault
from cosyclone.emulator.state.backend import EmulatorBackend
from cosyclone.schema.enrollment import VoiceStatus

PREFIX = CONTROL_PREFIX


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TenantRef(_Strict):
    api_key: str | None = None
    tenant: str | None = None


class SettingsUpdate(_Strict):
    ready_delay_s: float | None = Field(default=None, ge=0)
    voice_quota: int | None = Field(default=None, ge=0)
    idle_timeout_s: float | None = Field(default=None, gt=0)
    sentence_latency_s: float | None = Field(default=None, ge=0)


class SeedVoice(_Strict):
    target_model: str = catalog.DEFAULT_TARGET_MODEL
    prefix: str = "seed"
    voice_id: str | None = None
    status: VoiceStatus = "OK"
    ready_in_s: float | None = Field(default=None, ge=0)
    f0_hz: float | None = Field(default=None, gt=0)
    resource_link: str = "https://example.invalid/seed.wav"


class SeedRequest(TenantRef):
    voices: list[SeedVoice] = Field(default_factory=lambda: [SeedVoice()])


class StatusUpdate(TenantRef):
    status: VoiceStatus
    ready_in_s: float | None = Field(default=None, ge=0)


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _backend(request: Request) -> EmulatorBackend:
    backend: EmulatorBackend = request.app.state.backend
    return backend


async def _json(request: Request) -> Any:
    body = await request.body()
    if not body.strip():
        return {}
    try:
        return json.loads(body)
    except ValueError as error:
        raise ControlError(f"body is not JSON: {error}") from error


def _tenant(backend: EmulatorBackend, ref: TenantRef, *, required: bool) -> str | None:
    if ref.api_key is not None:
        return backend.tenant_of_key(ref.api_key)
    if ref.tenant is None and required:
        raise ControlError('give "api_key" (or "tenant", an id from /_emulator/state)')
    return ref.tenant


def _guard(handler: Any) -> Any:
    async def endpoint(request: Request) -> Response:
        try:
            result = await handler(request)
        except ValidationError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        except ControlError as error:
            return JSONResponse({"error": str(error)}, status_code=error.status)
        return result if isinstance(result, Response) else JSONResponse(result)

    return endpoint


async def health(request: Request) -> Any:
    return {"ok": True}


async def state(request: Request) -> Any:
    return _backend(request).snapshot()


async def reset(request: Request) -> Any:
    backend = _backend(request)
    ref = TenantRef.model_validate(await _json(request))
    tenant = _tenant(backend, ref, required=False)
    backend.reset(tenant=tenant)
    return {"ok": True, "tenant": tenant}


async def settings(request: Request) -> Any:
    backend = _backend(request)
    if request.method != "GET":
        update = SettingsUpdate.model_validate(await _json(request))
        for name, value in update.model_dump(exclude_none=True).items():
            setattr(backend, name, value)
    return backend.settings()


async def seed_voices(request: Request) -> Any:
    backend = _backend(request)
    seed = SeedRequest.model_validate(await _json(request))
    tenant = _tenant(backend, seed, required=True)
    assert tenant is not None
    created = [backend.seed_voice(tenant, **voice.model_dump()) for voice in seed.voices]
    now = backend.clock()
    return {"tenant": tenant, "voices": [{"voice_id": v.voice_id, "status": v.status_at(now)} for v in created]}


async def voice_status(request: Request) -> Any:
    backend = _backend(request)
    update = StatusUpdate.model_validate(await _json(request))
    voice_id = request.path_params["voice_id"]
    try:
        record = backend.set_voice_status(
            voice_id, update.status, ready_in_s=update.ready_in_s, tenant=_tenant(backend, update, required=False)
        )
    except KeyError as error:
        raise ControlError(f"no voice {voice_id!r}", status=404) from error
    return {**record.to_dict(), "status": record.status_at(backend.clock())}


async def faults(request: Request) -> Any:
    backend = _backend(request)
    if request.method == "POST":
        body = await _json(request)
        for item in body if isinstance(body, list) else [body]:
            backend.faults.add(Fault.model_validate(item))
    elif request.method == "DELETE":
        backend.faults.clear()
    return {"pending": [f.model_dump(mode="json") for f in backend.faults.pending()]}


def control_routes() -> list[BaseRoute]:
    return [
        Route(f"{PREFIX}/health", _guard(health), methods=["GET"]),
        Route(f"{PREFIX}/state", _guard(state), methods=["GET"]),
        Route(f"{PREFIX}/reset", _guard(reset), methods=["POST"]),
        Route(f"{PREFIX}/settings", _guard(settings), methods=["GET", "POST", "PUT", "PATCH"]),
        Route(f"{PREFIX}/voices", _guard(seed_voices), methods=["POST"]),
        Route(f"{PREFIX}/voices/{{voice_id}}/status", _guard(voice_status), methods=["POST", "PUT"]),
        Route(f"{PREFIX}/faults", _guard(faults), methods=["GET", "POST", "DELETE"]),
    ]
