"""Synthesis through the client against the emulator: formats, streams, duplex input, guards and failures."""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from cosyclone import APIConnectionError, APIStatusError, InvalidRequestError, ModelMismatchError
from cosyclone.audio.io import decode
from cosyclone.client import AsyncClient, Client
from cosyclone.client.speech import SynthesisProtocol
from cosyclone.emulator.faults import Fault
from cosyclone.emulator.server import EmulatorServer
from tests.helpers.emulator_fixtures import EMULATOR_API_KEY

TEXT = "Hello there. This is a cloned voice speaking! 你好。"


@pytest.fixture
def voice(client: Client, emulator: EmulatorServer) -> str:
    tenant = emulator.backend.tenant_of_key(EMULATOR_API_KEY)
    return emulator.backend.seed_voice(tenant, prefix="speaker", f0_hz=140.0).voice_id


@pytest.mark.parametrize("fmt", ["mp3", "wav", "pcm", "opus"])
@pytest.mark.parametrize("rate", [12000, 16000, 22050, 48000])
def test_every_format_decodes_at_its_rate(client: Client, voice: str, fmt: str, rate: int) -> None:
    if fmt == "opus" and rate == 22050:  # contract §11.3: opus has no 22050 / 44100, refused before sending
        with pytest.raises(InvalidRequestError, match="sample_rate"):
            client.speech.synthesize(TEXT, voice=voice, format=fmt, sample_rate=rate)
        return
    result = client.speech.synthesize(TEXT, voice=voice, format=fmt, sample_rate=rate)
    assert result.model == "cosyvoice-v3.5-plus" and result.characters > 0 and result.request_id
    if fmt == "pcm":
        duration = len(result.audio) / 2 / rate
    else:
        decoded = decode(result.audio)
        duration = decoded.info.duration_s
        if fmt != "opus":  # Ogg Opus always decodes at 48 kHz
            assert decoded.sample_rate == rate
    assert 1.0 < duration < 10.0
    assert [s.index for s in result.sentences] == sorted(s.index for s in result.sentences)


def test_stream_yields_events_in_order_and_word_timestamps(client: Client, voice: str) -> None:
    chunks = list(client.speech.stream(TEXT, voice=voice, word_timestamps=True))
    kinds = [c.kind for c in chunks]
    assert kinds[0] == "sentence-begin" and kinds[-1] == "task-finished" and "audio" in kinds
    ends = [c for c in chunks if c.kind == "sentence-end"]
    assert ends and all(c.sentence is not None and c.sentence.words for c in ends)


def test_connection_is_reused_across_tasks(client: Client, voice: str) -> None:
    client.speech.synthesize("One.", voice=voice)
    first = client.speech._ws._ws
    client.speech.synthesize("Two.", voice=voice)
    assert first is not None and client.speech._ws._ws is first


