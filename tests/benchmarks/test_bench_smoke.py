"""Smoke tests of ``benchmarks/``: every benchmark runs end to end with tiny counts (``quick=True``) and returns
figures of the expected shape. Nothing here asserts on a ratio or a target: machines are noisy."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("dashscope")

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _environment_untouched() -> Iterator[None]:
    """The benchmarks point the SDK at their emulator only for as long as they run."""
    import dashscope

    before = {k: v for k, v in os.environ.items() if k.startswith("DASHSCOPE_")}
    settings = (dashscope.base_http_api_url, dashscope.base_websocket_api_url, dashscope.api_key)
    yield
    assert {k: v for k, v in os.environ.items() if k.startswith("DASHSCOPE_")} == before
    assert (dashscope.base_http_api_url, dashscope.base_websocket_api_url, dashscope.api_key) == settings


def _numbers(data: Any) -> Iterator[float]:
    if isinstance(data, bool):
        return
    if isinstance(data, (int, float)):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _numbers(value)
    elif isinstance(data, list):
        for value in data:
            yield from _numbers(value)


def _check_targets(result: dict[str, Any]) -> None:
    assert result["targets"], "every benchmark states at least one target"
    for target in result["targets"]:
        assert set(target) >= {"target", "measured", "met", "reason"}
        assert isinstance(target["met"], bool)
        assert target["met"] or target["reason"], "a missed target says why"


def _run(name: str) -> dict[str, Any]:
    module = importlib.import_module(f"benchmarks.bench_{name}")
    result: dict[str, Any] = module.run(quick=True)
    assert result["name"]
    _check_targets(result)
    return result


def test_voices() -> None:
    result = _run("voices")
    assert set(result["operations"]) == {"list", "query", "create", "mix", "concurrent_query"}
    for figures in result["operations"].values():
        for side in ("ours", "sdk"):
            assert figures[side]["ops_per_s"] > 0
            assert figures[side]["ms_per_op"] > 0
            assert figures[side]["client_cpu_ms_per_op"] >= 0
        assert figures["throughput_ratio"] > 0
    assert result["operations"]["concurrent_query"]["ours_async"]["ops_per_s"] > 0
    assert set(result["emulator_http_latency_ms"]) == {"as_shipped", "nodelay"}


def test_batch() -> None:
    result = _run("batch")
    figures = result["figures"]
    for key in ("ours_s", "sdk_s", "sdk_median_call_ms", "ours_items_per_s", "sdk_items_per_s", "sentences"):
        assert figures[key] > 0, key
    assert result["ratios"]["speedup"] > 0


def test_first_audio() -> None:
    result = _run("first_audio")
    for key in ("emulator_cold_ms", "emulator_warm_ms", "ours_cold_ms", "ours_warm_ms", "sdk_cold_ms"):
        assert result["figures"][key] > 0, key
    assert set(result["ratios"]) == {"ours_over_emulator_cold_ms", "ours_over_emulator_warm_ms", "sdk_over_ours_cold"}


def test_cli_startup() -> None:
    result = _run("cli_startup")
    assert result["figures"]["ours_help_ms"] > 0 and result["figures"]["sdk_help_ms"] > 0
    assert result["ratios"]["ours_over_sdk"] > 0


def test_long_synthesis() -> None:
    result = _run("long_synthesis")
    figures = result["figures"]
    for key in ("characters", "audio_mb_ours", "audio_mb_sdk", "ours_peak_rss_mb", "sdk_peak_rss_mb", "sdk_calls"):
        assert figures[key] > 0, key
    assert figures["ours_tasks"] >= 1
    assert all(n >= 0 for n in _numbers({k: v for k, v in figures.items() if not k.endswith("growth_mb")}))


def test_run_writes_a_report(tmp_path: Path) -> None:
    from benchmarks import run

    output = tmp_path / "results.md"
    arguments = ["--quick", "--only", "cli_startup", "--output", str(output), "--json", str(tmp_path / "r.json")]
    assert run.main(arguments) == 0
    report = output.read_text(encoding="utf-8")
    for heading in ("# Benchmark results", "## Machine", "## Targets", "## CLI start-up"):
        assert heading in report
    for fact in ("CPU", "cores", "memory", "Python", "cosyclone", "dashscope", "httpx", "websockets"):
        assert fact in report
    assert (tmp_path / "r.json").exists()


def test_run_reports_a_crashing_benchmark(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from benchmarks import bench_cli_startup, run

    def broken(**_: Any) -> dict[str, Any]:
        raise RuntimeError("boom")

    monkeypatch.setattr(bench_cli_startup, "run", broken)
    output = tmp_path / "results.md"
    assert run.main(["--quick", "--only", "cli_startup", "--output", str(output)]) == 1
    assert "RuntimeError: boom" in output.read_text(encoding="utf-8")
