"""Benchmark: a batch of 100 sentences, cosyclone ``BatchRun`` at concurrency 8 against the official SDK's
sequential ``SpeechSynthesizer.call()``, on the same emulator in the same run.

The emulator adds ``sentence_latency_s`` (50 ms) before each sentence's audio, standing in for the service's
synthesis time. Both sides write one file per sentence (16 kHz WAV: the emulator's MP3/Opus encoding costs
tens of ms of its CPU per sentence, which on a 2-core machine would make the emulator the bottleneck instead of
the latency being modelled), using one seeded voice and the same texts:

- **ours**: ``BatchRun(items, concurrency=8)`` — 8 worker threads, each with its own ``Client`` and so its own
  reused WebSocket connection; per-item retries off. Median of ``rounds`` runs.
- **ours, sequential**: the same at concurrency 1 (one run), to separate what concurrency buys from what a
  reused connection buys.
- **ours, CLI**: ``cosyclone batch INPUT --concurrency 8`` in a subprocess (one run), interpreter start-up included.
- **SDK**: for each sentence a fresh ``SpeechSynthesizer(model, voice, format=WAV_16000HZ_MONO_16BIT)`` (the SDK
  requires a new object per ``call()``), ``call(text)``, bytes written to a file; one run (its 100 calls
  already average out).

Run: ``python -m benchmarks.bench_batch``. ``run()`` returns the figures as a dict.
Target: ours ≥ 10× faster than the SDK (issue 20). A separate row measures the speech engine itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._harness import API_KEY, MODEL, EmulatorProcess, median, our_client, ratio, sdk_pointed_at, verdict
from benchmarks._text import sentences

TARGET_RATIO = 10.0
SENTENCE_LATENCY_S = 0.05
FORMAT = "wav"
SAMPLE_RATE = 16000


def _ours(emulator: EmulatorProcess, texts: list[str], voice_id: str, out_dir: Path, concurrency: int) -> float:
    from cosyclone.ops.batch import BatchItem, BatchRun

    items = [BatchItem(f"s{i:03d}", text) for i, text in enumerate(texts)]
    run = BatchRun(
        items,
        out_dir=out_dir,
        client_factory=lambda: our_client(emulator),
        defaults={"voice": voice_id, "model": MODEL, "format": FORMAT, "sample_rate": SAMPLE_RATE},
        concurrency=concurrency,
        retries=0,
    )
    started = time.perf_counter()
    results = run.run()
    elapsed = time.perf_counter() - started
    failed = [r for r in results if r.error]
    if failed or len(results) != len(texts):
        raise RuntimeError(f"BatchRun failed {len(failed)} of {len(texts)} items: {failed[:1]}")
    return elapsed


def _sdk(texts: list[str], voice_id: str, out_dir: Path) -> tuple[float, list[float]]:
    from dashscope.audio.tts_v2 import AudioFormat, SpeechSynthesizer

    out_dir.mkdir(parents=True, exist_ok=True)
    per_call: list[float] = []
    started = time.perf_counter()
    for i, text in enumerate(texts):
        call_started = time.perf_counter()
        synthesizer = SpeechSynthesizer(model=MODEL, voice=voice_id, format=AudioFormat.WAV_16000HZ_MONO_16BIT)
        audio = synthesizer.call(text)
        if not audio:
            raise RuntimeError(f"the SDK returned no audio for sentence {i}")
        (out_dir / f"s{i:03d}.wav").write_bytes(audio)
        per_call.append(time.perf_counter() - call_started)
    return time.perf_counter() - started, per_call


def _cli(emulator: EmulatorProcess, texts: list[str], voice_id: str, work: Path, concurrency: int) -> float:
    source = work / "script.txt"
    source.write_text("\n".join(texts) + "\n", encoding="utf-8")
    env = {
        **os.environ,
        **emulator.env(),
        "DASHSCOPE_API_KEY": API_KEY,
        "COSYCLONE_HOME": str(work / "home"),
    }
    command = [
        str(Path(sys.executable).with_name("cosyclone")),
        "--base-url",
        emulator.http_base_url,
        "--no-evidence",
        "batch",
        str(source),
        "--voice",
        voice_id,
        "--model",
        MODEL,
        "--out-dir",
        str(work / "cli-out"),
        "--concurrency",
        str(concurrency),
        "--retries",
        "0",
        "--format",
        FORMAT,
        "--sample-rate",
        str(SAMPLE_RATE),
        "--json",
    ]
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True, cwd=work, timeout=300)
    return time.perf_counter() - started


def _speech_engine_row(texts: list[str], concurrency: int) -> dict[str, Any]:
    """The same batch (ours) against an emulator speaking with the ``speech`` engine and no modelled latency:
    what the engine itself sustains on this machine (it, not a client, bounds a batch run that way)."""
    from cosyclone.emulator.voice.engine_choice import speech_available

    if not speech_available():
        return {"speech_engine": "not installed (the [speech] extra)"}
    with (
        EmulatorProcess(voice_engine="speech") as emulator,
        tempfile.TemporaryDirectory(prefix="cosyclone-bench-engine-") as tmp,
    ):
        voice_id = emulator.seed_voices(1)[0]
        _ours(emulator, texts[:2], voice_id, Path(tmp) / "warm", 2)
        seconds = _ours(emulator, texts, voice_id, Path(tmp) / "run", concurrency)
    return {
        "speech_engine_s": round(seconds, 3),
        "speech_engine_items_per_s": round(len(texts) / seconds, 1),
        "speech_engine_chars_per_s": round(sum(len(t) for t in texts) / seconds, 1),
    }


def run(
    *,
    quick: bool = False,
    count: int = 100,
    concurrency: int = 8,
    latency_s: float = SENTENCE_LATENCY_S,
    rounds: int = 3,
    extras: bool = True,
) -> dict[str, Any]:
    """Measure ours (``rounds`` times), the SDK (once), and with ``extras`` ours sequential and via the CLI."""
    if quick:
        count, concurrency, rounds, extras = 4, 2, 1, False
    texts = sentences(count)
    with (
        EmulatorProcess(sentence_latency_s=latency_s) as emulator,
        sdk_pointed_at(emulator),
        tempfile.TemporaryDirectory(prefix="cosyclone-bench-batch-") as tmp,
    ):
        emulator_model = emulator.model()
        work = Path(tmp)
        voice_id = emulator.seed_voices(1)[0]
        # Warm-up (imports, first connection), not timed.
        _ours(emulator, texts[:2], voice_id, work / "warm-ours", 2)
        _sdk(texts[:1], voice_id, work / "warm-sdk")
        ours_runs: list[float] = []
        sdk_s = 0.0
        sdk_calls: list[float] = []
        for round_index in range(rounds):
            ours_runs.append(_ours(emulator, texts, voice_id, work / f"ours-{round_index}", concurrency))
            if round_index == 0:
                sdk_s, sdk_calls = _sdk(texts, voice_id, work / "sdk")
        figures: dict[str, Any] = {
            "sentences": count,
            "characters": sum(len(t) for t in texts),
            "concurrency": concurrency,
            "sentence_latency_ms": round(latency_s * 1000, 1),
            "ours_s": round(median(ours_runs), 3),
            "ours_runs_s": [round(r, 3) for r in ours_runs],
            "sdk_s": round(sdk_s, 3),
            "sdk_median_call_ms": round(median(sdk_calls) * 1000, 1),
            "ours_items_per_s": round(count / median(ours_runs), 1),
            "sdk_items_per_s": round(count / sdk_s, 1),
        }
        if extras:
            figures["ours_sequential_s"] = round(_ours(emulator, texts, voice_id, work / "ours-seq", 1), 3)
            figures["ours_cli_s"] = round(_cli(emulator, texts, voice_id, work, concurrency), 3)
    if extras:
        figures.update(_speech_engine_row(texts, concurrency))
    ratios = {"speedup": ratio(figures["sdk_s"], figures["ours_s"])}
    if extras:
        ratios["speedup_sequential"] = ratio(figures["sdk_s"], figures["ours_sequential_s"])
        ratios["speedup_cli"] = ratio(figures["sdk_s"], figures["ours_cli_s"])
    met = ratios["speedup"] >= TARGET_RATIO
    return {
        "name": "batch synthesis",
        "emulator": emulator_model,
        "figures": figures,
        "ratios": ratios,
        "targets": [
            {
                "target": f"batch of {count} at concurrency {concurrency} ≥ {TARGET_RATIO:g}× faster than the SDK",
                "measured": f"{ratios['speedup']}× ({figures['ours_s']} s vs {figures['sdk_s']} s)",
                **verdict(met, f"{ratios['speedup']}× is below {TARGET_RATIO:g}×"),
            }
        ],
    }


def main() -> None:
    results = run()
    f, r = results["figures"], results["ratios"]
    print(
        f"{f['sentences']} sentences ({f['characters']} characters), emulator latency {f['sentence_latency_ms']} ms "
        f"per sentence: ours (BatchRun, concurrency {f['concurrency']}) {f['ours_s']} s (runs {f['ours_runs_s']}), "
        f"SDK sequential call() {f['sdk_s']} s (median call {f['sdk_median_call_ms']} ms) — ×{r['speedup']}"
    )
    if "ours_sequential_s" in f:
        print(f"ours at concurrency 1: {f['ours_sequential_s']} s (×{r['speedup_sequential']} vs SDK)")
        print(f"ours via `cosyclone batch`: {f['ours_cli_s']} s (×{r['speedup_cli']} vs SDK)")
    if "speech_engine_s" in f:
        print(
            f"the speech engine itself (ours, same batch, no modelled latency): {f['speech_engine_s']} s, "
            f"{f['speech_engine_items_per_s']} items/s, {f['speech_engine_chars_per_s']} characters/s"
        )
    for target in results["targets"]:
        print(f"target: {target['target']}: {'met' if target['met'] else 'NOT MET — ' + target['reason']}")


if __name__ == "__main__":
    main()
