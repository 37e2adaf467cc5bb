"""The fast tier of client tests (httpx's MockTransport seam): request shapes and error mapping without sockets.

The live-emulator tests in tests/client/ remain the proof of behaviour; these pin what goes on the wire against
the contract's golden payloads (tests/fixtures/wire/) and how replies map to the error tree, in milliseconds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from cosyclone import AuthenticationError, NotFoundError, VoiceQuotaExceededError
from cosyclone.client import Client
from cosyclone.schema import errors as codes
from cosyclone.schema.endpoints import API_PREFIX
from cosyclone.schema.enrollment import CUSTOMIZATION_PATH

WIRE = Path(__file__).resolve().parents[1] / "fixtures" / "wire"
BASE = "http://127.0.0.1:9" + API_PREFIX
KEY = "sk-mocktransport0000"
VOICE_ID = "cosyvoice-v3.5-plus-myvoice-5452c7a4407c46119ef096d9860711ff"


def golden(name: str) -> Any:
    return json.loads((WIRE / name).read_text(encoding="utf-8"))


class Recorder:
    """A MockTransport handler that records requests and answers with a fixed status and body."""

    def __init__(self, status: int, body: Any) -> None:
        self.status, self.body = status, body
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status, json=self.body, headers={"x-request-id": "mock"})

    def only_body(self) -> Any:
        [request] = self.requests
        return json.loads(request.content)


def make_client(handler: Callable[[httpx.Request], httpx.Response]) -> Client:
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return Client(api_key=KEY, base_url=BASE, http_client=http, max_retries=0)


def test_get_sends_query_voice_as_the_contract_shows() -> None:
    recorder = Recorder(200, golden("query_voice.response.json"))
    voice = make_client(recorder).voices.get(VOICE_ID)
    [request] = recorder.requests
    assert request.method == "POST" and str(request.url) == f"{BASE}/{CUSTOMIZATION_PATH}"
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert recorder.only_body()["input"] == golden("query_voice.request.json")["input"]
    assert recorder.only_body()["model"] == "voice-enrollment"
    assert voice.voice_id == VOICE_ID and voice.status == "OK" and voice.target_model == "cosyvoice-v3.5-plus"


def test_list_sends_list_voice_with_paging() -> None:
    recorder = Recorder(200, golden("list_voice.response.json"))
    page = make_client(recorder).voices.list(prefix="myvoice", page_index=0, page_size=10)
    assert recorder.only_body()["input"] == golden("list_voice.request.json")["input"]
    assert [v.voice_id for v in page.voices] == [VOICE_ID]


def test_create_sends_create_voice_with_a_url_sample() -> None:
    recorder = Recorder(200, golden("create_voice.response.json"))
    created = make_client(recorder).voices.create(
        prefix="myvoice", sample="https://yourAudioFileUrl", target_model="cosyvoice-v3.5-plus", language_hints=["zh"]
    )
    sent = recorder.only_body()["input"]
    expected = golden("create_voice.request.json")["input"]
    assert {k: sent[k] for k in expected} == expected
    assert VOICE_ID in str(created)


@pytest.mark.parametrize(
    ("status", "code", "error_class"),
    [
        (400, codes.RESOURCE_NOT_EXIST, NotFoundError),
        (401, codes.INVALID_API_KEY, AuthenticationError),
        (400, codes.ALLOCATION_QUOTA, VoiceQuotaExceededError),
    ],
)
def test_error_envelope_maps_to_its_class(status: int, code: str, error_class: type[Exception]) -> None:
    recorder = Recorder(status, {"request_id": "req-1", "code": code, "message": "refused"})
    with pytest.raises(error_class) as caught:
        make_client(recorder).voices.get(VOICE_ID)
    assert getattr(caught.value, "code", None) == code and getattr(caught.value, "request_id", None) == "req-1"
    assert KEY not in str(caught.value) and KEY not in repr(caught.value)


def test_golden_error_fixture_maps_to_not_found() -> None:
    recorder = Recorder(400, golden("error.resource_not_exist.json"))
    with pytest.raises(NotFoundError):
        make_client(recorder).voices.get(VOICE_ID)
