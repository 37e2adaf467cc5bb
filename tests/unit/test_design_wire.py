"""Voice design on the wire (contract §11.1) through httpx's MockTransport: the request shape, and both readings
of the UNCERTAIN reply points (``status`` present or not, the preview's own format keys present or not)."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from cosyclone import InvalidRequestError
from cosyclone.client import Client
from cosyclone.schema.endpoints import API_PREFIX

BASE = "http://127.0.0.1:9" + API_PREFIX
VOICE_ID = "cosyvoice-v3-flash-vd-announcer-8aae0c0397fa408ca60c29cf2b1e2a3c"
PREVIEW = b"RIFF\x24\x00\x00\x00WAVEfmt "


class Service:
    """Answers create with ``create_output``, then query_voice with OK; records every body."""

    def __init__(self, create_output: dict[str, Any]) -> None:
        self.create_output = create_output
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.bodies.append(body)
        if body["input"]["action"] == "create_voice":
            return httpx.Response(200, json={"request_id": "r1", "output": self.create_output, "usage": {"count": 1}})
        output = {"voice_id": VOICE_ID, "target_model": "cosyvoice-v3-flash", "status": "OK"}
        return httpx.Response(200, json={"request_id": "r2", "output": output, "usage": {"count": 1}})


def client(service: Service) -> Client:
    http = httpx.Client(transport=httpx.MockTransport(service))
    return Client(api_key="sk-mocktransport0000", base_url=BASE, http_client=http, max_retries=0)


def test_the_request_is_the_contracts_design_body() -> None:
    service = Service(
        {"voice_id": VOICE_ID, "status": "OK", "preview_audio": {"data": base64.b64encode(PREVIEW).decode()}}
    )
    designed = client(service).voices.design(
        "沉稳的中年男性，音色低沉浑厚",
        prefix="announcer",
        target_model="cosyvoice-v3-flash",
        preview_text="各位听众朋友，大家好",
        language_hints=["zh"],
        preview_format="mp3",
        preview_sample_rate=48000,
    )
    assert service.bodies == [
        {
            "model": "voice-enrollment",
            "input": {
                "action": "create_voice",
                "target_model": "cosyvoice-v3-flash",
                "voice_prompt": "沉稳的中年男性，音色低沉浑厚",
                "preview_text": "各位听众朋友，大家好",
                "prefix": "announcer",
                "language_hints": ["zh"],
            },
            "parameters": {"sample_rate": 48000, "response_format": "mp3"},
        }
    ]
    # The reply named no format: the request's is the preview's.
    assert (designed.preview_audio, designed.preview_format, designed.preview_sample_rate) == (PREVIEW, "mp3", 48000)


@pytest.mark.parametrize("status", [None, "DEPLOYING"])
def test_a_reply_without_ok_is_polled_until_ok(status: str | None) -> None:
    output: dict[str, Any] = {"voice_id": VOICE_ID, "preview_audio": {"data": base64.b64encode(PREVIEW).decode()}}
    if status is not None:
        output["status"] = status
    service = Service(output)
    designed = client(service).voices.design("a calm voice", prefix="announcer", target_model="cosyvoice-v3-flash")
    assert designed.status == "OK" and [b["input"]["action"] for b in service.bodies] == ["create_voice", "query_voice"]
    unwaited = Service(output)
    assert client(unwaited).voices.design("a calm voice", prefix="a", wait=False).status == status
    assert len(unwaited.bodies) == 1


def test_a_preview_that_is_not_base64_is_refused_clearly() -> None:
    service = Service({"voice_id": VOICE_ID, "status": "OK", "preview_audio": {"data": "not base64!"}})
    with pytest.raises(ValueError):
        client(service).voices.design("a calm voice", prefix="announcer")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"voice_prompt": "a" * 501}, "voice_prompt"),
        ({"voice_prompt": "やさしい声"}, "voice_prompt"),  # kana: neither Chinese nor English
        ({"preview_text": "  "}, "preview_text"),
        ({"prefix": "x" * 11}, "prefix"),
        ({"target_model": "qwen-voice-design"}, "target_model"),
    ],
)
def test_local_rules_name_the_field_and_send_nothing(kwargs: dict[str, Any], field: str) -> None:
    service = Service({})
    arguments: dict[str, Any] = {"voice_prompt": "a calm voice", "prefix": "ok", **kwargs}
    with pytest.raises(InvalidRequestError) as raised:
        client(service).voices.design(arguments.pop("voice_prompt"), **arguments)
    assert [p.field for p in raised.value.problems] == [field] and service.bodies == []
