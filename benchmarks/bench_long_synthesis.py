"""Benchmark: peak memory while synthesizing a 200,000-character text into a file — ours
(``client.speech.to_file``) against the official SDK's ``SpeechSynthesizer.call()``, each in a fresh subprocess.

The text is English, 200,000 characters (the service's per-task limit); the audio is 8 kHz 16-bit PCM (about
4 hours, ~230 MB; the emulator renders PCM quickly, while its MP3 encoder would need minutes for this much audio).

- **ours**: ``to_file(text, path, format="pcm", sample_rate=8000)``: the client cuts the text into ≤ 20,000-character
  messages of one task over one WebSocket, and streams the audio into ``path.part``.
- **SDK**: ``call()`` refuses nothing itself but always sends the whole text as *one* message (it turns SSML on),
  and the service — so the emulator — takes at most 20,000 characters per message: the whole text in one
  ``call()`` fails (recorded as ``sdk_whole_text_error``). So the SDK side does what a user has to: cut the text
  at sentence ends into pieces of ≤ 20,000 characters, ``call()`` each with a fresh ``SpeechSynthesizer``, and
  append each returned piece of audio to the file at once (the frugal way; keeping every piece in memory until
  the end would hold the whole ~230 MB at least).

Peak memory is ``VmHWM`` from /proc/self/status, read by the child at the end, and ``ru_maxrss`` beside it. On
Linux ``ru_maxrss`` survives exec: a child spawned straight from this (large) process would report our own
high-water mark. So the child is started through ``/bin/sh``, which forks it from its own small image, and the two
figures agree. ``rss_after_import`` is the mark after imports; ``growth`` is peak minus that.

Run: ``python -m benchmarks.bench_long_synthesis``. ``run()`` returns the figures as a dict.
Target (informative): ours keeps memory flat — peak no more than 64 MB above its after-import mark.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks._harness import API_KEY, MODEL, EmulatorProcess, ratio, verdict
from benchmarks._text import text_of_length

CHARACTERS = 200_000
FLAT_MARGIN_MB = 64.0
SAMPLE_RATE = 8000
SDK_PIECE_CHARS = 20_000

_PEAK = r"""
import resource

def marks():
    found = {}
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(("VmHWM:", "VmRSS:")):
                    found[line.split(":")[0]] = int(line.split()[1])
    except OSError:
        pass
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"hwm_kb": found.get("VmHWM", maxrss), "rss_kb": found.get("VmRSS", 0), "ru_maxrss_kb": maxrss}
"""

_OURS = (
    _PEAK
    + r"""
import json, sys, time
http_url, ws_url, key, model, voice, text_path, out_path, rate = sys.argv[1:9]
assert http_url.startswith("http://127.0.0.1:") and ws_url.startswith("ws://127.0.0.1:")
t0 = time.perf_counter()
from cosyclone.client import Client
import_s = time.perf_counter() - t0
after_import = marks()
text = open(text_path, encoding="utf-8").read()
client = Client(api_key=key, base_url=http_url, ws_url=ws_url)
t = time.perf_counter()
result = client.speech.to_file(text, out_path, voice=voice, model=model, format="pcm", sample_rate=int(rate))
elapsed = time.perf_counter() - t
client.close()
print(json.dumps({"import_s": import_s, "elapsed_s": elapsed, "after_import": after_import, "end": marks(),
                  "bytes": result.bytes_written, "tasks": len(result.request_ids), "characters": result.characters}))
"""
)

_SDK = (
    _PEAK
    + r"""
import json, os, re, sys, time
http_url, ws_url, key, model, voice, text_path, out_path, rate, piece_chars = sys.argv[1:10]
assert http_url.startswith("http://127.0.0.1:") and ws_url.startswith("ws://127.0.0.1:")
os.environ["DASHSCOPE_HTTP_BASE_URL"], os.environ["DASHSCOPE_WEBSOCKET_BASE_URL"] = http_url, ws_url
t0 = time.perf_counter()
import dashscope
dashscope.base_http_api_url, dashscope.base_websocket_api_url, dashscope.api_key = http_url, ws_url, key
from dashscope.audio.tts_v2 import AudioFormat, SpeechSynthesizer
import logging
logging.getLogger("dashscope").setLevel(logging.CRITICAL)  # the refused whole-text call logs its task-failed
import_s = time.perf_counter() - t0
after_import = marks()
fmt = getattr(AudioFormat, f"PCM_{int(rate)}HZ_MONO_16BIT")
text = open(text_path, encoding="utf-8").read()
whole_error = None
try:
    SpeechSynthesizer(model=model, voice=voice, format=fmt).call(text)
except Exception as error:
    whole_error = f"{type(error).__name__}: {error}"[:240]
after_whole = marks()
pieces, current = [], ""
for sentence in re.split(r"(?<=[.!?])\s+", text):
    if current and len(current) + 1 + len(sentence) > int(piece_chars):
        pieces.append(current)
        current = sentence
    else:
        current = f"{current} {sentence}" if current else sentence
if current:
    pieces.append(current)
t = time.perf_counter()
written = 0
with open(out_path, "wb") as out:
    for piece in pieces:
        audio = SpeechSynthesizer(model=model, voice=voice, format=fmt).call(piece)
        out.write(audio)
        written += len(audio)
        del audio
elapsed = time.perf_counter() - t
print(json.dumps({"import_s": import_s, "elapsed_s": elapsed, "after_import": after_import,
                  "after_whole": after_whole, "end": marks(), "bytes": written, "calls": len(pieces),
                  "whole_text_error": whole_error}))
