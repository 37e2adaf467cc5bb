"""Schemathesis against a live emulator, from the OpenAPI description it serves at ``/_emulator/openapi.json``.

Requests are generated from the description (valid ones and, through schemathesis' negative mode, invalid ones);
every reply must conform: a documented status and content type, a body matching the response schema, and no 5xx
other than the service's documented ones (an unreachable sample URL or an over-long sample answer 500
``InternalError`` with the reason in ``X-Emulator-Detail``). A bug of the emulator's own shows up as a 500
whose ``X-Emulator-Detail`` starts with ``emulator error:`` (the handlers' catch-all) or as a bare 500.

Two runs on two throwaway emulators, so that nothing generated can disturb other tests:

- the API (customization, getPolicy, the upload form, HTTP synthesis, results) and the read-only control plane;
- the control plane's writes (settings, faults, reset, seeding, status), on an emulator nobody synthesizes with
  (a generated ``sentence_latency_s`` or an armed fault would otherwise slow or fail later calls).

Generated sample URLs never leave the machine: the package's tripwire refuses DNS and non-loopback connects.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cosyclone.emulator.api.openapi import openapi_document
from cosyclone.emulator.server import EmulatorServer
from cosyclone.schema.synthesis import MAX_CHARS_PER_MESSAGE
from tests.helpers.emulator_fixtures import EMULATOR_API_KEY
from tests.reliability.conftest import EXPLORE, EXPLORE_FACTOR

#: 5xx replies the emulator gives on purpose, as the service does (docs/emulator.md, "Errors").
DOCUMENTED_500_DETAILS = ("sample download failed:", "preflight: too_long")
MAX_EXAMPLES = 12
CONTROL_WRITES = ("/_emulator/settings", "/_emulator/faults", "/_emulator/reset")


def documented_5xx_only(ctx: Any, response: Any, case: Any) -> bool | None:
    """No 5xx but the documented ones (no fault is armed in these runs)."""
    if response.status_code < 500:
        return None
    detail = response.headers.get("x-emulator-detail", [""])
    detail = detail[0] if isinstance(detail, list) else detail
    body = response.text[:300] if hasattr(response, "text") else ""
    assert detail.startswith(DOCUMENTED_500_DETAILS), (
        f"undocumented {response.status_code} from {case.method} {case.path}: detail={detail!r} body={body!r}"
    )
    return True


CHECKS = [documented_5xx_only, status_code_conformance, content_type_conformance, response_schema_conformance]


def _schema(*, writes: bool) -> Any:
    """The description as the emulator serves it (checked against the served copy below), at collection time:
    schemathesis' lazy ``from_fixture`` loader fails under pytest 9 (it sets ``Function._nodeid``)."""
    schema = schemathesis.openapi.from_dict(openapi_document())
    modes = list(GenerationMode)  # positive and negative
    schema.config.generation.update(modes=modes, deterministic=not EXPLORE, database="none")
    if writes:
        return schema.include(path_regex="^/_emulator/(settings|faults|reset|voices)")
    return schema.exclude(path=list(CONTROL_WRITES)).exclude(path_regex="^/_emulator/voices")


@pytest.fixture(scope="module")
def api_emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, sample_fetch_timeout_s=2.0) as server:
        yield server


@pytest.fixture(scope="module")
def control_emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0) as server:
        yield server


#: Valid texts longer than this are cut to it: the emulator renders a few hundred characters a second, and the
#: boundary case (20 000 characters) would take half a minute. Texts over the limit are sent whole (refused fast).
SPEECH_CHARS = 200


def _shorten_long_speech(case: Any) -> None:
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("input"), dict):
        text = body["input"].get("text")
        if isinstance(text, str) and SPEECH_CHARS < len(text) <= MAX_CHARS_PER_MESSAGE:
            body["input"]["text"] = text[:SPEECH_CHARS]


api = _schema(writes=False)
control = _schema(writes=True)
_SETTINGS = settings(
    max_examples=MAX_EXAMPLES * EXPLORE_FACTOR,
    deadline=None,
    derandomize=not EXPLORE,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@api.parametrize()  # type: ignore[untyped-decorator]
@_SETTINGS
def test_api_replies_conform(case: Any, api_emulator: EmulatorServer) -> None:
    headers = {"Authorization": f"Bearer {EMULATOR_API_KEY}"}
    _shorten_long_speech(case)
    response = case.call(base_url=api_emulator.base_url, headers=headers, timeout=30)
    case.validate_response(response, checks=CHECKS)


@control.parametrize()  # type: ignore[untyped-decorator]
@_SETTINGS
def test_control_plane_replies_conform(case: Any, control_emulator: EmulatorServer) -> None:
    response = case.call(base_url=control_emulator.base_url, timeout=30)
    case.validate_response(response, checks=CHECKS)


def test_openapi_is_served_and_names_every_route(api_emulator: EmulatorServer) -> None:
    from cosyclone.emulator.api.app import API_PREFIX, CONTROL_PREFIX
    from cosyclone.emulator.api.openapi import API_PREFIX as DOC_API_PREFIX
    from cosyclone.emulator.api.openapi import CONTROL_PREFIX as DOC_CONTROL_PREFIX

    assert (API_PREFIX, CONTROL_PREFIX) == (DOC_API_PREFIX, DOC_CONTROL_PREFIX)
    reply = httpx.get(api_emulator.control_url + "/openapi.json", timeout=10)
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("application/json")
    document = reply.json()
    assert document == openapi_document(server_url=api_emulator.base_url), "the route serves openapi_document()"
    assert document["openapi"].startswith("3.1") and document["servers"] == [{"url": api_emulator.base_url}]
    input_schema = document["paths"]["/api/v1/services/audio/tts/customization"]["post"]["requestBody"]
    assert input_schema["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/EnrollmentRequest"}
    actions = document["components"]["schemas"]["EnrollmentRequest"]["properties"]["input"]["oneOf"]
    assert len(actions) == 5
    routes = {
        getattr(route, "path", "")
        for route in api_emulator._server.config.app.routes  # type: ignore[union-attr]
        if getattr(route, "methods", None)
    }
    assert routes == set(document["paths"]), "every HTTP route is described, and only those"
