"""Voice binding off the request path, through the running emulator with the speech engine.

``create_voice`` answers at once with the voice ``DEPLOYING``; the binding runs in the backend's single worker and
the voice turns ``OK`` only once it is bound. The same sample binds once (a cache by content). Stopping the server
joins the worker. The measurement (:func:`cosyclone.emulator.voice.binding.measure_sample`) is replaced by a
gated, counting stand-in so that the tests steer when a binding finishes instead of timing it.

Skipped when the ``cosyclone[speech]`` extra is not installed (the dev extra installs it).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cosyclone.emulator.server import EmulatorServer
from cosyclone.emulator.voice import binding as voice_binding
from cosyclone.emulator.voice import speech_engine
from cosyclone.emulator.voice.binding_jobs import THREAD_NAME
from tests.emulator._api import create, create_ok, query
from tests.helpers.emulator_fixtures import EMULATOR_API_KEY, SampleServer

pytestmark = pytest.mark.skipif(not speech_engine.available(), reason="the speech extra is not installed")

MODEL = "cosyvoice-v3-plus"
OTHER_MODEL = "cosyvoice-v3-flash"
PRINT = {"preset": "joe-light", "f0_hz": 180.0, "formant": 1.07, "eq_db": []}
ENGINE_418 = "[cosyvoice:]Engine return error code: 418"


class GatedMeasure:
    """Stands in for ``measure_sample``: counts calls and holds each one until the gate opens."""

    def __init__(self, *, fails: bool = False) -> None:
        self.gate = threading.Event()
        self.started = threading.Event()
        self.calls = 0
        self.fails = fails

    def __call__(self, samples: Any, rate: int, *, f0_hz: float | None) -> dict[str, Any]:
        self.calls += 1
        self.started.set()
        assert self.gate.wait(timeout=60), "the test never opened the gate"
        if self.fails:
            raise RuntimeError("no engine today")
        return dict(PRINT)


@pytest.fixture
def measure(monkeypatch: pytest.MonkeyPatch) -> GatedMeasure:
    gated = GatedMeasure()
    monkeypatch.setattr(voice_binding, "measure_sample", gated)
    return gated


@pytest.fixture
def speaking() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, voice_engine="speech") as server:
        yield server


def _status(server: EmulatorServer, voice_id: str) -> str:
    response = query(server, voice_id)
    assert response.status_code == 200, response.text
    status: str = response.json()["output"]["status"]
    return status


def _synthesize(server: EmulatorServer, voice_id: str, model: str = MODEL) -> httpx.Response:
    body = {"model": model, "input": {"text": "Hello there.", "voice": voice_id, "format": "wav"}}
    return httpx.post(
        f"{server.http_base_url}/services/audio/tts/SpeechSynthesizer",
        json=body,
        headers={"Authorization": f"Bearer {EMULATOR_API_KEY}"},
        timeout=120,
    )


def _binding_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(THREAD_NAME) and t.is_alive()]


def test_create_answers_before_the_binding_and_the_voice_is_deploying_until_bound(
    speaking: EmulatorServer, measure: GatedMeasure, sample_server: SampleServer
) -> None:
    voice_id = create_ok(speaking, sample_server.url("good/flite-slt.wav"), target_model=MODEL)
    # create has answered while the binding is held at the gate: it did not wait for it
    assert measure.started.wait(timeout=30) and not measure.gate.is_set()
    assert _status(speaking, voice_id) == "DEPLOYING"
    refused = _synthesize(speaking, voice_id)
    assert refused.status_code == 400 and refused.json()["message"] == ENGINE_418
    assert speaking.backend.voice_print(voice_id) is None
    measure.gate.set()
    assert speaking.backend.wait_for_bindings(timeout_s=30)
    assert _status(speaking, voice_id) == "OK"
    assert speaking.backend.voice_print(voice_id) == PRINT
    assert _synthesize(speaking, voice_id).status_code == 200


def test_the_ready_delay_still_holds_after_the_binding(
    speaking: EmulatorServer, measure: GatedMeasure, sample_server: SampleServer
) -> None:
    speaking.backend.ready_delay_s = 3600
    measure.gate.set()
    voice_id = create_ok(speaking, sample_server.url("good/flite-slt.wav"), target_model=MODEL)
    assert speaking.backend.wait_for_bindings(timeout_s=30)
    assert speaking.backend.voice_print(voice_id) == PRINT
    assert _status(speaking, voice_id) == "DEPLOYING"


def test_the_same_sample_in_two_models_binds_once(
    speaking: EmulatorServer, measure: GatedMeasure, sample_server: SampleServer
) -> None:
    url = sample_server.url("good/flite-slt.wav")
    first = create_ok(speaking, url, target_model=MODEL, prefix="one")
    second = create_ok(speaking, url, target_model=OTHER_MODEL, prefix="two")
    assert [_status(speaking, v) for v in (first, second)] == ["DEPLOYING", "DEPLOYING"]
    measure.gate.set()
    assert speaking.backend.wait_for_bindings(timeout_s=30)
    assert [_status(speaking, v) for v in (first, second)] == ["OK", "OK"]
    third = create_ok(speaking, url, target_model=MODEL, prefix="three")  # cached: OK at once
    assert _status(speaking, third) == "OK"
    assert measure.calls == 1
    assert {str(speaking.backend.voice_print(v)) for v in (first, second, third)} == {str(PRINT)}


def test_a_failed_binding_falls_back_to_the_pitch_voice_and_ends_deploying(
    speaking: EmulatorServer, monkeypatch: pytest.MonkeyPatch, sample_server: SampleServer
) -> None:
    failing = GatedMeasure(fails=True)
    failing.gate.set()
    monkeypatch.setattr(voice_binding, "measure_sample", failing)
    voice_id = create_ok(speaking, sample_server.url("good/flite-kal16.wav"), target_model=MODEL)
    assert speaking.backend.wait_for_bindings(timeout_s=30)
    assert _status(speaking, voice_id) == "OK"
    assert speaking.backend.voice_print(voice_id) is None
    assert _synthesize(speaking, voice_id).status_code == 200
    again = create_ok(speaking, sample_server.url("good/flite-kal16.wav"), target_model=MODEL, prefix="again")
    assert speaking.backend.wait_for_bindings(timeout_s=30)
    assert failing.calls == 2  # a failure is not cached: the next enrollment tries again
    assert _status(speaking, again) == "OK"


def test_a_sample_rejected_in_review_is_not_bound(
    speaking: EmulatorServer, measure: GatedMeasure, sample_server: SampleServer
) -> None:
    response = create(speaking, sample_server.url("bad/pause-3s.wav"), target_model=MODEL)
    assert response.status_code == 200, response.text
    voice_id = response.json()["output"]["voice_id"]
    assert speaking.backend.wait_for_bindings(timeout_s=5)
    assert measure.calls == 0 and _status(speaking, voice_id) == "UNDEPLOYED"


def test_stopping_the_server_joins_the_worker_and_queued_bindings_fall_back(
    measure: GatedMeasure, sample_server: SampleServer
) -> None:
    server = EmulatorServer(port=0, voice_engine="speech").start()
    running = create_ok(server, sample_server.url("good/flite-slt.wav"), target_model=MODEL)
    queued = create_ok(server, sample_server.url("good/flite-kal16.wav"), target_model=MODEL)
    assert measure.started.wait(timeout=30) and _binding_threads()
    threading.Timer(0.3, measure.gate.set).start()
    server.stop()
    assert _binding_threads() == []
    tenant = server.backend.tenant_of_key(EMULATOR_API_KEY)
    now = server.backend.clock()
    assert server.backend.voice(tenant, running).voice_print == PRINT
    assert server.backend.voice(tenant, queued).voice_print is None  # never bound: speaks from its pitch
    assert server.backend.voice(tenant, queued).status_at(now) == "OK"
    assert measure.calls == 1


def test_a_binding_cut_by_a_restart_is_made_again_from_the_kept_sample(
    tmp_path: Path, measure: GatedMeasure, sample_server: SampleServer
) -> None:
    with EmulatorServer(port=0, voice_engine="speech", data_dir=tmp_path) as first:
        create_ok(first, sample_server.url("good/flite-slt.wav"), target_model=MODEL)
        cut = create_ok(first, sample_server.url("good/flite-kal16.wav"), target_model=MODEL)
        assert measure.started.wait(timeout=30)
        threading.Timer(0.3, measure.gate.set).start()
    assert measure.calls == 1
    with EmulatorServer(port=0, voice_engine="speech", data_dir=tmp_path) as again:
        assert again.backend.wait_for_bindings(timeout_s=30)
        assert measure.calls == 2
        assert _status(again, cut) == "OK" and again.backend.voice_print(cut) == PRINT
        assert sorted(p.name for p in (tmp_path / "objects").iterdir()) == []  # kept samples released
    assert _binding_threads() == []


def test_the_formant_engine_binds_nothing_and_starts_no_worker(
    measure: GatedMeasure, sample_server: SampleServer
) -> None:
    with EmulatorServer(port=0, voice_engine="formant") as server:
        voice_id = create_ok(server, sample_server.url("good/flite-slt.wav"), target_model=MODEL)
        assert _status(server, voice_id) == "OK"
        assert _binding_threads() == []
        tenant = server.backend.tenant_of_key(EMULATOR_API_KEY)
        assert server.backend.voice(tenant, voice_id).sample_sha256 is None
    assert measure.calls == 0