def test_long_text_is_split_into_tasks(client: Client, voice: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cosyclone.client._tts_protocol.MAX_CHARS_PER_MESSAGE", 30)
    monkeypatch.setattr("cosyclone.client._tts_protocol.MAX_CHARS_PER_TASK", 60)
    text = " ".join(f"Sentence number {i} is here." for i in range(12))
    result = client.speech.synthesize(text, voice=voice)
    assert len(result.request_ids) >= 5
    assert [s.text for s in result.sentences] == [f"Sentence number {i} is here." for i in range(12)]
    assert [s.index for s in result.sentences] == list(range(12))


def test_model_follows_voice_and_mismatch_is_refused_before_any_call(
    client: Client, voice: str, emulator: EmulatorServer
) -> None:
    with pytest.raises(InvalidRequestError) as info:
        client.speech.synthesize("Hi.", voice=voice, model="cosyvoice-v3-flash")
    assert "cosyvoice-v3.5-plus" in str(info.value) and "cosyvoice-v3-flash" in str(info.value)
    assert client.speech._ws._ws is None  # never connected
    with pytest.raises(InvalidRequestError, match="model"):
        client.speech.synthesize("Hi.", voice="longanyang")
    system = client.speech.synthesize("Hi.", voice="longanyang", model="cosyvoice-v3-flash", format="wav")
    assert system.audio.startswith(b"RIFF")


def test_server_side_418_maps_to_model_mismatch(client: Client, voice: str, emulator: EmulatorServer) -> None:
    # What the service sends when a voice does not fit the model (e.g. a voice the client could not recognise).
    engine_418 = "[cosyvoice:]Engine return error code: 418"
    emulator.backend.faults.add(
        Fault(target="synthesis_ws", kind="task_failed", code="InvalidParameter", message=engine_418)
    )
    with pytest.raises(ModelMismatchError) as info:
        client.speech.synthesize("Hi.", voice=voice)
    assert info.value.request_id and "same model" in str(info.value)


@pytest.mark.parametrize(
    "fault",
    [
        Fault(target="synthesis_ws", kind="task_failed", after_sentences=1, code="InternalError", message="boom"),
        Fault(target="synthesis_ws", kind="ws_close", after_sentences=1),
    ],
    ids=["task-failed", "ws-close"],
)
def test_mid_stream_failure_raises_and_leaves_no_file(
    client: Client, voice: str, emulator: EmulatorServer, tmp_path: Path, fault: Fault
) -> None:
    emulator.backend.faults.add(fault)
    target = tmp_path / "out.mp3"
    with pytest.raises((APIStatusError, APIConnectionError)) as info:
        client.speech.to_file(TEXT, target, voice=voice)
    if isinstance(info.value, APIStatusError):
        assert info.value.code == "InternalError" and info.value.request_id
    assert list(tmp_path.iterdir()) == []
    assert client.speech.synthesize("Recovered.", voice=voice).audio  # a fresh connection works


@pytest.mark.parametrize("protocol", ["http", "sse"])
def test_http_protocols(client: Client, voice: str, protocol: str) -> None:
    result = client.speech.synthesize(TEXT, voice=voice, protocol=protocol, format="wav", sample_rate=24000)  # type: ignore[arg-type]
    decoded = decode(result.audio)
    assert decoded.sample_rate == 24000 and decoded.info.duration_s > 1.0
    assert result.request_id and result.characters > 0


def test_stream_text_duplex_survives_a_quiet_source(client: Client, voice: str, emulator: EmulatorServer) -> None:
    emulator.backend.idle_timeout_s = 1.0
    client.speech._ws.idle_flush_s = 0.4

    def llm() -> Iterator[str]:
        yield from ["The first ", "sentence. And a sec"]
        time.sleep(1.5)  # longer than the service's idle limit
        yield from ["ond one. ", "The end."]

    chunks = list(client.speech.stream_text(llm(), voice=voice))
    finished = [c for c in chunks if c.kind == "task-finished"]
    assert len(finished) == 2  # the quiet gap closed one task and opened another
    assert sum(len(c.audio) for c in chunks) > 0


def test_async_speech(emulator: EmulatorServer, voice: str) -> None:
    async def text() -> AsyncIterator[str]:
        for piece in ["Async ", "hello. ", "Second line."]:
            await asyncio.sleep(0.01)
            yield piece

    async def scenario() -> tuple[int, int]:
        async with AsyncClient(api_key=EMULATOR_API_KEY, base_url=emulator.http_base_url) as client:
            whole = await client.speech.synthesize("Async whole.", voice=voice, format="pcm", sample_rate=16000)
            streamed = [c async for c in client.speech.stream_text(text(), voice=voice)]
            return len(whole.audio), sum(len(c.audio) for c in streamed)

    whole, streamed = asyncio.run(scenario())
    assert whole > 0 and streamed > 0


def test_empty_text_and_bad_options_refused(client: Client, voice: str) -> None:
    with pytest.raises(InvalidRequestError, match="text"):
        client.speech.synthesize("   ", voice=voice)
    with pytest.raises(InvalidRequestError) as info:
        client.speech.synthesize("Hi.", voice=voice, format="flac", volume=101, rate=3.0)
    assert {p.field for p in info.value.problems} == {"format", "volume", "rate"}


@pytest.mark.parametrize("protocol", ["websocket", "http"])
@pytest.mark.parametrize("fmt", ["mp3", "opus"])
def test_bit_rate_applies_to_opus_only(client: Client, voice: str, fmt: str, protocol: SynthesisProtocol) -> None:
    """Contract §11.3 (correcting §10.12): ``bit_rate`` is sent and honoured only with opus, on both endpoints;
    with mp3 it is not sent (a warning says so) and the mp3 keeps its own rate."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        low = client.speech.synthesize(TEXT, voice=voice, format=fmt, bit_rate=16, protocol=protocol)
        high = client.speech.synthesize(TEXT, voice=voice, format=fmt, bit_rate=128, protocol=protocol)
    if fmt == "opus":
        assert len(high.audio) > 2 * len(low.audio) and not caught
    else:
        assert len(high.audio) == len(low.audio)
        assert any("opus only" in str(w.message) for w in caught)
    assert decode(low.audio).info.duration_s > 1.0
