"""Benchmark: CLI start-up — ``cosyclone --help`` against ``dashscope --help``, each a fresh subprocess (the
console scripts installed next to this interpreter), alternating, after one untimed warm-up run each (so both
find their bytecode compiled and their files in the page cache). Figures are medians of the wall-clock time.

Run: ``python -m benchmarks.bench_cli_startup``. ``run()`` returns the figures as a dict.
Target: ours ≤ half the SDK's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks._harness import interleaved, median, verdict

TARGET_FRACTION = 0.5


def _script(name: str) -> str:
    beside = Path(sys.executable).with_name(name)
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"no {name!r} command next to {sys.executable} or on PATH")
    return found


def _timed_help(command: str) -> float:
    # No key, no endpoint: --help never talks to the network; the environment is scrubbed of keys all the same.
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASHSCOPE_")}
    started = time.perf_counter()
    subprocess.run([command, "--help"], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def run(*, quick: bool = False, repeats: int = 9) -> dict[str, Any]:
    """Time both ``--help`` commands ``repeats`` times each (alternating); medians in ms."""
    if quick:
        repeats = 1
    ours, sdk = _script("cosyclone"), _script("dashscope")
    _timed_help(ours)
    _timed_help(sdk)
    samples = interleaved(repeats, [("ours", lambda: _timed_help(ours)), ("sdk", lambda: _timed_help(sdk))])
    ours_ms = round(median(samples["ours"]) * 1000, 1)
    sdk_ms = round(median(samples["sdk"]) * 1000, 1)
    fraction = round(ours_ms / sdk_ms, 2) if sdk_ms else 0.0
    return {
        "name": "CLI start-up",
        "repeats": repeats,
        "figures": {
            "ours_help_ms": ours_ms,
            "sdk_help_ms": sdk_ms,
            "ours_min_ms": round(min(samples["ours"]) * 1000, 1),
            "sdk_min_ms": round(min(samples["sdk"]) * 1000, 1),
        },
        "ratios": {"ours_over_sdk": fraction},
        "targets": [
            {
                "target": f"`cosyclone --help` ≤ {TARGET_FRACTION:g}× `dashscope --help`",
                "measured": f"{fraction}× ({ours_ms} ms vs {sdk_ms} ms)",
                **verdict(fraction <= TARGET_FRACTION, f"ours takes {fraction}× the SDK's time"),
            }
        ],
    }


def main() -> None:
    results = run()
    f = results["figures"]
    print(
        f"--help (median of {results['repeats']}): cosyclone {f['ours_help_ms']} ms, dashscope {f['sdk_help_ms']} ms "
        f"— ours/SDK {results['ratios']['ours_over_sdk']}"
    )
    for target in results["targets"]:
        print(f"target: {target['target']}: {'met' if target['met'] else 'NOT MET — ' + target['reason']}")


if __name__ == "__main__":
    main()
