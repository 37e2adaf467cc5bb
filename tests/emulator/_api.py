"""Small helpers for talking to a running emulator with httpx in the emulator tests."""

from __future__ import annotations

from typing import Any

import httpx

from cosyclone.emulator.server import EmulatorServer
from cosyclone.schema.enrollment import CUSTOMIZATION_PATH
from tests.helpers.emulator_fixtures import EMULATOR_API_KEY

GOOD_SAMPLE = "good/librivox-reader-15s.wav"


def auth(key: str | None = EMULATOR_API_KEY) -> dict[str, str]:
    return {} if key is None else {"Authorization": f"Bearer {key}"}


def call(
    emu: EmulatorServer,
    input: dict[str, Any],
    *,
    key: str | None = EMULATOR_API_KEY,
    model: str | None = "voice-enrollment",
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> httpx.Response:
    """POST one customization action; returns the raw response."""
    body: dict[str, Any] = {"input": input, "parameters": {}}
    if model is not None:
        body["model"] = model
    return httpx.post(
        f"{emu.http_base_url}/{CUSTOMIZATION_PATH}",
        json=body,
        headers={**auth(key), **(headers or {})},
        timeout=timeout,
    )


def create(
    emu: EmulatorServer,
    url: str,
    *,
    prefix: str = "test",
    target_model: str = "cosyvoice-v3-plus",
    key: str | None = EMULATOR_API_KEY,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> httpx.Response:
    payload = {"action": "create_voice", "target_model": target_model, "prefix": prefix, "url": url, **extra}
    return call(emu, payload, key=key, headers=headers)


def create_ok(emu: EmulatorServer, url: str, **kwargs: Any) -> str:
    response = create(emu, url, **kwargs)
    assert response.status_code == 200, response.text
    voice_id: str = response.json()["output"]["voice_id"]
    return voice_id


def query(emu: EmulatorServer, voice_id: str, *, key: str | None = EMULATOR_API_KEY) -> httpx.Response:
    return call(emu, {"action": "query_voice", "voice_id": voice_id}, key=key)


def list_voices(emu: EmulatorServer, *, key: str | None = EMULATOR_API_KEY, **params: Any) -> httpx.Response:
    return call(emu, {"action": "list_voice", "page_index": 0, "page_size": 10, **params}, key=key)


def assert_error(response: httpx.Response, status: int, code: str, message: str | None = None) -> dict[str, Any]:
    """The reply is the DashScope envelope with this status and code (and message, when given)."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"request_id", "code", "message"}, body
    assert body["code"] == code, body
    assert body["request_id"]
    if message is not None:
        assert body["message"] == message, body
    return body
