"""The normalized cosyvoice.voice_clone interface: every rule, in plain words, and the mapping to the wire."""

from __future__ import annotations

from typing import Any

import pytest

from cosyclone import InvalidRequestError, prepare_clone
from cosyclone.catalog import check_enrollment, check_synthesis_model, model_from_voice_id
from cosyclone.schema.enrollment import CreateVoiceOutput, EnrollmentResponse
from cosyclone.voice_clone import clone_response_from_wire, parse_saved_response

BASE: dict[str, Any] = {"prefix": "demo", "voice_sample_url": "https://example.com/a.wav"}


def problems(fields: dict[str, Any], region: str = "cn-beijing") -> dict[str, str]:
    with pytest.raises(InvalidRequestError) as info:
        prepare_clone(fields, region=region)
    assert "ValidationError" not in str(info.value)
    return {p.field: p.rule for p in info.value.problems}


def test_defaults_and_wire_mapping() -> None:
    prepared = prepare_clone({**BASE, "language_hints": ["en", "zh"]}, region="cn-beijing")
    wire = prepared.wire.to_wire()
    assert wire == {
        "model": "voice-enrollment",
        "input": {
            "action": "create_voice",
            "target_model": "cosyvoice-v3.5-plus",
            "prefix": "demo",
            "url": "https://example.com/a.wav",
            "language_hints": ["en"],
        },
        "parameters": {},
    }
    assert any("only the first language hint" in n for n in prepared.notes)


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"prefix": "my-voice"}, "prefix", "letters and digits"),
        ({"prefix": "abcdefghijk"}, "prefix", "at most 10"),
        ({"prefix": ""}, "prefix", "required"),
        ({"voice_sample_url": "/tmp/a.wav"}, "voice_sample_url", "http(s) URL"),
        ({"model": "other"}, "model", "voice-enrollment"),
        ({"max_prompt_audio_length": 2.0}, "max_prompt_audio_length", "between 3 and 30"),
        ({"max_prompt_audio_length": 31}, "max_prompt_audio_length", "between 3 and 30"),
        ({"language_hints": []}, "language_hints", "at least one"),
        ({"target_model": "cosyvoice-v9"}, "target_model", "must be one of"),
        ({"target_model": "cosyvoice-v3-plus", "enable_preprocess": True}, "enable_preprocess", "only"),
        ({"target_model": "cosyvoice-v2", "max_prompt_audio_length": 10}, "max_prompt_audio_length", "only"),
        ({"target_model": "cosyvoice-v2", "language_hints": ["zh"]}, "language_hints", "no language hint"),
        ({"language_hints": ["xx"]}, "language_hints", "zh, en, fr"),
    ],
)
def test_each_rule_names_field_and_rule(fields: dict[str, Any], field: str, words: str) -> None:
    found = problems({**BASE, **fields})
    assert field in found
    assert words in found[field]


def test_missing_required_fields() -> None:
    found = problems({})
    assert found == {"prefix": "is required", "voice_sample_url": "is required"}


def test_unknown_field_is_refused() -> None:
    assert "prefx" in problems({**BASE, "prefx": "x"})


def test_region_rules() -> None:
    found = problems({**BASE, "target_model": "cosyvoice-v3.5-flash"}, region="ap-southeast-1")
    assert "ap-southeast-1" in found["target_model"]
    found = problems({**BASE, "target_model": "cosyvoice-v3.5-plus"}, region="us-east-1")
    assert "clones only in cn-beijing" in found["target_model"]


def test_a_disputed_region_rule_warns_and_sends() -> None:
    """Issue 12: Singapore cloning of the v3 series is disputed between sources (contract §10.4): a note, no refusal."""
    for model in ("cosyvoice-v3-flash", "cosyvoice-v3-plus", "qwen-audio-3.0-tts-flash"):
        prepared = prepare_clone({**BASE, "target_model": model}, region="ap-southeast-1")
        assert prepared.disputed and "disagree" in prepared.disputed[0]
        assert any("disagree" in note for note in prepared.notes)
        assert prepared.wire.input.target_model == model  # type: ignore[union-attr]


def test_a_dialect_hint_gets_the_dialect_advice() -> None:
    found = problems({**BASE, "language_hints": ["yue"]}, region="cn-beijing")
    assert "Cantonese" in found["language_hints"] and "enroll with language hint zh" in found["language_hints"]
    assert "instruction" in found["language_hints"]


def test_skip_catalog_check_overrides() -> None:
    prepared = prepare_clone(
        {**BASE, "target_model": "cosyvoice-v3-flash"}, region="ap-southeast-1", skip_catalog_check=True
    )
    assert prepared.wire.input.target_model == "cosyvoice-v3-flash"  # type: ignore[union-attr]


def test_v3_plus_hints() -> None:
    assert check_enrollment(
        target_model="cosyvoice-v3-plus",
        region="cn-beijing",
        language_hint="pt",
        max_prompt_audio_length=None,
        enable_preprocess=None,
    )


def test_model_follows_voice() -> None:
    assert model_from_voice_id("cosyvoice-v3.5-plus-demo-0123456789abcdef0123456789abcdef") == "cosyvoice-v3.5-plus"
    assert model_from_voice_id("cosyvoice-v3-plus-demo-x") == "cosyvoice-v3-plus"
    assert model_from_voice_id("longanyang") is None
    problem = check_synthesis_model(
        voice_id="cosyvoice-v3.5-plus-demo-0123", model="cosyvoice-v3-flash", voice_target_model=None
    )
    assert problem is not None and "cosyvoice-v3.5-plus" in problem.rule
    assert check_synthesis_model(voice_id="longanyang", model="cosyvoice-v3-flash", voice_target_model=None) is None


def test_response_mapping() -> None:
    reply = EnrollmentResponse[CreateVoiceOutput].model_validate(
        {"output": {"voice_id": "v"}, "usage": {"count": 1}, "request_id": "r"}
    )
    normalized = clone_response_from_wire(reply)
    assert normalized.voice_id == "v" and normalized.request_id == "r" and normalized.usage.count == 1
    assert parse_saved_response({"voice_id": "v2", "request_id": "r2"}).voice_id == "v2"
    with pytest.raises(InvalidRequestError):
        parse_saved_response({"output": {}})
