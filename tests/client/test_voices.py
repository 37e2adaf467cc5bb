"""Voice management through the client against the emulator: every action, URL and local-file samples."""

from __future__ import annotations

import asyncio

import pytest

from cosyclone import (
    AuthenticationError,
    InvalidRequestError,
    NotFoundError,
    SampleRejectedError,
    VoiceNotReadyError,
    VoiceQuotaExceededError,
    VoiceRejectedError,
)
from cosyclone.client import AsyncClient, Client
from cosyclone.emulator.server import EmulatorServer
from tests.conftest import AUDIO_FIXTURES
from tests.helpers.emulator_fixtures import EMULATOR_API_KEY, OTHER_API_KEY, SampleServer

GOOD = "good/librivox-reader-15s.wav"


def test_create_from_url_get_list_update_delete(client: Client, sample_server: SampleServer) -> None:
    url = sample_server.url(GOOD)
    created = client.voices.create(prefix="reader", sample=url, language_hints=["en"])
    assert created.voice_id.startswith("cosyvoice-v3.5-plus-reader-")
    assert len(created.voice_id.rsplit("-", 1)[1]) == 32
    assert created.usage_count == 1 and created.request_id and not created.reconciled
    voice = client.voices.get(created.voice_id)
    assert voice.status == "OK" and voice.target_model == "cosyvoice-v3.5-plus" and voice.resource_link == url
    assert voice.created_at is not None
    page = client.voices.list(prefix="reader")
    assert [v.voice_id for v in page.voices] == [created.voice_id]
    client.voices.update(created.voice_id, sample_server.url("good/flite-slt.wav"))
    assert client.voices.get(created.voice_id).resource_link.endswith("flite-slt.wav")  # type: ignore[union-attr]
    assert client.voices.delete(created.voice_id)
    with pytest.raises(NotFoundError) as info:
        client.voices.get(created.voice_id)
    assert info.value.request_id and info.value.code == "BadRequest.ResourceNotExist"


def test_create_from_local_file_uploads_it(client: Client) -> None:
    sample = AUDIO_FIXTURES / "good" / "librivox-reader-15s.m4a"
    created = client.voices.create(prefix="local", sample=sample, upload="oss")
    voice = client.voices.get(created.voice_id)
    assert voice.resource_link is not None and voice.resource_link.startswith("oss://")
    assert voice.resource_link.endswith("librivox-reader-15s.m4a")


def test_update_from_local_file(client: Client, sample_server: SampleServer) -> None:
    created = client.voices.create(prefix="upd", sample=sample_server.url(GOOD))
    client.voices.update(created.voice_id, AUDIO_FIXTURES / "good" / "flite-rms.wav")
    assert client.voices.get(created.voice_id).resource_link.startswith("oss://")  # type: ignore[union-attr]


def test_iter_all_pages(client: Client, sample_server: SampleServer, emulator: EmulatorServer) -> None:
    tenant = emulator.backend.tenant_of_key(EMULATOR_API_KEY)
    made = {emulator.backend.seed_voice(tenant, prefix="many").voice_id for _ in range(5)}
    emulator.backend.seed_voice(tenant, prefix="other")
    assert {v.voice_id for v in client.voices.iter_all(prefix="many", page_size=2)} == made
    assert len(list(client.voices.iter_all())) == 6


def test_wait_until_ready(client: Client, sample_server: SampleServer, emulator: EmulatorServer) -> None:
    emulator.backend.ready_delay_s = 0.6
    created = client.voices.create(prefix="slow", sample=sample_server.url(GOOD))
    assert client.voices.get(created.voice_id).status == "DEPLOYING"
    with pytest.raises(VoiceNotReadyError):
        client.voices.wait_until_ready(created.voice_id, timeout=0.1)
    assert client.voices.wait_until_ready(created.voice_id, timeout=10).status == "OK"
    rejected = client.voices.create(prefix="rej", sample=sample_server.url("good/flite-awb.wav"))
    emulator.backend.set_voice_status(rejected.voice_id, "UNDEPLOYED")
    with pytest.raises(VoiceRejectedError, match="UNDEPLOYED"):
        client.voices.wait_until_ready(rejected.voice_id, timeout=5)


def test_rules_checked_before_any_call(client: Client, emulator: EmulatorServer) -> None:
    with pytest.raises(InvalidRequestError, match="prefix"):
        client.voices.create(prefix="no-dash", sample="https://example.invalid/a.wav")
    with pytest.raises(InvalidRequestError, match="no such file"):
        client.voices.create(prefix="x", sample="/nonexistent/sample.wav")
    with pytest.raises(InvalidRequestError, match="enable_preprocess"):
        client.voices.create(
            prefix="x", sample=AUDIO_FIXTURES / GOOD, target_model="cosyvoice-v3-plus", enable_preprocess=True
        )
    assert emulator.backend.snapshot()["tenants"] == {}


def test_tenants_are_isolated(client: Client, sample_server: SampleServer, emulator: EmulatorServer) -> None:
    created = client.voices.create(prefix="mine", sample=sample_server.url(GOOD))
    with Client(api_key=OTHER_API_KEY, base_url=emulator.http_base_url) as other:
        assert other.voices.list().voices == []
        with pytest.raises(NotFoundError):
            other.voices.get(created.voice_id)


@pytest.mark.parametrize(
    ("fixture", "code"),
    [
        ("bad/silence-12s.wav", "Audio.AudioSilentError"),
        ("bad/short-3s.wav", "Audio.AudioShortError"),
        ("bad/rate-8k.wav", "Audio.AudioRateError"),
        ("bad/opus-named-as.mp3", "BadRequest.UnsupportedFileFormat"),
        ("bad/not-audio.wav", "Audio.DecoderError"),
    ],
)
def test_bad_samples_map_to_sample_rejected(
    client: Client, sample_server: SampleServer, fixture: str, code: str
) -> None:
    with pytest.raises(SampleRejectedError) as info:
        client.voices.create(prefix="bad", sample=sample_server.url(fixture))
    assert info.value.code == code
    assert info.value.request_id
    assert "cosyclone check" in str(info.value)


def test_bad_key_and_quota(client: Client, sample_server: SampleServer, emulator: EmulatorServer) -> None:
    with Client(api_key="sk-", base_url=emulator.http_base_url) as bad, pytest.raises(AuthenticationError) as info:
        bad.voices.list()
    assert "Singapore" in str(info.value) and info.value.status_code == 401
    emulator.backend.voice_quota = 1
    client.voices.create(prefix="q", sample=sample_server.url(GOOD))
    with pytest.raises(VoiceQuotaExceededError, match="voices delete"):
        client.voices.create(prefix="q", sample=sample_server.url("good/flite-awb.wav"))


def test_async_client_full_cycle(emulator: EmulatorServer, sample_server: SampleServer) -> None:
    async def scenario() -> list[str]:
        async with AsyncClient(api_key=EMULATOR_API_KEY, base_url=emulator.http_base_url) as client:
            created = await client.voices.create(prefix="async", sample=AUDIO_FIXTURES / GOOD)
            ready = await client.voices.wait_until_ready(created.voice_id, timeout=5)
            ids = [v.voice_id async for v in client.voices.iter_all(prefix="async")]
            await client.voices.delete(created.voice_id)
            assert ready.status == "OK"
            return ids

    assert len(asyncio.run(scenario())) == 1
