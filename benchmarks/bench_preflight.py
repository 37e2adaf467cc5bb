"""Benchmark: time and peak memory of ``check_sample`` on a minute of audio (decode included).

Two inputs are generated in a temporary directory from the bundled LibriVox reader (real speech, tiled to
60 s): a 48 kHz stereo 16-bit WAV (11.5 MB) and a 48 kHz stereo 128 kbps MP3. Each is checked in a fresh
subprocess, so the peak resident memory belongs to that check alone: ``VmHWM`` from /proc/self/status, which
sees numpy's and FFmpeg's C allocations (tracemalloc does not) and, unlike ``ru_maxrss``, is not inherited
from the parent across fork/exec; ``ru_maxrss`` is the fallback off Linux. Interpreter start-up and imports
are timed separately and excluded from the check time. The baseline, measured in the same run, is a bare
``decode`` of the same file: the ratio says what the analysis costs on top of reading the audio.

Run: ``python -m benchmarks.bench_preflight`` (prints the figures). ``run()`` returns them as a dict.
Targets: check under 0.5 s, peak memory under 150 MB.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

TARGET_S = 0.5
TARGET_MB = 150.0
_SOURCE = Path(__file__).resolve().parent.parent / "src" / "cosyclone" / "data" / "librivox-reader-15s.wav"

# Runs in the child: import, then time decode alone (baseline) and the full check, then report ru_maxrss.
_CHILD = r"""
import json, resource, sys, time

def peak_kb():
    # VmHWM is reset by exec; ru_maxrss is not on Linux (it keeps the parent's high-water mark from the fork)
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

t0 = time.perf_counter()
from cosyclone.audio.io import decode
from cosyclone.audio.preflight import check_sample
import_s = time.perf_counter() - t0
rss_after_import = peak_kb()
path, mode = sys.argv[1], sys.argv[2]
t = time.perf_counter()
if mode == "decode":
    decode(path)
else:
    report = check_sample(path)
elapsed = time.perf_counter() - t
out = {"import_s": import_s, "elapsed_s": elapsed, "rss_after_import_kb": rss_after_import,
       "peak_rss_kb": peak_kb()}
if mode == "check":
    out["verdict"] = report.verdict
print(json.dumps(out))
"""


def _make_inputs(directory: Path) -> dict[str, Path]:
    import numpy as np

    from cosyclone.audio.io import decode, encode, resample

    speech = decode(_SOURCE)
    mono = resample(speech.samples[:, 0], from_hz=speech.sample_rate, to_hz=48000)
    minute = np.tile(mono, int(np.ceil(60 * 48000 / mono.shape[0])))[: 60 * 48000]
    stereo = np.stack([minute, 0.8 * minute], axis=1)
    paths = {"wav_48k_stereo_60s": directory / "minute.wav", "mp3_48k_stereo_60s": directory / "minute.mp3"}
    paths["wav_48k_stereo_60s"].write_bytes(encode(stereo, 48000, "wav"))
    paths["mp3_48k_stereo_60s"].write_bytes(encode(stereo, 48000, "mp3", bit_rate_kbps=128))
    return paths


def _child(path: Path, mode: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(path), mode], capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def _measure(path: Path, repeats: int) -> dict[str, Any]:
    checks = [_child(path, "check") for _ in range(repeats)]
    decodes = [_child(path, "decode") for _ in range(repeats)]
    check_s = min(c["elapsed_s"] for c in checks)
    decode_s = min(d["elapsed_s"] for d in decodes)
    peak_mb = max(c["peak_rss_kb"] for c in checks) / 1024
    return {
        "size_mb": round(path.stat().st_size / 1e6, 2),
        "verdict": checks[0]["verdict"],
        "check_s": round(check_s, 3),
        "decode_only_s": round(decode_s, 3),
        "check_over_decode": round(check_s / decode_s, 1) if decode_s else None,
        "import_s": round(min(c["import_s"] for c in checks), 3),
        "peak_rss_mb": round(peak_mb, 1),
        "rss_after_import_mb": round(max(c["rss_after_import_kb"] for c in checks) / 1024, 1),
        "decode_only_peak_rss_mb": round(max(d["peak_rss_kb"] for d in decodes) / 1024, 1),
        "ok": check_s < TARGET_S and peak_mb < TARGET_MB,
    }


def run(*, repeats: int = 3) -> dict[str, Any]:
    """Measure both inputs; returns {case: figures, "targets": ..., "ok": all cases within targets}."""
    with tempfile.TemporaryDirectory(prefix="cosyclone-bench-") as tmp:
        paths = _make_inputs(Path(tmp))
        results: dict[str, Any] = {name: _measure(path, repeats) for name, path in paths.items()}
    results["targets"] = {"check_s": TARGET_S, "peak_rss_mb": TARGET_MB}
    results["ok"] = all(v["ok"] for k, v in results.items() if isinstance(v, dict) and "ok" in v)
    return results


def main() -> None:
    results = run()
    for name, figures in results.items():
        if not isinstance(figures, dict) or "size_mb" not in figures:
            continue
        print(
            f"{name:20s} {figures['size_mb']:5.1f} MB  check {figures['check_s']:.3f} s "
            f"(decode alone {figures['decode_only_s']:.3f} s, ×{figures['check_over_decode']})  "
            f"peak RSS {figures['peak_rss_mb']:.0f} MB (after imports {figures['rss_after_import_mb']:.0f} MB, "
            f"decode alone {figures['decode_only_peak_rss_mb']:.0f} MB)  imports {figures['import_s']:.2f} s  "
            f"{'ok' if figures['ok'] else 'OVER TARGET'}"
        )
    print(f"targets: check < {TARGET_S} s, peak RSS < {TARGET_MB:.0f} MB — {'all ok' if results['ok'] else 'MISSED'}")


if __name__ == "__main__":
    main()