"""
)


def _child(script: str, args: list[str]) -> dict[str, Any]:
    command = [sys.executable, "-c", script, *args]
    if Path("/bin/sh").exists():
        # sh forks the child from its own small image: its ru_maxrss does not start at ours (see above).
        command = ["/bin/sh", "-c", '"$@"; exit $?', "sh", *command]
    proc = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed ({proc.returncode}): {proc.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _mb(kb: float) -> float:
    return round(kb / 1024, 1)


def run(*, quick: bool = False, characters: int = CHARACTERS) -> dict[str, Any]:
    """Run ours and the SDK once each, in fresh subprocesses; ``quick`` synthesizes 3,000 characters."""
    piece_chars = SDK_PIECE_CHARS
    if quick:
        characters, piece_chars = 3_000, 1_000
    text = text_of_length(characters)
    with EmulatorProcess() as emulator, tempfile.TemporaryDirectory(prefix="cosyclone-bench-long-") as tmp:
        emulator_model = emulator.model()
        voice_id = emulator.seed_voices(1)[0]
        work = Path(tmp)
        text_path = work / "text.txt"
        text_path.write_text(text, encoding="utf-8")
        common = [emulator.http_base_url, emulator.ws_url, API_KEY, MODEL, voice_id, str(text_path)]
        ours = _child(_OURS, [*common, str(work / "ours.pcm"), str(SAMPLE_RATE)])
        (work / "ours.pcm").unlink()
        sdk = _child(_SDK, [*common, str(work / "sdk.pcm"), str(SAMPLE_RATE), str(piece_chars)])
    figures = {
        "characters": len(text),
        "audio_mb_ours": round(ours["bytes"] / 1e6, 1),
        "audio_mb_sdk": round(sdk["bytes"] / 1e6, 1),
        "audio_hours": round(ours["bytes"] / (2 * SAMPLE_RATE) / 3600, 2),
        "ours_peak_rss_mb": _mb(ours["end"]["hwm_kb"]),
        "ours_rss_after_import_mb": _mb(ours["after_import"]["hwm_kb"]),
        "ours_ru_maxrss_mb": _mb(ours["end"]["ru_maxrss_kb"]),
        "ours_elapsed_s": round(ours["elapsed_s"], 2),
        "ours_tasks": ours["tasks"],
        "sdk_peak_rss_mb": _mb(sdk["end"]["hwm_kb"]),
        "sdk_rss_after_import_mb": _mb(sdk["after_import"]["hwm_kb"]),
        "sdk_ru_maxrss_mb": _mb(sdk["end"]["ru_maxrss_kb"]),
        "sdk_elapsed_s": round(sdk["elapsed_s"], 2),
        "sdk_calls": sdk["calls"],
    }
    growth_ours = round(figures["ours_peak_rss_mb"] - figures["ours_rss_after_import_mb"], 1)
    growth_sdk = round(figures["sdk_peak_rss_mb"] - figures["sdk_rss_after_import_mb"], 1)
    figures["ours_growth_mb"] = growth_ours
    figures["sdk_growth_mb"] = growth_sdk
    flat = growth_ours <= FLAT_MARGIN_MB
    return {
        "name": "long synthesis memory",
        "emulator": emulator_model,
        "figures": figures,
        "sdk_whole_text_error": sdk["whole_text_error"],
        "ratios": {
            "sdk_over_ours_peak_rss": ratio(figures["sdk_peak_rss_mb"], figures["ours_peak_rss_mb"]),
            "sdk_over_ours_growth": ratio(growth_sdk, growth_ours) if growth_ours > 0 else 0.0,
            "sdk_over_ours_time": ratio(figures["sdk_elapsed_s"], figures["ours_elapsed_s"]),
        },
        "targets": [
            {
                "target": f"{characters:,}-character synthesis to a file keeps memory flat (≤ {FLAT_MARGIN_MB:g} MB "
                "over the after-import mark)",
                "measured": f"ours +{growth_ours} MB (peak {figures['ours_peak_rss_mb']} MB), SDK +{growth_sdk} MB "
                f"(peak {figures['sdk_peak_rss_mb']} MB) for {figures['audio_mb_ours']} MB of audio",
                **verdict(flat, f"ours grew by {growth_ours} MB while writing {figures['audio_mb_ours']} MB"),
            }
        ],
    }


def main() -> None:
    results = run()
    f, r = results["figures"], results["ratios"]
    print(
        f"{f['characters']:,} characters → {f['audio_mb_ours']} MB PCM ({f['audio_hours']} h): "
        f"ours peak {f['ours_peak_rss_mb']} MB (after imports {f['ours_rss_after_import_mb']} MB, "
        f"ru_maxrss {f['ours_ru_maxrss_mb']} MB) in {f['ours_elapsed_s']} s; SDK peak {f['sdk_peak_rss_mb']} MB "
        f"(after imports {f['sdk_rss_after_import_mb']} MB) in {f['sdk_elapsed_s']} s over {f['sdk_calls']} calls; "
        f"peak ×{r['sdk_over_ours_peak_rss']}, growth ×{r['sdk_over_ours_growth']}"
    )
    print(f"SDK call() with the whole text: {results['sdk_whole_text_error']}")
    for target in results["targets"]:
        print(f"target: {target['target']}: {'met' if target['met'] else 'NOT MET — ' + target['reason']}")


if __name__ == "__main__":
    main()
