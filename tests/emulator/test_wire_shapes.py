"""The emulator's replies have the shapes of the golden payloads in ``tests/fixtures/wire`` (contract §3.4, §7)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from cosyclone.emulator.server import EmulatorServer
from tests.conftest import WIRE_FIXTURES
from tests.emulator._api import GOOD_SAMPLE, auth, call, create, list_voices, query
from tests.helpers.emulator_fixtures import SampleServer


def shape(value: Any) -> Any:
    """Keys and value types, recursively (lists by their first element)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def golden(name: str) -> Any:
    return shape(json.loads((WIRE_FIXTURES / name).read_text()))


def test_every_reply_matches_its_golden_payload(emulator: EmulatorServer, sample_server: SampleServer) -> None:
    created = create(emulator, sample_server.url(GOOD_SAMPLE)).json()
    assert shape(created) == golden("create_voice.response.json")
    voice_id = created["output"]["voice_id"]
    assert shape(list_voices(emulator).json()) == golden("list_voice.response.json")
    assert shape(query(emulator, voice_id).json()) == golden("query_voice.response.json")
    updated = call(emulator, {"action": "update_voice", "voice_id": voice_id, "url": sample_server.url(GOOD_SAMPLE)})
    assert shape(updated.json()) == golden("update_voice.response.json")
    deleted = call(emulator, {"action": "delete_voice", "voice_id": voice_id})
    assert shape(deleted.json()) == golden("delete_voice.response.json")
    assert shape(query(emulator, voice_id).json()) == golden("error.resource_not_exist.json")
    assert shape(list_voices(emulator, key="bad").json()) == golden("error.invalid_api_key.json")
    policy = httpx.get(
        f"{emulator.http_base_url}/uploads", params={"action": "getPolicy", "model": "voice-enrollment"}, headers=auth()
    )
    assert shape(policy.json()) == golden("get_policy.response.json")


def test_golden_requests_are_accepted(emulator: EmulatorServer, sample_server: SampleServer) -> None:
    """The documented request bodies, sent as they are (with a reachable sample URL), succeed or fail only for
    the voice not existing."""
    for action in ("create_voice", "list_voice", "query_voice", "update_voice", "delete_voice"):
        body = json.loads((WIRE_FIXTURES / f"{action}.request.json").read_text())
        if "url" in body["input"]:
            body["input"]["url"] = sample_server.url(GOOD_SAMPLE)
        response = httpx.post(
            f"{emulator.http_base_url}/services/audio/tts/customization", json=body, headers=auth(), timeout=30
        )
        if action in ("query_voice", "update_voice", "delete_voice"):
            assert response.status_code in (200, 400), response.text
            if response.status_code == 400:
                assert response.json()["code"] == "BadRequest.ResourceNotExist"
        else:
            assert response.status_code == 200, response.text
