"""Issue 13 beyond the error corpus, through the real CLI: resume redoes what changed, ``voices sync --adopt``
restores dedupe, output is labelled and scoped, an unexpected error is one line (its stack only with --verbose)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cosyclone.cli.app import app
from cosyclone.emulator.server import EmulatorServer
from cosyclone.ops.speak import free_name
from cosyclone.registry import VoiceRecord, VoiceRegistry
from tests.conftest import AUDIO_FIXTURES, PLANTED_KEY, CLIResult
from tests.helpers.emulator_fixtures import SampleServer

CLI = Callable[..., CLIResult]
WAV = str(AUDIO_FIXTURES / "good" / "flite-awb.wav")


def _seed(emulator: EmulatorServer) -> str:
    tenant = emulator.backend.tenant_of_key(PLANTED_KEY)
    return emulator.backend.seed_voice(tenant, prefix="narrator", f0_hz=120.0).voice_id


def test_resume_redoes_an_edited_line_and_a_cut_file(cli: CLI, emulator: EmulatorServer, tmp_path: Path) -> None:
    voice = _seed(emulator)
    script = tmp_path / "script.csv"
    script.write_text("id,text\nintro,Welcome to the show.\noutro,Thanks for listening!\n", encoding="utf-8")
    first = cli("batch", "script.csv", "--voice", voice, "--out-dir", "ep", "--json")
    assert first.returncode == 0, first.stderr
    manifest = json.loads((tmp_path / "ep/manifest.json").read_text())
    assert all(len(item["fingerprint"]) == 64 for item in manifest["items"])

    unchanged = cli("batch", "script.csv", "--voice", voice, "--out-dir", "ep", "--resume", "--json")
    assert unchanged.json()["skipped"] == 2

    script.write_text("id,text\nintro,A different welcome.\noutro,Thanks for listening!\n", encoding="utf-8")
    outro_before = (tmp_path / "ep/outro.mp3").read_bytes()
    edited = cli("batch", "script.csv", "--voice", voice, "--out-dir", "ep", "--resume", "--json")
    assert edited.returncode == 0 and edited.json()["skipped"] == 1
    assert (tmp_path / "ep/outro.mp3").read_bytes() == outro_before

    with (tmp_path / "ep/outro.mp3").open("r+b") as handle:
        handle.truncate(1000)
    cut = cli("batch", "script.csv", "--voice", voice, "--out-dir", "ep", "--resume", "--json")
    assert cut.returncode == 0 and cut.json()["skipped"] == 1
    assert (tmp_path / "ep/outro.mp3").stat().st_size > 1000

    other_rate = cli("batch", "script.csv", "--voice", voice, "--out-dir", "ep", "--resume", "--sample-rate", "16000")
    assert other_rate.returncode == 0 and "(0 skipped)" in other_rate.stderr  # another parameter: redone


def test_sync_adopt_restores_what_dedupe_needs(cli: CLI, sample_server: SampleServer, tmp_path: Path) -> None:
    url = sample_server.url("good/flite-awb.wav")
    first = cli("clone", url, "--prefix", "awb", "--json")
    assert first.returncode == 0, first.stderr
    voice_id = first.json()["voice_id"]
    for lost in (tmp_path / "cosyclone-home").glob("registry.sqlite3*"):
        lost.unlink()

    adopted = cli("voices", "sync", "--adopt", "--json")
    assert adopted.returncode == 0 and adopted.json()["adopted"] == [voice_id]
    assert adopted.json()["no_sample_hash"] == []
    again = cli("clone", url, "--prefix", "awb", "--json")
    assert again.returncode == 0 and again.json()["voice_id"] == voice_id and again.json()["reused"] is True


def test_reusing_a_voice_of_another_prefix_says_so(cli: CLI) -> None:
    assert cli("clone", WAV, "--prefix", "awb").returncode == 0
    again = cli("clone", WAV, "--prefix", "other")
    assert (
        again.returncode == 0 and "cloned under prefix 'awb', not 'other'" in again.stderr and "--new" in again.stderr
    )


def test_times_are_utc_and_labelled_show_is_a_table_local_is_this_account(
    cli: CLI, emulator: EmulatorServer, tmp_path: Path
) -> None:
    voice = _seed(emulator)
    listed = cli("voices", "list", "--json").json()
    assert listed[0]["created_at"].endswith("+00:00")
    human = cli("voices", "list")
    assert "created_at (UTC)" in human.stdout

    shown = cli("voices", "show", voice)
    assert shown.returncode == 0 and "status" in shown.stdout and "UTC" in shown.stdout and "{" not in shown.stdout

    registry_path = Path(tmp_path / "cosyclone-home" / "registry.sqlite3")
    with VoiceRegistry(registry_path) as registry:
        for account, name in (("someone-else", "theirs"), (None, "mine")):
            from cosyclone._config import account_fingerprint

            registry.record(
                VoiceRecord(
                    voice_id=f"cosyvoice-v3.5-plus-{name}-0123456789abcdef",
                    target_model="cosyvoice-v3.5-plus",
                    region="cn-beijing",
                    account=account or account_fingerprint(PLANTED_KEY),
                    prefix=name,
                )
            )
    local = cli("voices", "list", "--local", "--json").json()
    assert [row["prefix"] for row in local] == ["mine"] and local[0]["created_at"].endswith("+00:00")


def test_a_default_output_name_never_replaces_a_file(tmp_path: Path) -> None:
    (tmp_path / "speech.mp3").write_bytes(b"old")
    (tmp_path / "speech-2.mp3").write_bytes(b"older")
    assert free_name("speech", "mp3", folder=tmp_path) == tmp_path / "speech-3.mp3"
    assert free_name("speech", "wav", folder=tmp_path) == tmp_path / "speech.wav"


def test_an_unexpected_error_is_one_line_and_its_stack_only_with_verbose(
    monkeypatch: pytest.MonkeyPatch, own_cosyclone_home: Path
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr("cosyclone.ops.voices.list_voices", broken)
    env = {"DASHSCOPE_API_KEY": PLANTED_KEY}
    quiet = CliRunner().invoke(app, ["voices", "list", "--local"], env=env)
    assert quiet.exit_code == 70 and "Traceback" not in quiet.output
    assert "internal error: KeyError" in quiet.output and "last-error.txt" in quiet.output
    log = own_cosyclone_home / "logs" / "last-error.txt"
    assert "Traceback" in log.read_text() and PLANTED_KEY not in log.read_text()
    loud = CliRunner().invoke(app, ["--verbose", "voices", "list", "--local"], env=env)
    assert loud.exit_code == 70 and "Traceback" in loud.output
    shutil.rmtree(own_cosyclone_home / "logs")
