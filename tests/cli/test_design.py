"""``cosyclone design`` through the real CLI against the emulator, and the designed voice downstream: speak,
voices list/show/update/delete/sync, score (contract §11.1)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cosyclone.audio.io import decode
from cosyclone.emulator.faults import Fault
from cosyclone.emulator.server import EmulatorServer
from tests.conftest import CLIResult

CLI = Callable[..., CLIResult]
PROMPT = "a warm low male voice, calm and slow"
DESIGNED = re.compile(r"^cosyvoice-v3\.5-plus-vd-dz-[0-9a-f]{32}$")
JSON_KEYS = {
    "voice_id",
    "status",
    "target_model",
    "prefix",
    "voice_prompt",
    "preview_text",
    "preview_file",
    "request_id",
}


def design(cli: CLI, *args: str) -> dict[str, object]:
    result = cli("design", PROMPT, "--prefix", "dz", "--json", *args)
    assert result.returncode == 0, result.stderr
    data: dict[str, object] = result.json()
    return data


def test_design_prints_a_vd_voice_and_a_preview_that_plays(cli: CLI, tmp_path: Path) -> None:
    data = design(cli)
    assert set(data) >= JSON_KEYS
    assert DESIGNED.match(str(data["voice_id"])) and data["status"] == "OK"
    assert (data["target_model"], data["prefix"], data["voice_prompt"]) == ("cosyvoice-v3.5-plus", "dz", PROMPT)
    preview = Path(str(data["preview_file"]))
    assert preview.parent == (tmp_path / "output" / "designs").resolve() and preview.suffix == ".wav"
    decoded = decode(preview.read_bytes())
    assert decoded.sample_rate == 24000 and decoded.info.duration_s > 1.0
    assert not list(preview.parent.glob("*.part"))
    evidence = json.loads((tmp_path / "output/aliyun-cosyvoice-voice-clone/design.json").read_text())
    assert evidence["voice_id"] == data["voice_id"]


def test_the_designed_voice_speaks_is_listed_shown_scored_and_deleted(cli: CLI, tmp_path: Path) -> None:
    voice_id = str(design(cli)["voice_id"])
    spoken = cli("speak", "Hello.", "--voice", voice_id, "-o", "x.wav")
    assert spoken.returncode == 0, spoken.stderr
    assert decode((tmp_path / "x.wav").read_bytes()).info.duration_s > 0.3
    assert cli("speak", "Hello.", "--voice", "dz", "-o", "y.wav").returncode == 0  # by its registry prefix

    listed = cli("voices", "list", "--json").json()
    assert [v["kind"] for v in listed if v["voice_id"] == voice_id] == ["designed"]
    shown = cli("voices", "show", voice_id, "--json").json()
    assert shown["kind"] == "designed" and shown["voice_prompt"] == PROMPT and shown["resource_link"] is None
    assert shown["registry"]["preview_file"].endswith(".wav")

    scored = cli("score", voice_id, "--json")
    assert scored.returncode == 0, scored.stderr
    report = scored.json()
    assert report["reference"]["role"] == "preview" and report["similarity"]["score"] is not None
    assert report["sanity"] is not None

    update = cli("voices", "update", voice_id, "whatever.wav")
    assert update.returncode == 2 and "designed voice" in update.stderr

    assert cli("voices", "delete", voice_id, "--yes").returncode == 0
    assert voice_id not in [v["voice_id"] for v in cli("voices", "list", "--json").json()]


def test_sync_adopts_a_designed_voice_with_its_description(cli: CLI, emulator: EmulatorServer) -> None:
    voice_id = str(design(cli)["voice_id"])
    fresh = {"COSYCLONE_HOME": "other-home"}
    synced = cli("voices", "sync", "--adopt", "--json", env=fresh)
    assert synced.returncode == 0, synced.stderr
    assert voice_id in synced.json()["adopted"]
    local = cli("voices", "list", "--local", "--json", env=fresh).json()
    row = next(r for r in local if r["voice_id"] == voice_id)
    assert (row["kind"], row["voice_prompt"], row["prefix"]) == ("designed", PROMPT, "dz")


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--preview-sample-rate", "22050"), "sample_rate"),
        (("--preview-format", "opus"), "response_format"),
        (("--language-hint", "fr"), "language_hints"),
        (("--target-model", "cosyvoice-v2"), "target_model"),
        (("--preview-text", "x" * 201), "preview_text"),
        (("-o", "preview.opus"), "--output"),
        (("-o", "a.mp3", "--preview-format", "wav"), "--preview-format"),
    ],
)
def test_limits_are_checked_before_sending(
    cli: CLI, emulator: EmulatorServer, args: tuple[str, ...], named: str
) -> None:
    before = len(emulator.backend.snapshot()["tenants"])
    result = cli("design", PROMPT, "--prefix", "dz", *args)
    assert result.returncode == 2 and named in result.stderr
    assert len(emulator.backend.snapshot()["tenants"]) == before


def test_a_long_prompt_and_a_bad_prefix_name_the_field(cli: CLI) -> None:
    long = cli("design", "x" * 501, "--prefix", "dz", "--json")
    assert long.returncode == 2 and "voice_prompt" in long.stdout and "500" in long.stdout
    bad = cli("design", PROMPT, "--prefix", "no-dash")
    assert bad.returncode == 2 and "prefix" in bad.stderr


def test_qwen_voice_design_is_explained(cli: CLI) -> None:
    result = cli("design", PROMPT, "--prefix", "dz", "--target-model", "qwen3-tts-vd-2026-01-26")
    assert result.returncode == 2 and "qwen-voice-design" in result.stderr and "separate" in result.stderr


def test_an_existing_preview_file_is_never_replaced_unasked(cli: CLI, tmp_path: Path) -> None:
    (tmp_path / "mine.mp3").write_bytes(b"keep me")
    refused = cli("design", PROMPT, "--prefix", "dz", "-o", "mine.mp3")
    assert refused.returncode == 2 and (tmp_path / "mine.mp3").read_bytes() == b"keep me"
    done = cli("design", PROMPT, "--prefix", "dz", "-o", "mine.mp3", "--overwrite", "--preview-sample-rate", "16000")
    assert done.returncode == 0, done.stderr
    assert decode((tmp_path / "mine.mp3").read_bytes()).sample_rate == 16000


def test_a_lost_reply_is_reconciled_without_a_second_voice(cli: CLI, emulator: EmulatorServer) -> None:
    emulator.backend.faults.add(Fault(target="create_voice", kind="drop_after"))
    data = design(cli)
    assert data["reconciled"] is True and data["preview_file"] is None
    assert [v["voice_id"] for v in cli("voices", "list", "--json").json()] == [data["voice_id"]]


def test_prepare_writes_a_design_request_and_checks_a_saved_reply(
    run_cli: Callable[..., CLIResult], tmp_path: Path
) -> None:
    reply = {
        "request_id": "r1",
        "output": {"voice_id": "cosyvoice-v3-flash-vd-dz-" + "a" * 32, "preview_audio": {"data": "UklGRg=="}},
        "usage": {"count": 1},
    }
    (tmp_path / "reply.json").write_text(json.dumps(reply))
    args = ("prepare", "--prefix", "dz", "--voice-prompt", PROMPT, "--target-model", "cosyvoice-v3-flash")
    result = run_cli(*args, "--preview-format", "mp3", "--validate-response", "reply.json")
    assert result.returncode == 0, result.stderr
    summary = result.json()
    assert summary["kind"] == "design" and summary["response_valid"] is True and summary["preview_bytes"] == 4
    wire = json.loads((tmp_path / "output/aliyun-cosyvoice-voice-clone/request.json").read_text())
    assert wire["input"]["voice_prompt"] == PROMPT and "url" not in wire["input"]
    assert wire["parameters"] == {"sample_rate": 24000, "response_format": "mp3"}
    clone_reply = {"request_id": "r2", "output": {"voice_id": "cosyvoice-v3-flash-dz-" + "b" * 32}}
    (tmp_path / "clone.json").write_text(json.dumps(clone_reply))
    assert run_cli(*args, "--validate-response", "clone.json").returncode == 1
    both = run_cli(*args, "--voice-sample-url", "https://example.com/a.wav")
    assert both.returncode == 2 and "exactly one" in both.stderr
    too_long = run_cli("prepare", "--prefix", "dz", "--voice-prompt", "x" * 501)
    assert too_long.returncode == 2 and "voice_prompt" in too_long.stdout


def test_batch_speaks_with_a_designed_voice(cli: CLI, tmp_path: Path) -> None:
    design(cli)
    (tmp_path / "script.txt").write_text("Chapter one.\nIt was a bright cold day.\n")
    result = cli("batch", "script.txt", "--voice", "dz", "--out-dir", "audio", "--format", "wav")
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "audio" / "manifest.json").read_text())
    items = manifest["items"] if isinstance(manifest, dict) else manifest
    assert len(items) == 2 and all(not item.get("error") for item in items)


def test_the_embedded_emulator_is_named_as_the_endpoints_source(run_cli: Any) -> None:
    result = run_cli("--emulator", "design", "a calm low voice", "--prefix", "emb", "--json")
    assert result.returncode == 0, result.stderr
    endpoint = result.json()["endpoint"]
    assert endpoint["source"] == endpoint["ws_source"] == "--emulator (the embedded emulator)"
    assert endpoint["http_base_url"].startswith("http://127.0.0.1:")
