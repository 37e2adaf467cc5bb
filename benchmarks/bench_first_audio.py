"""Benchmark: time to the first audio byte of a streamed synthesis — ours (``client.speech.stream``), the official
SDK's (``SpeechSynthesizer.streaming_call`` + ``ResultCallback.on_data``) and the emulator's own, measured with a
raw ``websockets`` client doing the minimal protocol (connect, ``run-task``, wait for ``task-started``,
``continue-task`` with the text, wait for the first binary frame).

Every measurement starts when the caller asks for speech and ends when the first audio byte is in its hands,
with a **new connection** each time ("cold": ours gets a new ``Client``, built before the clock starts; the SDK a
new ``SpeechSynthesizer``, as it requires), and also, for ours and the raw client, on a connection kept open
from the previous task ("warm": ours reuses its WebSocket across tasks). The emulator adds no latency; the text
is two sentences, the first one short; 16 kHz PCM, so that no side receives a locally made header first. The
cases alternate round by round; figures are medians.

Run: ``python -m benchmarks.bench_first_audio``. ``run()`` returns the figures as a dict.
Target: ours within 2 ms of the emulator's own first-byte time over the raw protocol (issue 20).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from benchmarks._harness import (
    API_KEY,
    MODEL,
    EmulatorProcess,
    interleaved,
    median,
    our_client,
    sdk_pointed_at,
    verdict,
)

TARGET_MS = 2.0
TEXT = "Hello there. This second sentence keeps the task going a little longer than the first one."
SAMPLE_RATE = 16000


class _RawClient:
    """The minimal protocol over ``websockets``' sync client; nothing of cosyclone's."""

    def __init__(self, url: str, voice_id: str) -> None:
        self._url = url
        self._voice_id = voice_id
        self._ws: Any = None
        self._stack = contextlib.ExitStack()

    def connect(self) -> None:
        from websockets.sync.client import connect

        headers = {"Authorization": f"Bearer {API_KEY}"}
        self._ws = self._stack.enter_context(
            connect(self._url, additional_headers=headers, max_size=None, compression=None)
        )

    def close(self) -> None:
        self._stack.close()
        self._ws = None

    def _message(self, action: str, task_id: str, payload: dict[str, Any]) -> str:
        return json.dumps({"header": {"action": action, "task_id": task_id, "streaming": "duplex"}, "payload": payload})

    def first_audio_s(self, *, fresh: bool) -> float:
        """Seconds from the start (connect when ``fresh``) to the first binary frame; then finish the task."""
        started = time.perf_counter()
        if fresh or self._ws is None:
            self.close()
            self.connect()
        task_id = uuid.uuid4().hex
        parameters = {
            "text_type": "PlainText",
            "voice": self._voice_id,
            "format": "pcm",
            "sample_rate": SAMPLE_RATE,
            "volume": 50,
            "rate": 1.0,
            "pitch": 1.0,
        }
        run = {"task_group": "audio", "task": "tts", "function": "SpeechSynthesizer", "model": MODEL}
        self._ws.send(self._message("run-task", task_id, {**run, "parameters": parameters, "input": {}}))
        while json.loads(self._ws.recv())["header"]["event"] != "task-started":
            pass
        self._ws.send(self._message("continue-task", task_id, {"input": {"text": TEXT}}))
        while not isinstance(self._ws.recv(), bytes):
            pass
        elapsed = time.perf_counter() - started
        self._ws.send(self._message("finish-task", task_id, {"input": {}}))
        while True:
            frame = self._ws.recv()
            if isinstance(frame, str) and json.loads(frame)["header"]["event"] in ("task-finished", "task-failed"):
                break
        if fresh:
            self.close()
        return elapsed


def _ours_first_audio_s(client: Any, voice_id: str) -> float:
    started = time.perf_counter()
    first: float | None = None
    for chunk in client.speech.stream(TEXT, voice=voice_id, model=MODEL, format="pcm", sample_rate=SAMPLE_RATE):
        if first is None and chunk.kind == "audio" and chunk.audio:
            first = time.perf_counter() - started
    if first is None:
        raise RuntimeError("no audio from client.speech.stream")
    return first


def _sdk_first_audio_s(voice_id: str) -> float:
    from dashscope.audio.tts_v2 import AudioFormat, ResultCallback, SpeechSynthesizer

    arrived = threading.Event()
    moments: list[float] = []

    class Callback(ResultCallback):  # type: ignore[misc,unused-ignore]
        def on_data(self, data: bytes) -> None:
            if not moments:
                moments.append(time.perf_counter())
                arrived.set()

    synthesizer = SpeechSynthesizer(
        model=MODEL, voice=voice_id, format=AudioFormat.PCM_16000HZ_MONO_16BIT, callback=Callback()
    )
    started = time.perf_counter()
    synthesizer.streaming_call(TEXT)
    synthesizer.streaming_complete()  # type: ignore[no-untyped-call,unused-ignore]
    if not arrived.wait(5):
        raise RuntimeError("no audio from the SDK's streaming_call")
    return moments[0] - started


def run(*, quick: bool = False, rounds: int = 25) -> dict[str, Any]:
    """Measure the five cases ``rounds`` times each, interleaved; medians in ms."""
    if quick:
        rounds = 2
    with EmulatorProcess() as emulator, sdk_pointed_at(emulator):
        emulator_model = emulator.model()
        voice_id = emulator.seed_voices(1)[0]
        raw = _RawClient(emulator.ws_url, voice_id)
        warm_client = our_client(emulator)

        def ours_cold() -> float:
            client = our_client(emulator)
            try:
                return _ours_first_audio_s(client, voice_id)
            finally:
                client.close()

        cases: list[tuple[str, Callable[[], float]]] = [
            ("emulator_cold", lambda: raw.first_audio_s(fresh=True)),
            ("ours_cold", ours_cold),
            ("sdk_cold", lambda: _sdk_first_audio_s(voice_id)),
            ("emulator_warm", lambda: raw.first_audio_s(fresh=False)),
            ("ours_warm", lambda: _ours_first_audio_s(warm_client, voice_id)),
        ]
        for _, case in cases:  # warm-up: imports, first-call caches
            case()
        samples = interleaved(rounds, cases)
        raw.close()
        warm_client.close()
    ms = {name: round(median(values) * 1000, 2) for name, values in samples.items()}
    spread = {name: [round(min(v) * 1000, 2), round(max(v) * 1000, 2)] for name, v in samples.items()}
    over_cold = round(ms["ours_cold"] - ms["emulator_cold"], 2)
    over_warm = round(ms["ours_warm"] - ms["emulator_warm"], 2)
    return {
        "name": "time to first audio byte",
        "emulator": emulator_model,
        "rounds": rounds,
        "figures": {f"{name}_ms": value for name, value in ms.items()},
        "min_max_ms": spread,
        "ratios": {
            "ours_over_emulator_cold_ms": over_cold,
            "ours_over_emulator_warm_ms": over_warm,
            "sdk_over_ours_cold": round(ms["sdk_cold"] / ms["ours_cold"], 2) if ms["ours_cold"] else 0.0,
        },
        "targets": [
            {
                "target": f"first audio byte within {TARGET_MS:g} ms of the emulator's own",
                "measured": f"{over_cold:+} ms on a new connection, {over_warm:+} ms on a reused one",
                **verdict(
                    over_cold <= TARGET_MS and over_warm <= TARGET_MS,
                    f"ours adds {max(over_cold, over_warm)} ms over the raw protocol",
                ),
            }
        ],
    }


def main() -> None:
    results = run()
    f, r = results["figures"], results["ratios"]
    print(
        f"first audio byte (median of {results['rounds']}): emulator raw {f['emulator_cold_ms']} ms new connection / "
        f"{f['emulator_warm_ms']} ms reused; ours {f['ours_cold_ms']} / {f['ours_warm_ms']} ms "
        f"({r['ours_over_emulator_cold_ms']:+} / {r['ours_over_emulator_warm_ms']:+} ms); SDK {f['sdk_cold_ms']} ms "
        f"(×{r['sdk_over_ours_cold']} ours)"
    )
    for target in results["targets"]:
        print(f"target: {target['target']}: {'met' if target['met'] else 'NOT MET — ' + target['reason']}")


if __name__ == "__main__":
    main()
