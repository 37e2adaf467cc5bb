"""Native asyncio synthesis (``AsyncClient.speech``) against the emulator over real sockets: a voice agent fed
token by token and cancelled mid-utterance (nothing leaked), no thread started, one pooled connection reused
across tasks with a cap on concurrent streams, retries before the first audio, and a typed error after it."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from cosyclone import APIConnectionError, InvalidRequestError, RateLimitError
from cosyclone.audio.io import decode
from cosyclone.client import AsyncClient
from cosyclone.client import _retry as retry_policy
from cosyclone.emulator.faults import Fault
from cosyclone.emulator.server import EmulatorServer
from tests.helpers.emulator_fixtures import EMULATOR_API_KEY

T = TypeVar("T")
AGENT_REPLY = (
    "Sure, I can help with that. Your order left the warehouse this morning. It should arrive on Thursday. "
    "Is there anything else I can do for you today? I can also change the delivery address. Just say the word."
)


@pytest.fixture
def voice(emulator: EmulatorServer) -> str:
    tenant = emulator.backend.tenant_of_key(EMULATOR_API_KEY)
    return emulator.backend.seed_voice(tenant, prefix="agent", f0_hz=150.0).voice_id


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry_policy, "INITIAL_RETRY_DELAY_S", 0.02)
    monkeypatch.setattr(retry_policy, "MAX_RETRY_DELAY_S", 0.1)


def run(scenario: Callable[[AsyncClient], Awaitable[T]], emulator: EmulatorServer, **kwargs: Any) -> T:
    async def main() -> T:
        async with AsyncClient(api_key=EMULATOR_API_KEY, base_url=emulator.http_base_url, **kwargs) as client:
            return await scenario(client)

    return asyncio.run(main())


def open_sockets() -> int:
    """Sockets open in this process (ours and the in-process emulator's)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        except OSError:
            continue
    return count


async def settles_to(measure: Callable[[], int], limit: int, timeout_s: float = 3.0) -> int:
    """Wait until ``measure()`` is at most ``limit`` (the other side closes its end a moment later)."""
    deadline = time.monotonic() + timeout_s
    while measure() > limit and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    return measure()


async def tokens(text: str, closed: list[bool], delay_s: float = 0.002) -> AsyncIterator[str]:
    """An LLM's output: the text word by word, with a pause before each."""
    try:
        for word in text.split(" "):
            await asyncio.sleep(delay_s)
            yield word + " "
    finally:
        closed.append(True)


def test_voice_agent_cancelled_mid_utterance_leaks_nothing(emulator: EmulatorServer, voice: str) -> None:
    emulator.backend.sentence_latency_s = 0.05  # the service's synthesis time, so the reply takes a while

    async def scenario(client: AsyncClient) -> dict[str, Any]:
        await client.speech.synthesize("Warm up.", voice=voice)  # one pooled connection now
        tasks_before, sockets_before = asyncio.all_tasks(), open_sockets()
        heard: list[int] = []
        closed: list[bool] = []
        enough = asyncio.Event()

        async def agent() -> None:
            stream = client.speech.stream_text(tokens(AGENT_REPLY, closed), voice=voice, format="pcm")
            async with stream:
                async for chunk in stream:
                    if chunk.kind == "audio":
                        heard.append(len(chunk.audio))  # played as it comes
                        if len(heard) == 2:
                            enough.set()

        speaking = asyncio.create_task(agent())
        await asyncio.wait_for(enough.wait(), 10)
        speaking.cancel()  # the user barges in
        with pytest.raises(asyncio.CancelledError):
            await speaking
        tasks_after = asyncio.all_tasks()
        sockets_after = await settles_to(open_sockets, sockets_before)
        again = await client.speech.synthesize("Go on.", voice=voice)  # the client is still fine
        return {
            "heard": heard,
            "closed": closed,
            "tasks": (tasks_before, tasks_after),
            "sockets": (sockets_before, sockets_after),
            "again": len(again.audio),
        }

    sockets_at_start = open_sockets()
    outcome = run(scenario, emulator)
    assert len(outcome["heard"]) >= 2 and all(outcome["heard"])
    assert outcome["closed"] == [True], "the text source was closed"
    before, after = outcome["tasks"]
    assert after <= before, f"no asyncio task left behind: {after - before}"
    before, after = outcome["sockets"]
    assert after <= before - 2, "the cancelled stream's connection (both ends) is closed"
    assert outcome["again"] > 0
    assert emulator.backend.sentence_latency_s == 0.05
    deadline = time.monotonic() + 3
    while open_sockets() > sockets_at_start and time.monotonic() < deadline:
        time.sleep(0.02)
    assert open_sockets() <= sockets_at_start, "closing the client closes every socket"


def test_audio_arrives_while_text_is_still_coming(emulator: EmulatorServer, voice: str) -> None:
    async def scenario(client: AsyncClient) -> tuple[int, int, int]:
        sent = 0
        first_audio_after = -1
        audio = 0

        async def source() -> AsyncIterator[str]:
            nonlocal sent
            for word in AGENT_REPLY.split(" "):
                await asyncio.sleep(0.01)
                sent += 1
                yield word + " "

        async for chunk in client.speech.stream_text(source(), voice=voice, format="wav", sample_rate=16000):
            if chunk.kind == "audio":
                audio += len(chunk.audio)
                if first_audio_after < 0 and audio > 44:  # past our WAV header
                    first_audio_after = sent
        return first_audio_after, sent, audio

    first_audio_after, sent, audio = run(scenario, emulator)
    assert 0 < first_audio_after < sent, "the first sentence was spoken before the text had all arrived"
    assert audio > 10_000


def test_async_speech_starts_no_thread(
    emulator: EmulatorServer, voice: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[str] = []
    original = threading.Thread.start
    main = threading.current_thread()

    def recording_start(self: threading.Thread) -> None:
        if threading.current_thread() is main:  # the event loop's thread (the emulator serves from its own)
            started.append(self.name)
        original(self)

    monkeypatch.setattr(threading.Thread, "start", recording_start)

    async def words() -> AsyncIterator[str]:
        for word in ["Threads ", "are ", "not ", "needed. ", "Really."]:
            yield word

    async def scenario(client: AsyncClient) -> list[int]:
        sizes = [len((await client.speech.synthesize("One.", voice=voice)).audio)]
        sizes += [len((await client.speech.synthesize("Two.", voice=voice, protocol=p)).audio) for p in ("http", "sse")]
        sizes.append(sum([len(c.audio) async for c in client.speech.stream("Three.", voice=voice)]))
        sizes.append(sum([len(c.audio) async for c in client.speech.stream_text(words(), voice=voice)]))
        sizes.append((await client.speech.to_file(words(), tmp_path / "four.mp3", voice=voice)).bytes_written)
        return sizes

    sizes = run(scenario, emulator)
    assert all(size > 0 for size in sizes), sizes
    assert started == [], f"AsyncClient speech started threads: {started}"


def test_one_connection_reused_across_tasks_and_streams_capped(emulator: EmulatorServer, voice: str) -> None:
    emulator.backend.sentence_latency_s = 0.02

    async def scenario(client: AsyncClient) -> tuple[int, int, int]:
        pool = client.speech._ws.pool
        opened = 0
        connect = pool._connect

        async def counting_connect() -> Any:
            nonlocal opened
            opened += 1
            return await connect()

        pool._connect = counting_connect  # type: ignore[method-assign]
        for text in ("First.", "Second.", "Third."):  # one after another, each from its own asyncio task
            await asyncio.create_task(client.speech.synthesize(text, voice=voice))
        sequential = opened
        busy = peak = 0

        async def one(n: int) -> int:
            nonlocal busy, peak
            size = 0
            async for chunk in client.speech.stream(f"Stream number {n}. It has two sentences.", voice=voice):
                if chunk.kind == "audio":
                    if size == 0:
                        busy += 1
                        peak = max(peak, busy)
                    size += len(chunk.audio)
            busy -= 1
            return size

        sizes = await asyncio.gather(*(one(n) for n in range(6)))
        assert all(sizes)
        return sequential, opened, peak

    sequential, opened, peak = run(scenario, emulator, max_speech_streams=2)
    assert sequential == 1, "consecutive tasks share one connection"
    assert opened <= 2 and peak <= 2, "never more streams at once than max_speech_streams"


def test_long_text_is_split_into_tasks(emulator: EmulatorServer, voice: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cosyclone.client._tts_protocol.MAX_CHARS_PER_MESSAGE", 30)
    monkeypatch.setattr("cosyclone.client._tts_protocol.MAX_CHARS_PER_TASK", 60)
    text = " ".join(f"Sentence number {i} is here." for i in range(12))

    async def scenario(client: AsyncClient) -> Any:
        return await client.speech.synthesize(text, voice=voice)

    result = run(scenario, emulator)
    assert len(result.request_ids) >= 5
    assert [s.text for s in result.sentences] == [f"Sentence number {i} is here." for i in range(12)]


def test_quiet_source_finishes_the_task_before_the_idle_limit(emulator: EmulatorServer, voice: str) -> None:
    emulator.backend.idle_timeout_s = 1.0

    async def llm() -> AsyncIterator[str]:
        for piece in ["The first ", "sentence. And a sec"]:
            yield piece
        await asyncio.sleep(1.5)  # longer than the service's idle limit
        for piece in ["ond one. ", "The end."]:
            yield piece

    async def scenario(client: AsyncClient) -> list[Any]:
        client.speech._ws.idle_flush_s = 0.4
        return [c async for c in client.speech.stream_text(llm(), voice=voice)]

    chunks = run(scenario, emulator)
    assert len([c for c in chunks if c.kind == "task-finished"]) == 2
    assert sum(len(c.audio) for c in chunks) > 0


@pytest.mark.parametrize("protocol", ["websocket", "http", "sse"])
def test_throttled_before_audio_is_retried_after_retry_after(
    emulator: EmulatorServer, voice: str, protocol: str
) -> None:
    target = "synthesis_ws" if protocol == "websocket" else "synthesis_http"
    emulator.backend.faults.add(Fault(target=target, kind="http_error", status=429, retry_after_s=0.2))  # type: ignore[arg-type]

    async def scenario(client: AsyncClient) -> tuple[Any, float]:
        started = time.monotonic()
        result = await client.speech.synthesize("Throttled once.", voice=voice, protocol=protocol)  # type: ignore[arg-type]
        return result, time.monotonic() - started

    result, elapsed = run(scenario, emulator)
    assert result.audio and result.request_id
    if protocol != "websocket":  # a WebSocket task-failed has no headers: back-off instead
        assert elapsed >= 0.2, "Retry-After was honoured"
    assert emulator.backend.faults.pending() == []


def test_persistent_throttling_surfaces_after_the_policys_retries(emulator: EmulatorServer, voice: str) -> None:
    emulator.backend.faults.add(Fault(target="synthesis_ws", kind="http_error", status=429, times=3))

    async def scenario(client: AsyncClient) -> None:
        await client.speech.synthesize("Never.", voice=voice)

    with pytest.raises(RateLimitError):
        run(scenario, emulator, max_retries=1)
    assert len(emulator.backend.faults.pending()) == 1, "two attempts: the first call and one retry"


def test_failure_after_audio_surfaces_with_what_was_delivered(
    emulator: EmulatorServer, voice: str, tmp_path: Path
) -> None:
    emulator.backend.faults.add(Fault(target="synthesis_ws", kind="ws_close", after_sentences=1, times=2))
    target = tmp_path / "cut.wav"

    async def scenario(client: AsyncClient) -> tuple[int, BaseException | None]:
        received = 0
        error: BaseException | None = None
        try:
            async for chunk in client.speech.stream("One. Two. Three.", voice=voice, format="pcm"):
                received += len(chunk.audio)
        except APIConnectionError as raised:
            error = raised
        with pytest.raises(APIConnectionError):
            await client.speech.to_file("One. Two. Three.", target, voice=voice, format="wav")
        return received, error

    received, error = run(scenario, emulator)
    assert error is not None and received > 0
    assert getattr(error, "delivered_bytes", 0) == received, "the error says how much audio was handed over"
    assert list(tmp_path.iterdir()) == [], "nothing under the final name, no .part left"


def test_bad_input_refused_before_any_call(emulator: EmulatorServer, voice: str) -> None:
    async def scenario(client: AsyncClient) -> None:
        with pytest.raises(InvalidRequestError, match="text"):
            client.speech.stream("  ", voice=voice)
        with pytest.raises(InvalidRequestError, match="enable_ssml"):
            client.speech.stream_text(["<speak>x</speak>"], voice=voice, enable_ssml=True)

    run(scenario, emulator)


def test_wav_file_from_async_text(emulator: EmulatorServer, voice: str, tmp_path: Path) -> None:
    async def words() -> AsyncIterator[str]:
        for word in ["A", "file", "written", "from", "text", "that", "arrives", "piece", "by", "piece."]:
            yield word + " "

    async def scenario(client: AsyncClient) -> Any:
        return await client.speech.to_file(words(), tmp_path / "out.wav", voice=voice, sample_rate=16000)

    result = run(scenario, emulator)
    decoded = decode(tmp_path / "out.wav")
    assert decoded.sample_rate == 16000 and decoded.info.duration_s > 1.0
    assert result.path == tmp_path / "out.wav"


def test_client_survives_a_second_event_loop(emulator: EmulatorServer, voice: str) -> None:
    client = AsyncClient(api_key=EMULATOR_API_KEY, base_url=emulator.http_base_url)

    async def speak() -> int:
        voice_ok = (await client.voices.get(voice)).is_ready
        return len((await client.speech.synthesize("Again.", voice=voice)).audio) if voice_ok else 0

    assert asyncio.run(speak()) > 0
    assert asyncio.run(speak()) > 0, "pooled connections of the first loop are not reused in the second"
    asyncio.run(client.close())
