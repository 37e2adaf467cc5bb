"""Benchmark: 32 synthesis streams at once — our native asyncio ``AsyncClient.speech.stream`` against the raw
protocol on the same event loop, and against the official SDK 2.x ``client.audio.tts.stream`` run from 32 threads.

Each round starts 32 streams of the same two-sentence text (16 kHz PCM; the emulator adds ``sentence_latency_s``
per sentence, standing in for the service's synthesis time) together, each on a new connection:

- **raw**: 32 ``asyncio`` tasks each doing the minimal protocol over the ``websockets`` asyncio client (connect,
  ``run-task``, wait for ``task-started``, ``continue-task``, ``finish-task``, read to ``task-finished``) — what
  the emulator and the event loop allow, nothing of cosyclone's;
- **ours**: one ``AsyncClient(max_speech_streams=32)`` made before the clock starts (its pool empty, so every
  stream opens its connection inside the round, as the raw client does), 32 ``speech.stream`` consumed with
  ``asyncio.gather``;
- **SDK**: ``dashscope.Client(...).audio.tts.stream(text, ws_url=…)`` consumed in 32 threads of a
  ``ThreadPoolExecutor``.

Per stream: the time from the round's start to its first audio byte; per round: the wall time until every stream
has ended, and the CPU time of this process (``time.process_time``) divided by the streams — with 32 streams on
one event loop, a client's CPU per stream adds up before the last stream's first audio. Figures are medians over
rounds (order rotated each round) of the per-round p50/p95.

Run: ``python -m benchmarks.bench_streams``.
Targets: ours' first-audio p50 and p95 within 10 ms of the raw protocol's; ours' total wall time below the SDK's.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from benchmarks._harness import API_KEY, MODEL, EmulatorProcess, median, ratio, sdk_pointed_at, verdict

STREAMS = 32
TEXT = "Hello there, this is stream speaking. A second sentence follows the first one."
SAMPLE_RATE = 16000
SENTENCE_LATENCY_S = 0.02
TARGET_MARGIN_MS = 10.0


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


async def _raw_stream(url: str, voice_id: str, started: float) -> float:
    from websockets.asyncio.client import connect

    def message(action: str, task_id: str, payload: dict[str, Any]) -> str:
        return json.dumps({"header": {"action": action, "task_id": task_id, "streaming": "duplex"}, "payload": payload})

    first = 0.0
    headers = {"Authorization": f"Bearer {API_KEY}"}
    async with connect(url, additional_headers=headers, max_size=None, compression=None) as ws:
        task_id = uuid.uuid4().hex
        parameters = {"text_type": "PlainText", "voice": voice_id, "format": "pcm", "sample_rate": SAMPLE_RATE}
        run = {"task_group": "audio", "task": "tts", "function": "SpeechSynthesizer", "model": MODEL}
        await ws.send(message("run-task", task_id, {**run, "parameters": parameters, "input": {}}))
        while json.loads(await ws.recv())["header"]["event"] != "task-started":
            pass
        await ws.send(message("continue-task", task_id, {"input": {"text": TEXT}}))
        await ws.send(message("finish-task", task_id, {"input": {}}))
        while True:
            frame = await ws.recv()
            if isinstance(frame, bytes):
                first = first or time.perf_counter() - started
            elif json.loads(frame)["header"]["event"] in ("task-finished", "task-failed"):
                return first


async def _raw_round(url: str, voice_id: str) -> tuple[list[float], float]:
    started = time.perf_counter()
    firsts = await asyncio.gather(*(_raw_stream(url, voice_id, started) for _ in range(STREAMS)))
    return list(firsts), time.perf_counter() - started


async def _ours_round(emulator: EmulatorProcess, voice_id: str) -> tuple[list[float], float]:
    from cosyclone.client import AsyncClient

    async with AsyncClient(
        api_key=API_KEY, base_url=emulator.http_base_url, ws_url=emulator.ws_url, max_speech_streams=STREAMS
    ) as client:

        async def one() -> float:
            first = 0.0
            async for chunk in client.speech.stream(
                TEXT, voice=voice_id, model=MODEL, format="pcm", sample_rate=SAMPLE_RATE
            ):
                if chunk.kind == "audio" and chunk.audio and not first:
                    first = time.perf_counter() - started

            return first

        started = time.perf_counter()
        firsts = await asyncio.gather(*(one() for _ in range(STREAMS)))
        return list(firsts), time.perf_counter() - started


def _sdk_round(sdk_client: Any, ws_url: str, voice_id: str) -> tuple[list[float], float]:
    def one(started: float) -> float:
        first = 0.0
        for chunk in sdk_client.audio.tts.stream(
            TEXT, model=MODEL, voice=voice_id, format="pcm", sample_rate=SAMPLE_RATE, ws_url=ws_url
        ):
            if chunk and not first:
                first = time.perf_counter() - started
        return first

    warnings.filterwarnings("ignore", message="dashscope 2.0 audio API is a preview", category=FutureWarning)
    with ThreadPoolExecutor(STREAMS) as pool:
        started = time.perf_counter()
        firsts = list(pool.map(one, [started] * STREAMS))
        return firsts, time.perf_counter() - started


def run(*, quick: bool = False, rounds: int = 5) -> dict[str, Any]:
    rounds = 1 if quick else rounds
    with EmulatorProcess(sentence_latency_s=SENTENCE_LATENCY_S) as emulator, sdk_pointed_at(emulator) as dashscope:
        emulator_model = emulator.model()
        (voice_id,) = emulator.seed_voices(1)
        sdk_client = dashscope.Client(api_key=API_KEY, base_url=emulator.http_base_url)
        cases = {
            "raw": lambda: asyncio.run(_raw_round(emulator.ws_url, voice_id)),
            "ours": lambda: asyncio.run(_ours_round(emulator, voice_id)),
            "sdk": lambda: _sdk_round(sdk_client, emulator.ws_url, voice_id),
        }
        for case in cases.values():  # warm up: imports, first connections
            case()
        samples: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name in cases}
        names = list(cases)
        for index in range(rounds):
            for name in names[index % 3 :] + names[: index % 3]:
                cpu = time.process_time()
                firsts, wall = cases[name]()
                cpu = time.process_time() - cpu
                if not all(firsts):
                    raise RuntimeError(f"{name}: a stream brought no audio")
                samples[name].append((*_percentiles(firsts), wall, cpu / STREAMS))
    figures = {
        name: {
            "first_audio_p50_ms": round(median(s[0] for s in rows), 2),
            "first_audio_p95_ms": round(median(s[1] for s in rows), 2),
            "wall_ms": round(median(s[2] * 1000 for s in rows), 1),
            "cpu_ms_per_stream": round(median(s[3] * 1000 for s in rows), 2),
        }
        for name, rows in samples.items()
    }
    ours, raw, sdk = figures["ours"], figures["raw"], figures["sdk"]
    over_p50 = round(ours["first_audio_p50_ms"] - raw["first_audio_p50_ms"], 2)
    over_p95 = round(ours["first_audio_p95_ms"] - raw["first_audio_p95_ms"], 2)
    latency_ok = over_p50 <= TARGET_MARGIN_MS and over_p95 <= TARGET_MARGIN_MS
    return {
        "name": "32 concurrent streams",
        "emulator": emulator_model,
        "streams": STREAMS,
        "rounds": rounds,
        "sentence_latency_ms": SENTENCE_LATENCY_S * 1000,
        "figures": figures,
        "ratios": {
            "ours_over_raw_p50_ms": over_p50,
            "ours_over_raw_p95_ms": over_p95,
            "sdk_wall_over_ours": ratio(sdk["wall_ms"], ours["wall_ms"]),
            "sdk_p50_over_ours": ratio(sdk["first_audio_p50_ms"], ours["first_audio_p50_ms"]),
        },
        "targets": [
            {
                "target": f"{STREAMS} concurrent AsyncClient streams: first audio p50/p95 within "
                f"{TARGET_MARGIN_MS:g} ms of the raw protocol",
                "measured": f"p50 {ours['first_audio_p50_ms']} vs {raw['first_audio_p50_ms']} ms, p95 "
                f"{ours['first_audio_p95_ms']} vs {raw['first_audio_p95_ms']} ms",
                **verdict(
                    latency_ok,
                    f"+{over_p50} ms at p50, +{over_p95} ms at p95: our client spends {ours['cpu_ms_per_stream']} ms "
                    f"of CPU per stream (the raw protocol {raw['cpu_ms_per_stream']} ms), and the {STREAMS} streams "
                    "share one event loop, so the difference adds up before the last first audio",
                ),
            },
            {
                "target": f"{STREAMS} concurrent streams: total wall time below the SDK 2.x `audio.tts.stream` "
                f"from {STREAMS} threads",
                "measured": f"ours {ours['wall_ms']} ms, SDK {sdk['wall_ms']} ms "
                f"({ratio(sdk['wall_ms'], ours['wall_ms'])}×)",
                **verdict(
                    ours["wall_ms"] < sdk["wall_ms"],
                    f"ours took longer: one event loop doing {STREAMS} streams' protocol work "
                    f"({ours['cpu_ms_per_stream']} ms of CPU each) against {STREAMS} threads",
                ),
            },
        ],
    }


def main() -> None:
    result = run()
    print(json.dumps({k: v for k, v in result.items() if k != "targets"}, indent=2))
    for target in result["targets"]:
        print(f"target: {target['target']}: {'met' if target['met'] else 'NOT MET — ' + target['reason']}")


if __name__ == "__main__":
    main()
