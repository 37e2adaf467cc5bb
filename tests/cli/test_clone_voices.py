"""``cosyclone clone`` and ``cosyclone voices …`` through the real CLI against the emulator."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cosyclone.emulator.faults import Fault
from cosyclone.emulator.server import EmulatorServer
from tests.conftest import AUDIO_FIXTURES, PLANTED_KEY, CLIResult
from tests.helpers.emulator_fixtures import SampleServer

CLI = Callable[..., CLIResult]
WAV = str(AUDIO_FIXTURES / "good" / "librivox-reader-15s.wav")
M4A = str(AUDIO_FIXTURES / "good" / "librivox-reader-15s.m4a")
EVIDENCE = Path("output/aliyun-cosyvoice-voice-clone")


def service_voices(cli: CLI) -> list[str]:
    listed = cli("voices", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    return [v["voice_id"] for v in listed.json()]


def local_voices(cli: CLI) -> list[str]:
    return [v["voice_id"] for v in cli("voices", "list", "--local", "--json").json()]


def assert_no_key_written(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file() and ".venv" not in path.parts:
            assert PLANTED_KEY.encode() not in path.read_bytes(), f"API key leaked into {path}"


@pytest.mark.parametrize("sample", [WAV, M4A])
def test_clone_local_file_end_to_end(cli: CLI, tmp_path: Path, sample: str) -> None:
    result = cli("clone", sample, "--prefix", "reader", "--json", "--upload", "oss")  # the inline default: below
    assert result.returncode == 0, result.stderr
    outcome = result.json()
    assert outcome["status"] == "OK" and outcome["reused"] is False
    assert outcome["voice_id"].startswith("cosyvoice-v3.5-plus-reader-")
    assert outcome["sample_url"].startswith("oss://") and outcome["preflight_verdict"] == "pass"
    assert service_voices(cli) == [outcome["voice_id"]] == local_voices(cli)
    evidence = json.loads((tmp_path / EVIDENCE / "clone.json").read_text())
    for key in ("target_model", "prefix", "sample_url", "request_id", "voice_id", "timings_s"):
        assert evidence[key], key
    assert (tmp_path / EVIDENCE / "preflight.json").exists()
    assert_no_key_written(tmp_path)


def test_clone_prints_voice_id_and_dedupes(cli: CLI) -> None:
    first = cli("clone", WAV, "--prefix", "dup")
    assert first.returncode == 0, first.stderr
    voice_id = first.stdout.strip()
    again = cli("clone", WAV, "--prefix", "dup")
    assert again.stdout.strip() == voice_id and "reusing" in again.stderr
    assert service_voices(cli) == [voice_id]
    fresh = cli("clone", WAV, "--prefix", "dup", "--new")
    assert fresh.returncode == 0 and fresh.stdout.strip() != voice_id
    assert len(service_voices(cli)) == 2


def test_clone_from_url(cli: CLI, sample_server: SampleServer) -> None:
    result = cli("clone", sample_server.url("good/flite-awb.wav"), "--prefix", "url", "--json")
    assert result.returncode == 0, result.stderr
    assert result.json()["sample_url"].startswith("http://127.0.0.1")


def test_failing_sample_is_refused_locally_then_by_the_service(cli: CLI) -> None:
    short = str(AUDIO_FIXTURES / "bad" / "short-3s.wav")
    refused = cli("clone", short, "--prefix", "short")
    assert refused.returncode == 3
    assert "speech" in refused.stderr and "--force" in refused.stderr
    assert service_voices(cli) == []
    forced = cli("clone", short, "--prefix", "short", "--force", "--json")
    assert forced.returncode == 4
    error = forced.json()
    assert error["code"] == "Audio.AudioShortError" and error["request_id"] in forced.stderr
    assert service_voices(cli) == []


def test_bad_input_exit_2(cli: CLI) -> None:
    assert cli("clone", WAV, "--prefix", "no_underscores").returncode == 2
    missing = cli("clone", "/nonexistent.wav", "--prefix", "x")
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_bad_key_exit_4_with_hint(run_cli: Any, emulator: EmulatorServer) -> None:
    result = run_cli("--base-url", emulator.http_base_url, "voices", "list", env={"DASHSCOPE_API_KEY": "sk-"})
    assert result.returncode == 4
    assert "InvalidApiKey" in result.stderr and "request_id" in result.stderr and "region" in result.stderr


def test_unreachable_service_exit_5(run_cli: Any) -> None:
    result = run_cli(
        "--base-url", "http://127.0.0.1:9/api/v1", "voices", "list", env={"DASHSCOPE_API_KEY": PLANTED_KEY}
    )
    assert result.returncode == 5, result.stderr


def test_missing_key_exit_2_lists_places(run_cli: Any) -> None:
    result = run_cli("voices", "list")
    assert result.returncode == 2 and "DASHSCOPE_API_KEY" in result.stderr and "--emulator" in result.stderr


@pytest.mark.parametrize(
    "fault",
    [
        Fault(target="create_voice", kind="drop_after"),
        Fault(target="create_voice", kind="http_error", status=500, times=2),
        Fault(target="create_voice", kind="http_error", status=429, code="Throttling", retry_after_s=0.2),
        Fault(target="upload", kind="http_error", status=503),
    ],
    ids=["drop-after", "500x2", "429", "upload-503"],
)
def test_faults_leave_exactly_one_voice_and_agreeing_registry(cli: CLI, emulator: EmulatorServer, fault: Fault) -> None:
    emulator.backend.faults.add(fault)
    result = cli("clone", WAV, "--prefix", "faulty", "--json")
    assert result.returncode == 0, result.stderr
    assert service_voices(cli) == [result.json()["voice_id"]] == local_voices(cli)


def test_voices_show_update_delete_sync_import(cli: CLI, emulator: EmulatorServer, sample_server: SampleServer) -> None:
    voice_id = cli("clone", WAV, "--prefix", "life").stdout.strip()
    shown = cli("voices", "show", "life", "--json")
    assert shown.returncode == 0 and shown.json()["voice_id"] == voice_id
    assert shown.json()["registry"]["prefix"] == "life"
    updated = cli("voices", "update", voice_id, str(AUDIO_FIXTURES / "good" / "flite-rms.wav"), "--json")
    assert updated.returncode == 0, updated.stderr
    declined = cli("voices", "delete", voice_id, input="n\n")
    assert declined.returncode != 0 and voice_id in service_voices(cli)
    deleted = cli("voices", "delete", voice_id, "--yes", "--json")
    assert deleted.returncode == 0 and service_voices(cli) == [] == local_voices(cli)
    gone = cli("voices", "show", voice_id)
    assert gone.returncode == 4 and "ResourceNotExist" in gone.stderr

    # A voice made elsewhere: sync reports it, import adopts it; a voice deleted elsewhere: sync forgets it.
    tenant = emulator.backend.tenant_of_key(PLANTED_KEY)
    elsewhere = emulator.backend.seed_voice(tenant, prefix="console").voice_id
    synced = cli("voices", "sync", "--json").json()
    assert synced["unknown"] == [elsewhere]
    assert cli("voices", "import", elsewhere).returncode == 0
    assert local_voices(cli) == [elsewhere]
    emulator.backend.reset(tenant=tenant)
    assert cli("voices", "sync", "--json").json()["gone"] == [elsewhere]
    assert local_voices(cli) == []


@pytest.mark.slow
def test_voices_show_carries_the_stored_score(run_cli: Any) -> None:
    awb = str(AUDIO_FIXTURES / "good" / "flite-awb.wav")
    voice_id = run_cli("--emulator", "clone", awb, "--prefix", "scored").stdout.strip()
    unscored = run_cli("--emulator", "voices", "show", voice_id, "--json")
    assert unscored.returncode == 0, unscored.stderr
    assert "score" not in unscored.json()

    scored = run_cli("--emulator", "score", voice_id, "--sample", awb, "--json")
    assert scored.returncode == 0, scored.stderr
    score = scored.json()
    shown = run_cli("--emulator", "voices", "show", "scored", "--json")
    assert shown.returncode == 0, shown.stderr
    stored = shown.json()["score"]
    assert stored["verdict"] == score["verdict"] == "not judged"
    assert stored["similarity"] == score["similarity"]["score"]
    assert stored["word_error_rate"] == score["intelligibility"]["word_error_rate"]
    assert stored["sanity"] == score["sanity"]["findings"] and stored["summary"]
    assert stored["scored_at"].endswith("+00:00")

    table = run_cli("--emulator", "voices", "show", voice_id)
    assert table.returncode == 0, table.stderr
    assert "score verdict" in table.stdout and "not judged" in table.stdout
    assert f"{score['similarity']['score']:.3f}" in table.stdout


def test_embedded_emulator_keeps_state_between_commands(run_cli: Any) -> None:
    first = run_cli("--emulator", "clone", WAV, "--prefix", "embedded")
    assert first.returncode == 0, first.stderr
    assert "emulator" in first.stderr
    listed = run_cli("--emulator", "voices", "list", "--json")
    assert [v["voice_id"] for v in listed.json()] == [first.stdout.strip()]
