"""Retries and the at-most-once create, with faults injected into a live emulator over real sockets."""

from __future__ import annotations

import time

import pytest

from cosyclone import APIConnectionError, InternalServerError, RateLimitError
from cosyclone.client import Client
from cosyclone.emulator.faults import Fault
from cosyclone.emulator.server import EmulatorServer
from tests.helpers.emulator_fixtures import SampleServer

GOOD = "good/librivox-reader-15s.wav"


def voices_on_service(client: Client) -> list[str]:
    return [v.voice_id for v in client.voices.iter_all()]


@pytest.mark.parametrize("kind", ["drop_after", "drop_before"])
def test_dropped_create_makes_exactly_one_voice(
    client: Client, emulator: EmulatorServer, sample_server: SampleServer, kind: str
) -> None:
    emulator.backend.faults.add(Fault(target="create_voice", kind=kind))
    created = client.voices.create(prefix="drop", sample=sample_server.url(GOOD))
    assert voices_on_service(client) == [created.voice_id]
    assert created.reconciled is (kind == "drop_after")
    assert created.attempts == (1 if kind == "drop_after" else 2)


def test_500_that_did_not_act_is_retried_once_reconciled(
    client: Client, emulator: EmulatorServer, sample_server: SampleServer
) -> None:
    emulator.backend.faults.add(Fault(target="create_voice", kind="http_error", status=500, times=2))
    created = client.voices.create(prefix="five", sample=sample_server.url(GOOD))
    assert voices_on_service(client) == [created.voice_id]
    assert created.attempts == 3 and not created.reconciled


def test_429_with_retry_after_is_honoured(
    client: Client, emulator: EmulatorServer, sample_server: SampleServer
) -> None:
    emulator.backend.faults.add(
        Fault(target="create_voice", kind="http_error", status=429, code="Throttling", retry_after_s=0.4)
    )
    started = time.monotonic()
    created = client.voices.create(prefix="rate", sample=sample_server.url(GOOD))
    assert time.monotonic() - started >= 0.4
    assert voices_on_service(client) == [created.voice_id]


@pytest.mark.parametrize("status", [429, 500, 503])
def test_idempotent_calls_retry(client: Client, emulator: EmulatorServer, status: int) -> None:
    emulator.backend.faults.add(Fault(target="list_voice", kind="http_error", status=status, times=2))
    assert client.voices.list().voices == []


def test_retries_run_out_with_a_typed_error(client: Client, emulator: EmulatorServer) -> None:
    emulator.backend.faults.add(Fault(target="list_voice", kind="http_error", status=429, code="Throttling", times=9))
    with pytest.raises(RateLimitError) as info:
        client.voices.list()
    assert info.value.status_code == 429
    emulator.backend.faults.clear()
    emulator.backend.faults.add(Fault(target="query_voice", kind="drop_before", times=9))
    with pytest.raises(APIConnectionError):
        client.voices.get("cosyvoice-v3.5-plus-x-0123456789abcdef0123456789abcdef")


def test_persistent_500_on_create_gives_one_or_no_voice(
    client: Client, emulator: EmulatorServer, sample_server: SampleServer
) -> None:
    emulator.backend.faults.add(Fault(target="create_voice", kind="http_error", status=500, times=9))
    with pytest.raises(InternalServerError):
        client.voices.create(prefix="never", sample=sample_server.url(GOOD))
    assert voices_on_service(client) == []


def test_timeout_after_acting_is_reconciled(emulator: EmulatorServer, sample_server: SampleServer) -> None:
    from tests.helpers.emulator_fixtures import EMULATOR_API_KEY

    emulator.backend.faults.add(Fault(target="create_voice", kind="latency", delay_s=1.2))
    with Client(api_key=EMULATOR_API_KEY, base_url=emulator.http_base_url, timeout=0.8) as impatient:
        created = impatient.voices.create(prefix="slow", sample=sample_server.url(GOOD))
        time.sleep(1.0)  # let the slow first attempt finish on the server
        assert voices_on_service(impatient) == [created.voice_id]
