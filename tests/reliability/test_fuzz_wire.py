"""Bad input, generated: the normalized request and every wire parser, over arbitrary values.

- ``cosyclone.prepare_clone`` on arbitrary dicts (known keys with arbitrary values, unknown keys, any region):
  a prepared request, or ``InvalidRequestError`` whose problems each name a field — never another exception.
- Every wire model of :mod:`cosyclone.schema` on arbitrary JSON: a model or ``pydantic.ValidationError``.
- The small parsers the client trusts with what the network sends: ``Retry-After``, service timestamps, saved
  responses, WebSocket frames.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from cosyclone import InvalidRequestError, prepare_clone
from cosyclone.catalog import REGIONS, TARGET_MODELS
from cosyclone.schema import clone, enrollment, errors, synthesis, uploads
from cosyclone.schema.clone import VoiceCloneRequest
from tests.reliability.conftest import EXPLORE, EXPLORE_FACTOR

FUZZ = settings(
    max_examples=120 * EXPLORE_FACTOR,
    deadline=None,
    derandomize=not EXPLORE,
    suppress_health_check=[HealthCheck.too_slow],
)

# ----- values -----------------------------------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.binary(max_size=20)
)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)
any_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=8) | st.integers(), inner, max_size=3)
        | st.sets(st.integers(), max_size=3)
    ),
    max_leaves=10,
)

FIELDS = list(VoiceCloneRequest.model_fields)
plausible = {
    "model": st.sampled_from(["voice-enrollment", "", "voice-enrollment ", "cosyvoice-v3.5-plus"]),
    "target_model": st.sampled_from([*TARGET_MODELS, "", "cosyvoice-v9", "COSYVOICE-V3-PLUS"]),
    "prefix": st.text(max_size=14) | st.from_regex(r"[A-Za-z0-9]{1,12}", fullmatch=True),
    "voice_sample_url": st.sampled_from(["https://example.invalid/a.wav", "oss://dir/a.wav", "ftp://x", "", "oss://"])
    | st.text(max_size=30),
    "language_hints": st.lists(st.text(max_size=5), max_size=3) | st.lists(st.sampled_from(["zh", "en", "ja"])),
    "max_prompt_audio_length": st.floats(allow_nan=True, allow_infinity=True) | st.integers(-5, 50),
    "enable_preprocess": st.booleans(),
    "enable_volume_normalization": st.booleans(),
}
field_values = st.one_of(
    [st.tuples(st.just(name), plausible[name] | any_values) for name in FIELDS]
    + [st.tuples(st.text(max_size=10), any_values)]  # unknown keys
)
requests = st.lists(field_values, max_size=9).map(dict)
regions = st.sampled_from(REGIONS) | st.text(max_size=15)


def _field_names(problem_field: str) -> str:
    return problem_field.split(".", 1)[0]


@FUZZ
@given(fields=requests, region=regions, skip=st.booleans())
def test_prepare_clone_raises_only_invalid_request_naming_fields(
    fields: dict[str, Any], region: str, skip: bool
) -> None:
    try:
        prepared = prepare_clone(fields, region=region, skip_catalog_check=skip)
    except InvalidRequestError as error:
        assert error.problems, "an InvalidRequestError names at least one problem"
        for problem in error.problems:
            # A known field, or a nested part of one ("language_hints.0"), or an unknown key as given; an unknown
            # key "" is reported as the field "request" (pydantic's loc is empty): cosmetic, tolerated.
            known = _field_names(problem.field) in FIELDS
            empty_key = problem.field == "request" and "" in fields
            assert known or problem.field in fields or empty_key, f"{problem.field!r} is not a field of the request"
            assert problem.rule and isinstance(problem.rule, str)
        assert str(error) and repr(error)
        return
    # Accepted: the wire body is well formed and says what was asked.
    wire: dict[str, Any] = prepared.wire.to_wire()
    json.dumps(wire)
    assert wire["input"]["prefix"] == fields["prefix"] and wire["input"]["url"] == fields["voice_sample_url"]
    assert prepared.request.target_model in TARGET_MODELS or skip


@FUZZ
@given(fields=requests)
def test_prepare_clone_accepts_a_model_instance_too(fields: dict[str, Any]) -> None:
    try:
        request = VoiceCloneRequest.model_validate(fields)
    except ValidationError:
        return
    try:
        prepare_clone(request, region="cn-beijing")
    except InvalidRequestError as error:
        assert all(_field_names(p.field) in FIELDS for p in error.problems)


# ----- wire models ------------------------------------------------------------------------------------------


def _wire_models() -> list[type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    for module in (clone, enrollment, errors, synthesis, uploads):
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, BaseModel) and value.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = value
    outputs = (enrollment.CreateVoiceOutput, enrollment.ListVoiceOutput, enrollment.QueryVoiceOutput)
    for output in (*outputs, enrollment.EmptyOutput):
        found[f"EnrollmentResponse[{output.__name__}]"] = enrollment.EnrollmentResponse[output]  # type: ignore[valid-type]
    return [found[k] for k in sorted(found)]


WIRE_MODELS = _wire_models()


def test_every_schema_module_is_fuzzed() -> None:
    assert len(WIRE_MODELS) >= 30
    names = {m.__name__ for m in WIRE_MODELS}
    assert {"ServerEvent", "ErrorEnvelope", "UploadPolicyResponse", "HttpSynthesisResponse"} <= names


@pytest.mark.parametrize("model", WIRE_MODELS, ids=lambda m: m.__name__)
@settings(
    max_examples=25 * EXPLORE_FACTOR,
    deadline=None,
    derandomize=not EXPLORE,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=json_values)
def test_wire_models_raise_only_validation_errors(model: type[BaseModel], data: Any) -> None:
    try:
        parsed = model.model_validate(data)
    except ValidationError:
        return
    # Whatever parses can be written back as JSON.
    dumped = parsed.model_dump(mode="json", by_alias=True)
    json.dumps(dumped)


@pytest.mark.parametrize("model", [synthesis.ServerEvent, synthesis.ClientMessage], ids=lambda m: m.__name__)
@settings(max_examples=60 * EXPLORE_FACTOR, deadline=None, derandomize=not EXPLORE)
@given(frame=st.text(max_size=200) | json_values.map(json.dumps))
def test_websocket_frames_parse_or_raise_validation_error(model: type[BaseModel], frame: str) -> None:
    with contextlib.suppress(ValidationError):
        model.model_validate_json(frame)


# ----- small parsers ----------------------------------------------------------------------------------------


@FUZZ
@given(
    value=st.none()
    | st.text(max_size=40)
    | st.from_regex(r"[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{1,6} \d{1,2}:\d{1,2}:\d{1,2} GMT", fullmatch=True)
    | st.floats().map(str)
    | st.integers().map(str)
)
def test_retry_after_is_none_or_a_finite_wait(value: str | None) -> None:
    from cosyclone.client._retry import parse_retry_after, retry_delay

    parsed = parse_retry_after(value)
    assert parsed is None or (parsed >= 0 and not math.isnan(parsed))
    delay = retry_delay(0, retry_after_s=parsed)
    assert 0 <= delay <= 60, f"Retry-After {value!r} makes us wait {delay} s"


@FUZZ
@given(text=st.none() | st.text(max_size=40) | st.datetimes().map(str) | st.datetimes().map(lambda d: d.isoformat()))
def test_service_timestamps_parse_or_give_none(text: str | None) -> None:
    enrollment.parse_gmt(text)


@FUZZ
@given(data=json_values)
def test_saved_responses_parse_or_raise_invalid_request(data: Any) -> None:
    from cosyclone.voice_clone import parse_saved_response

    try:
        parse_saved_response(data)
    except InvalidRequestError as error:
        assert error.problems
