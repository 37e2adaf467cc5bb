"""Wire models: every golden payload from the contract parses and round-trips; requests refuse unknown fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from cosyclone.schema.enrollment import (
    OUTPUT_FOR_ACTION,
    CreateVoiceOutput,
    EnrollmentRequest,
    EnrollmentResponse,
    ListVoiceInput,
    ListVoiceOutput,
    QueryVoiceOutput,
    format_gmt,
    parse_gmt,
)
from cosyclone.schema.errors import ErrorEnvelope
from cosyclone.schema.synthesis import (
    ClientMessage,
    HttpSynthesisRequest,
    HttpSynthesisResponse,
    ServerEvent,
    billed_characters,
)
from cosyclone.schema.uploads import UploadPolicyResponse
from tests.conftest import WIRE_FIXTURES

ACTIONS = ["create_voice", "list_voice", "query_voice", "update_voice", "delete_voice"]


def load(name: str) -> dict[str, object]:
    return json.loads((WIRE_FIXTURES / name).read_text(encoding="utf-8"))


def roundtrip(model: type[BaseModel], payload: dict[str, object]) -> None:
    parsed = model.model_validate(payload)
    assert parsed.model_dump(mode="json", exclude_none=True, by_alias=True) == payload


@pytest.mark.parametrize("action", ACTIONS)
def test_enrollment_request_roundtrips(action: str) -> None:
    payload = load(f"{action}.request.json")
    request = EnrollmentRequest.model_validate(payload)
    assert request.input.action == action
    assert request.to_wire() == payload


@pytest.mark.parametrize("action", ACTIONS)
def test_enrollment_response_roundtrips(action: str) -> None:
    payload = load(f"{action}.response.json")
    model = EnrollmentResponse[OUTPUT_FOR_ACTION[action]]  # type: ignore[misc]
    roundtrip(model, payload)


def test_request_refuses_unknown_field() -> None:
    with pytest.raises(ValidationError) as info:
        ListVoiceInput.model_validate({"action": "list_voice", "page_sise": 3})
    assert "page_sise" in str(info.value)


def test_response_keeps_new_fields() -> None:
    payload = load("query_voice.response.json")
    payload["output"]["new_field"] = "x"  # type: ignore[index]
    reply = EnrollmentResponse[QueryVoiceOutput].model_validate(payload)
    assert reply.output.model_extra == {"new_field": "x"}
    assert reply.output.status == "OK"


def test_list_and_create_outputs() -> None:
    listed = EnrollmentResponse[ListVoiceOutput].model_validate(load("list_voice.response.json"))
    assert listed.output.voice_list[0].status == "OK"
    created = EnrollmentResponse[CreateVoiceOutput].model_validate(load("create_voice.response.json"))
    assert created.output.voice_id.endswith("5452c7a4407c46119ef096d9860711ff")
    assert created.usage is not None and created.usage.count == 1


@pytest.mark.parametrize("name", ["error.invalid_api_key.json", "error.resource_not_exist.json"])
def test_error_envelope(name: str) -> None:
    roundtrip(ErrorEnvelope, load(name))


def test_error_envelope_accepts_msg_spelling() -> None:
    envelope = ErrorEnvelope.model_validate({"request_id": "r", "code": "X", "msg": "spelled msg"})
    assert envelope.message == "spelled msg"


def test_upload_policy() -> None:
    roundtrip(UploadPolicyResponse, load("get_policy.response.json"))


@pytest.mark.parametrize("name", ["ws.run_task.json", "ws.continue_task.json", "ws.finish_task.json"])
def test_ws_client_messages(name: str) -> None:
    roundtrip(ClientMessage, load(name))


@pytest.mark.parametrize(
    "name",
    [
        "ws.event.task_started.json",
        "ws.event.sentence_begin.json",
        "ws.event.sentence_synthesis.json",
        "ws.event.sentence_end.json",
        "ws.event.task_finished.json",
        "ws.event.task_failed.json",
    ],
)
def test_ws_server_events(name: str) -> None:
    payload = load(name)
    event = ServerEvent.model_validate(payload)
    assert event.header.event in {"task-started", "result-generated", "task-finished", "task-failed"}
    dumped = event.model_dump(mode="json", exclude_none=True)
    assert dumped["header"] == payload["header"]


def test_http_synthesis_shapes() -> None:
    request = HttpSynthesisRequest.model_validate(load("http_tts.request.json"))
    assert request.input.format == "wav"
    roundtrip(HttpSynthesisResponse, load("http_tts.response.json"))
    roundtrip(HttpSynthesisResponse, load("http_tts.sse_chunk.json"))


def test_gmt_roundtrip() -> None:
    moment = parse_gmt("2024-12-11 13:38:02")
    assert moment is not None
    assert format_gmt(moment) == "2024-12-11 13:38:02"
    assert parse_gmt("garbage") is None


def test_billed_characters_counts_cjk_twice() -> None:
    assert billed_characters("ab") == 2
    assert billed_characters("你好") == 4
    assert billed_characters("你a") == 3


def test_every_wire_fixture_is_tested() -> None:
    names = {p.name for p in Path(WIRE_FIXTURES).glob("*.json")}
    assert len(names) >= 24
