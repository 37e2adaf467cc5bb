"""Benchmark: voice operations per second, cosyclone ``Client.voices`` against the official SDK's
``VoiceEnrollmentService``, both on the same emulator, the same number of operations, in the same run.

What is measured (each loop once per round, ours and the SDK's alternating, order swapped every round; figures
are medians over the rounds):

- ``list``: ``voices.list(page_size=10)`` / ``list_voices(page_size=10)`` on a tenant holding 20 voices.
- ``query``: ``voices.get(id)`` / ``query_voice(id)`` over those 20 voices in turn. Also, as ``ours_async``, the
  same loop through one ``AsyncClient`` (made once, outside the timed loop, on an event loop kept for the run).
- ``create``: ``voices.create(sample=URL)`` / ``create_voice(url=URL)`` with the bundled 15 s LibriVox WAV served by
  a local ``http.server``; the emulator runs with no ready delay and no latency. The emulator downloads and judges
  the sample (decode, VAD, pitch) for every create, a cost of the emulator's that both sides pay alike, so the
  voices made are deleted after each round (not timed) to keep the tenant the same for both.
- ``mix``: a management session where the sample judging is not dominant: 1 create, 24 queries, 24 lists and the
  delete of the new voice (50 operations).
- ``concurrent_query``: the query loop with 8 operations in flight, both from 8 threads sharing one client (ours:
  one ``Client``, whose connection pool is thread-safe; the SDK's: its process-wide pooled ``requests`` session). Also,
  as ``ours_async``, our ``AsyncClient`` with ``asyncio.gather`` (the SDK has no async enrollment API).

Besides wall-clock throughput, CPU seconds per operation are read for the client (``time.process_time`` of this
process, which runs nothing else) and for the emulator (``/proc/PID/stat`` of its process). From them comes the
*ceiling*: the throughput ratio a client with zero CPU cost would reach against the SDK on this emulator,
``sdk_s_per_op / (sdk_s_per_op - sdk_client_cpu_s_per_op)``; ``fraction_of_ceiling`` is the measured throughput
ratio over it. What a client controls is its own CPU per operation: the targets are that (for ``voices.get``,
``Client`` and ``AsyncClient``, with the SDK's in the same run for scale) and the fraction of the ceiling reached.

Run: ``python -m benchmarks.bench_voices``. ``run()`` returns the figures as a dict.
Targets: client CPU per ``voices.get`` ≤ 0.6× the SDK's in the same run (``Client`` and ``AsyncClient``; issue
20); ≥ 70 % of the ceiling for list and query. The emulator speaks with the formant engine and adds no latency
(printed at start).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from benchmarks._harness import (
    API_KEY,
    MODEL,
    EmulatorProcess,
    median,
    our_client,
    ratio,
    sdk_pointed_at,
    verdict,
)

#: Client CPU per voices.get as a fraction of the SDK's, measured in the same run (issue 20): Client, AsyncClient.
TARGET_CPU_RATIO = 0.6
#: Throughput as a fraction of the ceiling, for list and query.
TARGET_FRACTION = 0.70
SEEDED_VOICES = 20
MIX_QUERIES = 24
MIX_LISTS = 24
CONCURRENCY = 8


def _emulator_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux; 0 elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Meter:
    """Wall, client-CPU and emulator-CPU seconds of one loop of ``ops`` operations."""

    def __init__(self, emulator_pid: int) -> None:
        self._pid = emulator_pid

    def __call__(self, ops: int, loop: Callable[[], object]) -> dict[str, float]:
        emulator_cpu = _emulator_cpu_s(self._pid)
        client_cpu = time.process_time()
        started = time.perf_counter()
        loop()
        wall = time.perf_counter() - started
        return {
            "ops": ops,
            "wall_s": wall,
            "client_cpu_s": time.process_time() - client_cpu,
            "emulator_cpu_s": _emulator_cpu_s(self._pid) - emulator_cpu,
        }


def _summary(samples: list[dict[str, float]]) -> dict[str, float]:
    ops = samples[0]["ops"]
    wall = median(s["wall_s"] for s in samples)
    return {
        "ops_per_round": int(ops),
        "ops_per_s": round(ops / wall, 1),
        "ms_per_op": round(wall / ops * 1000, 3),
        "client_cpu_ms_per_op": round(median(s["client_cpu_s"] for s in samples) / ops * 1000, 3),
        "emulator_cpu_ms_per_op": round(median(s["emulator_cpu_s"] for s in samples) / ops * 1000, 3),
    }


def _compare(ours: dict[str, float], sdk: dict[str, float]) -> dict[str, float | None]:
    sdk_s = sdk["ms_per_op"]
    waiting = sdk_s - sdk["client_cpu_ms_per_op"]
    throughput = ratio(ours["ops_per_s"], sdk["ops_per_s"])
    ceiling = ratio(sdk_s, waiting) if waiting > 0 else 0.0
    return {
        "throughput_ratio": throughput,
        "client_cpu_ratio_sdk_over_ours": ratio(sdk["client_cpu_ms_per_op"], ours["client_cpu_ms_per_op"]),
        "ceiling_ratio": ceiling,
        "fraction_of_ceiling": round(throughput / ceiling, 2) if ceiling else None,
    }


def run(
    *, quick: bool = False, rounds: int = 3, light_ops: int = 300, creates: int = 3, create_rounds: int = 6
) -> dict[str, Any]:
    """Measure every loop; ``quick`` uses tiny counts (for the smoke test)."""
    if quick:
        rounds, light_ops, creates, create_rounds = 1, 10, 1, 1
    with EmulatorProcess() as emulator, sdk_pointed_at(emulator) as dashscope:
        emulator_model = emulator.model()
        from dashscope.audio.tts_v2 import VoiceEnrollmentService

        from cosyclone.client import AsyncClient

        meter = _Meter(emulator.pid)
        ids = emulator.seed_voices(SEEDED_VOICES)
        sample_url = emulator.sample_url()
        client = our_client(emulator)
        service = VoiceEnrollmentService(api_key=API_KEY)
        assert dashscope.base_http_api_url == emulator.http_base_url

        ours_made: list[str] = []
        sdk_made: list[str] = []

        def ours_creates() -> None:
            for _ in range(creates):
                ours_made.append(client.voices.create(prefix="ours", sample=sample_url, target_model=MODEL).voice_id)

        def sdk_creates() -> None:
            for _ in range(creates):
                sdk_made.append(service.create_voice(MODEL, "sdk", sample_url))

        def ours_mix() -> None:
            voice_id = client.voices.create(prefix="mix", sample=sample_url, target_model=MODEL).voice_id
            for i in range(MIX_QUERIES):
                client.voices.get(voice_id if i % 4 == 0 else ids[i % SEEDED_VOICES])
            for _ in range(MIX_LISTS):
                client.voices.list(page_size=10)
            client.voices.delete(voice_id)

        def sdk_mix() -> None:
            voice_id = service.create_voice(MODEL, "mix", sample_url)
            for i in range(MIX_QUERIES):
                service.query_voice(voice_id if i % 4 == 0 else ids[i % SEEDED_VOICES])
            for _ in range(MIX_LISTS):
                service.list_voices(page_size=10)
            service.delete_voice(voice_id)

        async def ours_concurrent() -> None:
            async with AsyncClient(api_key=API_KEY, base_url=emulator.http_base_url) as aclient:
                gate = asyncio.Semaphore(CONCURRENCY)

                async def one(i: int) -> None:
                    async with gate:
                        await aclient.voices.get(ids[i % SEEDED_VOICES])

                await asyncio.gather(*(one(i) for i in range(light_ops)))

        def ours_threads() -> None:
            with ThreadPoolExecutor(CONCURRENCY) as pool:
                list(pool.map(lambda i: client.voices.get(ids[i % SEEDED_VOICES]), range(light_ops)))

        def sdk_threads() -> None:
            with ThreadPoolExecutor(CONCURRENCY) as pool:
                list(pool.map(lambda i: service.query_voice(ids[i % SEEDED_VOICES]), range(light_ops)))

        mix_ops = 2 + MIX_QUERIES + MIX_LISTS
        # name: (operations per round, rounds, our loop, the SDK's loop)
        loops: dict[str, tuple[int, int, Callable[[], object], Callable[[], object]]] = {
            "list": (
                light_ops,
                rounds,
                lambda: [client.voices.list(page_size=10) for _ in range(light_ops)],
                lambda: [service.list_voices(page_size=10) for _ in range(light_ops)],
            ),
            "query": (
                light_ops,
                rounds,
                lambda: [client.voices.get(ids[i % SEEDED_VOICES]) for i in range(light_ops)],
                lambda: [service.query_voice(ids[i % SEEDED_VOICES]) for i in range(light_ops)],
            ),
            "create": (
                creates,
                create_rounds,
                ours_creates,
                sdk_creates,
            ),
            "mix": (mix_ops, create_rounds, ours_mix, sdk_mix),
            "concurrent_query": (light_ops, rounds, ours_threads, sdk_threads),
        }
        # AsyncClient, sequential: one client on one event loop kept for the run (made and warmed untimed).
        aloop = asyncio.new_event_loop()
        aclient = aloop.run_until_complete(_async_client(emulator))

        async def ours_async_queries() -> None:
            for i in range(light_ops):
                await aclient.voices.get(ids[i % SEEDED_VOICES])

        # Warm both clients up (connections, imports, first-call caches), not timed.
        client.voices.list(page_size=10)
        service.list_voices(page_size=10)
        asyncio.run(_warm_async(emulator))
        aloop.run_until_complete(ours_async_queries())
        async_query_samples: list[dict[str, float]] = []

        results: dict[str, Any] = {}
        for name, (ops, loop_rounds, ours_loop, sdk_loop) in loops.items():
            ours_samples: list[dict[str, float]] = []
            sdk_samples: list[dict[str, float]] = []
            for round_index in range(loop_rounds):
                order = [(ours_samples, ours_loop), (sdk_samples, sdk_loop)]
                for samples, loop in order if round_index % 2 == 0 else order[::-1]:
                    samples.append(meter(ops, loop))
                if name == "query":
                    async_query_samples.append(meter(ops, lambda: aloop.run_until_complete(ours_async_queries())))
                for voice_id in ours_made:
                    client.voices.delete(voice_id)
                for voice_id in sdk_made:
                    service.delete_voice(voice_id)
                ours_made.clear()
                sdk_made.clear()
            ours, sdk = _summary(ours_samples), _summary(sdk_samples)
            results[name] = {"ours": ours, "sdk": sdk, **_compare(ours, sdk)}
            if name.startswith("concurrent"):
                results[name]["ceiling_ratio"] = None  # CPU of 8 threads overlaps: no ceiling from it
                results[name]["fraction_of_ceiling"] = None
        async_samples = [meter(light_ops, lambda: asyncio.run(ours_concurrent())) for _ in range(rounds)]
        results["concurrent_query"]["ours_async"] = _summary(async_samples)
        results["query"]["ours_async"] = _summary(async_query_samples)
        aloop.run_until_complete(aclient.close())
        aloop.close()
        client.close()
        latency = dict(emulator.latency_ms)

    return {
        "name": "voice operations",
        "emulator": emulator_model,
        "rounds": {name: spec[1] for name, spec in loops.items()},
        "emulator_http_latency_ms": {k: round(v, 2) for k, v in latency.items()},
        "operations": results,
        "targets": _targets(results),
    }


def _targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    query = results["query"]
    cpu = {
        "Client": query["ours"]["client_cpu_ms_per_op"],
        "AsyncClient": query["ours_async"]["client_cpu_ms_per_op"],
    }
    sdk_cpu = query["sdk"]["client_cpu_ms_per_op"]
    share = {name: round(cpu[name] / sdk_cpu, 2) if sdk_cpu else 0.0 for name in cpu}
    over = [f"{name} {share[name]}× the SDK's" for name in cpu if share[name] > TARGET_CPU_RATIO]
    fractions = {name: results[name]["fraction_of_ceiling"] or 0.0 for name in ("list", "query")}
    short = [f"{name} {fractions[name]:.0%}" for name in fractions if fractions[name] < TARGET_FRACTION]
    return [
        {
            "target": f"client CPU per voices.get ≤ {TARGET_CPU_RATIO:g}× the SDK's in the same run "
            "(Client and AsyncClient)",
            "measured": f"Client {cpu['Client']} ms ({share['Client']}×), AsyncClient {cpu['AsyncClient']} ms "
            f"({share['AsyncClient']}×), SDK {sdk_cpu} ms",
            **verdict(not over, "; ".join(over) + f" (the SDK spent {sdk_cpu} ms in this run)"),
        },
        {
            "target": f"voice-operation throughput ≥ {TARGET_FRACTION:.0%} of the computed ceiling (list, query)",
            "measured": ", ".join(
                f"{name} {fractions[name]:.0%} ({results[name]['throughput_ratio']}× of a possible "
                f"{results[name]['ceiling_ratio']}×)"
                for name in fractions
            ),
            **verdict(not short, "below: " + ", ".join(short)),
        },
    ]


async def _async_client(emulator: EmulatorProcess) -> Any:
    from cosyclone.client import AsyncClient

    client = AsyncClient(api_key=API_KEY, base_url=emulator.http_base_url)
    await client.voices.list(page_size=10)
    return client


async def _warm_async(emulator: EmulatorProcess) -> None:
    from cosyclone.client import AsyncClient

    async with AsyncClient(api_key=API_KEY, base_url=emulator.http_base_url) as aclient:
        await aclient.voices.list(page_size=10)


def main() -> None:
    results = run()
    print(f"emulator HTTP latency (GET /_emulator/health): {results['emulator_http_latency_ms']} ms")
    for name, figures in results["operations"].items():
        ours, sdk = figures["ours"], figures["sdk"]
        print(
            f"{name:17s} ours {ours['ops_per_s']:8.1f} op/s  sdk {sdk['ops_per_s']:8.1f} op/s  "
            f"×{figures['throughput_ratio']:<5}  client CPU/op ours {ours['client_cpu_ms_per_op']:.3f} ms "
            f"sdk {sdk['client_cpu_ms_per_op']:.3f} ms  emulator CPU/op {sdk['emulator_cpu_ms_per_op']:.3f} ms  "
            f"ceiling ×{figures['ceiling_ratio'] or '—'}"
        )
        if "ours_async" in figures:
            extra = figures["ours_async"]
            print(
                f"{'':17s} ours AsyncClient {extra['ops_per_s']:8.1f} op/s  client CPU/op "
                f"{extra['client_cpu_ms_per_op']:.3f} ms"
            )
    for target in results["targets"]:
        print(f"target: {target['target']}: {'met' if target['met'] else 'NOT MET — ' + target['reason']}")


if __name__ == "__main__":
    main()
