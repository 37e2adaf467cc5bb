"""Issue 12 through the real CLI: ``prepare`` in each region with and without a workspace writes the endpoint; a
v3.5 model in ``ap-southeast-1`` is refused before any call and a v3 clone there is warned about and sent;
``cosyclone --emulator clone … --target-model qwen-audio-3.0-tts-flash`` then ``speak`` (over HTTP, said with
``--verbose``); ``clone --json`` shows the endpoint and the upload path; ``speak --ssml``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cosyclone.emulator.server import EmulatorServer
from tests.conftest import AUDIO_FIXTURES, CLIResult
from tests.helpers.emulator_fixtures import SampleServer

CLI = Callable[..., CLIResult]
WAV = str(AUDIO_FIXTURES / "good" / "librivox-reader-15s.wav")
REGIONS = ["cn-beijing", "ap-southeast-1", "cn-hongkong", "us-east-1", "eu-central-1", "ap-northeast-1"]
SHARED = {"cn-beijing": "dashscope.aliyuncs.com", "cn-hongkong": "cn-hongkong.dashscope.aliyuncs.com"}


def _prepare(
    run_cli: Any, tmp_path: Path, *options: str, model: str = "cosyvoice-v3-flash", extra: tuple[str, ...] = ()
) -> CLIResult:
    args = [*options, "prepare", "--prefix", "x", "--voice-sample-url", "https://e.example/a.wav", *extra]
    result: CLIResult = run_cli(*args, "--target-model", model, "-o", str(tmp_path / "request.json"))
    return result


@pytest.mark.parametrize("region", REGIONS)
def test_prepare_writes_the_endpoint_of_each_region(run_cli: Any, tmp_path: Path, region: str) -> None:
    for workspace in (None, "llm-ws1"):
        options = ["--region", region, *(["--workspace", workspace] if workspace else [])]
        # no source says which region clones beyond Beijing and Singapore: the rule is skipped to see the endpoint
        result = _prepare(run_cli, tmp_path, *options, extra=("--skip-catalog-check",))
        assert result.returncode == 0, result.stderr
        endpoint = result.json()["endpoint"]
        host = f"llm-ws1.{region}.maas.aliyuncs.com" if workspace else SHARED.get(region, "dashscope-intl.aliyuncs.com")
        assert endpoint["http_base_url"] == f"https://{host}/api/v1"
        assert endpoint["ws_url"] == f"wss://{host}/api-ws/v1/inference"
        evidence = json.loads(Path("output/aliyun-cosyvoice-voice-clone/prepare.json").read_text())
        assert evidence["endpoint"] == endpoint


def test_region_rules_refuse_or_warn_before_any_call(run_cli: Any, tmp_path: Path) -> None:
    refused = _prepare(run_cli, tmp_path, "--region", "ap-southeast-1", model="cosyvoice-v3.5-plus")
    assert refused.returncode == 2 and "clones only in cn-beijing" in refused.stderr
    warned = _prepare(run_cli, tmp_path, "--region", "ap-southeast-1", model="cosyvoice-v3-flash")
    assert warned.returncode == 0 and "disagree" in warned.stderr
    assert any("disagree" in note for note in warned.json()["notes"])
    elsewhere = _prepare(run_cli, tmp_path, "--region", "eu-central-1", model="cosyvoice-v3-flash")
    assert elsewhere.returncode == 2 and "eu-central-1" in elsewhere.stderr


def test_dashscope_base_url_is_honoured(run_cli: Any, tmp_path: Path) -> None:
    result = run_cli(
        "prepare", "--prefix", "x", "--voice-sample-url", "https://e/a.wav", "-o", str(tmp_path / "r.json"),
        env={"DASHSCOPE_BASE_URL": "http://127.0.0.1:9/api/v1"},
    )  # fmt: skip
    assert result.json()["endpoint"]["source"] == "DASHSCOPE_BASE_URL"


def test_a_dialect_hint_gets_advice(run_cli: Any, tmp_path: Path) -> None:
    result = run_cli(
        "prepare", "--prefix", "x", "--voice-sample-url", "https://e/a.wav", "--language-hint", "wuu",
        "-o", str(tmp_path / "r.json"),
    )  # fmt: skip
    assert result.returncode == 2 and "enroll with language hint zh" in result.stderr


def test_qwen_audio_clone_then_speak_with_the_embedded_emulator(run_cli: Any, tmp_path: Path) -> None:
    cloned = run_cli("--emulator", "clone", WAV, "--prefix", "q", "--target-model", "qwen-audio-3.0-tts-flash")
    assert cloned.returncode == 0, cloned.stderr
    voice_id = cloned.stdout.strip()
    assert voice_id.startswith("qwen-audio-3.0-tts-flash-q-")
    out = tmp_path / "q.wav"
    spoken = run_cli("--emulator", "--verbose", "speak", "Hello there.", "--voice", voice_id, "-o", str(out))
    assert spoken.returncode == 0, spoken.stderr
    assert "over the HTTP SpeechSynthesizer endpoint" in spoken.stderr and out.stat().st_size > 44


def test_clone_json_shows_endpoint_and_inline_upload(cli: CLI, emulator: EmulatorServer) -> None:
    result = cli("clone", WAV, "--prefix", "js", "--json", "--volume-normalization")
    assert result.returncode == 0, result.stderr
    summary = result.json()
    assert summary["endpoint"]["http_base_url"] == emulator.http_base_url
    assert any("inline" in note for note in summary["notes"])
    forced = cli("clone", WAV, "--prefix", "js2", "--json", "--upload", "oss", "--new")
    assert any("temporary storage" in note for note in forced.json()["notes"])
    bad = cli("clone", WAV, "--prefix", "js3", "--upload", "ftp")
    assert bad.returncode == 2 and "upload" in bad.stderr


def test_speak_ssml(cli: CLI, emulator: EmulatorServer, sample_server: SampleServer, tmp_path: Path) -> None:
    voice = cli("clone", sample_server.url("good/librivox-reader-15s.wav"), "--prefix", "ssml").stdout.strip()
    out = tmp_path / "s.wav"
    result = cli("speak", '<speak>Hi <break time="500ms"/> there.</speak>', "--voice", voice, "--ssml", "-o", str(out))
    assert result.returncode == 0, result.stderr
    bad = cli("speak", "<speak>Hi <break", "--voice", voice, "--ssml", "-o", str(tmp_path / "bad.wav"))
    assert bad.returncode != 0 and "SSML" in bad.stderr
