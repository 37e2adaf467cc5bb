"""``cosyclone mcp`` through the official MCP SDK client over stdio, against the shared test emulator.

Each test spawns ``python -m cosyclone --base-url <emulator> mcp`` (or ``--emulator mcp``) with a planted API
key, a temporary COSYCLONE_HOME and a temporary working directory, and talks to it with
``mcp.client.stdio.stdio_client`` + ``ClientSession`` — the way an agent host does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cosyclone.audio.io import decode
from cosyclone.catalog import target_model_names
from cosyclone.mcp.server import AUDIO_FORMATS, SAMPLE_RATES, TARGET_MODELS, describe_error
from cosyclone.schema import synthesis as synthesis_schema
from tests.conftest import AUDIO_FIXTURES, PLANTED_KEY
from tests.helpers.emulator_fixtures import SampleServer
from tests.mcp.stdio_agent import connect

pytestmark = pytest.mark.anyio

WAV = str(AUDIO_FIXTURES / "good" / "librivox-reader-15s.wav")
SHORT = str(AUDIO_FIXTURES / "bad" / "short-3s.wav")
NOT_AUDIO = str(AUDIO_FIXTURES / "bad" / "not-audio.wav")
TOOLS = {
    "design_voice",
    "update_voice",
    "check_sample",
    "clone_voice",
    "list_voices",
    "get_voice",
    "delete_voice",
    "synthesize",
    "score_voice",
    "compare_models",
}


# ---------------------------------------------------------------------------------------------------- tests


async def test_tools_and_their_schemas(tmp_path: Path, base_url: str) -> None:
    async with connect(tmp_path, "--base-url", base_url) as agent:
        listed = {tool.name: tool for tool in (await agent.session.list_tools()).tools}
    assert set(listed) == TOOLS
    assert "target_model" in agent.instructions and "prefix" in agent.instructions
    for tool in listed.values():
        assert tool.description and len(tool.description) > 40, tool.name
        assert tool.input_schema["type"] == "object"
        for name, prop in tool.input_schema["properties"].items():
            assert prop.get("description"), f"{tool.name}.{name} has no description"

    clone = listed["clone_voice"].input_schema
    assert clone["required"] == ["sample", "prefix"]
    assert clone["properties"]["target_model"]["enum"] == list(target_model_names())
    assert clone["properties"]["target_model"]["default"] == "cosyvoice-v3.5-plus"
    assert clone["properties"]["prefix"]["pattern"] == "^[A-Za-z0-9]{1,10}$"
    length = clone["properties"]["max_prompt_audio_length"]["anyOf"][0]
    assert (length["minimum"], length["maximum"]) == (3.0, 30.0)

    speak = listed["synthesize"].input_schema
    assert speak["required"] == ["text", "voice"]
    props = speak["properties"]
    assert set(props["format"]["anyOf"][0]["enum"]) == set(synthesis_schema.AUDIO_FORMATS)
    assert props["sample_rate"]["anyOf"][0]["enum"] == list(synthesis_schema.SAMPLE_RATES)
    assert props["model"]["anyOf"][0]["enum"] == list(target_model_names())
    assert (props["volume"]["anyOf"][0]["minimum"], props["volume"]["anyOf"][0]["maximum"]) == (0, 100)

    assert listed["delete_voice"].input_schema["required"] == ["voice", "confirm"]
    annotations = listed["delete_voice"].annotations
    assert annotations is not None and annotations.destructive_hint is True
    read_only = listed["check_sample"].annotations
    assert read_only is not None and read_only.read_only_hint is True


async def test_check_sample_good_bad_and_url(tmp_path: Path, base_url: str, sample_server: SampleServer) -> None:
    async with connect(tmp_path, "--base-url", base_url) as agent:
        good = await agent.ok("check_sample", sample=WAV)
        by_url = await agent.ok("check_sample", sample=sample_server.url("good/librivox-reader-15s.wav"))
        short = await agent.ok("check_sample", sample=SHORT)
        junk = await agent.ok("check_sample", sample=NOT_AUDIO)
        missing = await agent.ok("check_sample", sample="no/such/file.wav")
    assert good["verdict"] == "pass" and good["usable"] is True and good["findings"] == []
    assert good["info"]["sample_rate"] == 16000 and 15 < good["info"]["duration_s"] < 16
    assert "clone_voice" in good["next_step"]
    assert by_url["verdict"] == "pass"
    assert short["verdict"] == "fail" and short["usable"] is True
    failing = [f for f in short["findings"] if f["level"] == "fail"]
    assert failing and all(f["message"] and f["code"] for f in failing)
    assert "--fix" in short["next_step"]
    assert junk["verdict"] == "fail" and junk["usable"] is False and junk["info"] is None
    assert missing["usable"] is False and missing["findings"][0]["code"] == "file_not_found"


async def test_clone_list_get_synthesize_delete(tmp_path: Path, base_url: str) -> None:
    async with connect(tmp_path, "--base-url", base_url) as agent:
        cloned = await agent.ok("clone_voice", sample=WAV, prefix="reader", language_hint="en")
        voice_id = cloned["voice_id"]
        assert voice_id.startswith("cosyvoice-v3.5-plus-reader-")
        assert cloned["status"] == "OK" and cloned["reused"] is False and cloned["request_id"]
        assert cloned["preflight_verdict"] == "pass" and cloned["sample_url"].startswith(
            "data:audio/wav;base64,"
        )  # sent inline since issue 12

        again = await agent.ok("clone_voice", sample=WAV, prefix="reader")
        assert again["voice_id"] == voice_id and again["reused"] is True

        listed = await agent.ok("list_voices")
        assert listed["count"] == 1 and listed["voices"][0]["voice_id"] == voice_id
        assert listed["voices"][0]["registry"]["prefix"] == "reader"
        local = await agent.ok("list_voices", local=True)
        assert [v["voice_id"] for v in local["voices"]] == [voice_id]

        shown = await agent.ok("get_voice", voice=voice_id, wait=True)
        assert shown["status"] == "OK" and shown["target_model"] == "cosyvoice-v3.5-plus"
        by_prefix = await agent.ok("get_voice", voice="reader")
        assert by_prefix["voice_id"] == voice_id

        spoken = await agent.ok(
            "synthesize", text="Hello there. This is a cloned voice.", voice=voice_id, output_path="out/hello.wav"
        )
        assert Path(spoken["file"]) == tmp_path / "out" / "hello.wav"
        assert spoken["format"] == "wav" and spoken["model"] == "cosyvoice-v3.5-plus"
        assert spoken["characters"] > 0 and spoken["request_id"] and spoken["bytes"] > 1000
        audio = decode(spoken["file"])
        assert audio.sample_rate == 22050 and audio.info.duration_s > 1.0

        default = await agent.ok("synthesize", text="Short.", voice=voice_id, format="mp3", sample_rate=24000)
        assert Path(default["file"]).parent == tmp_path and default["file"].endswith(".mp3")
        assert decode(default["file"]).sample_rate == 24000

        refused = await agent.error("delete_voice", voice=voice_id, confirm=False)
        assert "confirm" in refused and "true" in refused
        deleted = await agent.ok("delete_voice", voice=voice_id, confirm=True)
        assert deleted == {"ok": True, "voice_id": voice_id, "request_id": deleted["request_id"]}
        assert (await agent.ok("list_voices"))["count"] == 0
        gone = await agent.error("get_voice", voice=voice_id)
        assert gone.startswith("Error executing tool get_voice: NotFoundError:")

    evidence = tmp_path / "output" / "aliyun-cosyvoice-voice-clone"
    assert json.loads((evidence / "clone.json").read_text())["voice_id"] == voice_id
    assert (evidence / "speak.json").exists() and (evidence / "delete.json").exists()


async def test_errors_are_tool_errors_with_class_hint_code_and_request_id(tmp_path: Path, base_url: str) -> None:
    async with connect(tmp_path, "--base-url", base_url) as agent:
        bad_prefix = await agent.error("clone_voice", sample=WAV, prefix="my-voice")
        assert "InvalidRequestError" in bad_prefix and "prefix='my-voice'" in bad_prefix
        assert "letters and digits" in bad_prefix and "\nhint: " in bad_prefix

        failing = await agent.error("clone_voice", sample=SHORT, prefix="short")
        assert "SamplePreflightError" in failing and "\nfinding: " in failing and "--force" in failing
        assert (await agent.ok("list_voices"))["count"] == 0

        voice_id = (await agent.ok("clone_voice", sample=WAV, prefix="reader"))["voice_id"]
        mismatch = await agent.error("synthesize", text="Hello.", voice=voice_id, model="cosyvoice-v3-flash")
        assert "InvalidRequestError" in mismatch and "cosyvoice-v3.5-plus" in mismatch and "same model" in mismatch

        unknown = await agent.error("get_voice", voice="cosyvoice-v3.5-plus-nobody-0123456789abcdef")
        lines = dict(line.split(": ", 1) for line in unknown.splitlines()[1:])
        assert "NotFoundError" in unknown.splitlines()[0]
        assert lines["code"] == "BadRequest.ResourceNotExist" and lines["status_code"] == "400"
        assert len(lines["request_id"]) >= 8 and lines["hint"]

        out_of_range = await agent.error("synthesize", text="Hello.", voice=voice_id, volume=300)
        assert "volume" in out_of_range
        unknown_model = await agent.error("clone_voice", sample=WAV, prefix="x", target_model="cosyvoice-v9")
        assert "target_model" in unknown_model


async def test_file_problems_are_tool_errors_and_evidence_never_fails_a_tool(tmp_path: Path, base_url: str) -> None:
    (tmp_path / "blocker.txt").write_text("a file where a directory should be")
    async with connect(tmp_path, "--base-url", base_url, "--evidence-dir", "blocker.txt") as agent:
        cloned = await agent.ok("clone_voice", sample=WAV, prefix="reader")
        assert cloned["status"] == "OK" and any("clone.json not written" in w for w in cloned["warnings"])
        unwritable = await agent.error("synthesize", text="Hello.", voice="reader", output_path="blocker.txt/a.mp3")
        assert unwritable.splitlines()[0].startswith("Error executing tool synthesize: ")
        assert "Error" in unwritable.splitlines()[0] and "blocker.txt is a file, not a folder" in unwritable


async def test_without_a_key_the_tools_say_where_to_put_one(tmp_path: Path) -> None:
    async with connect(tmp_path, api_key=None) as agent:
        assert (await agent.ok("check_sample", sample=WAV))["verdict"] == "pass"
        missing = await agent.error("list_voices")
    assert "MissingAPIKeyError" in missing and "DASHSCOPE_API_KEY" in missing and "--emulator" in missing


async def test_emulator_flag_serves_the_embedded_emulator(tmp_path: Path) -> None:
    async with connect(tmp_path, "--emulator", api_key=None) as agent:
        voice_id = (await agent.ok("clone_voice", sample=WAV, prefix="offline"))["voice_id"]
        spoken = await agent.ok("synthesize", text="Offline speech.", voice="offline", output_path="offline.mp3")
        assert spoken["voice"] == voice_id and decode(spoken["file"]).info.duration_s > 0.5
    # The embedded emulator keeps its state under COSYCLONE_HOME, as for every `cosyclone --emulator` command.
    assert (tmp_path / "cosyclone-home" / "emulator").is_dir()


async def test_unknown_arguments_are_refused_and_update_voice_is_a_tool(tmp_path: Path, base_url: str) -> None:
    async with connect(tmp_path, "--base-url", base_url) as agent:
        listed = {tool.name: tool for tool in (await agent.session.list_tools()).tools}
        assert all(tool.input_schema.get("additionalProperties") is False for tool in listed.values())
        speak = listed["synthesize"].input_schema["properties"]
        assert speak["language_hints"]["anyOf"][0]["type"] == "array" and "language_hint" in speak
        assert {"bit_rate", "enable_ssml", "word_timestamps", "overwrite"} <= set(speak)
        assert listed["update_voice"].input_schema["required"] == ["voice", "sample"]

        typo = await agent.error("list_voices", prefx="reader")
        assert "prefx" in typo and "is not an argument of list_voices" in typo and "prefix" in typo
        voice_id = (await agent.ok("clone_voice", sample=WAV, prefix="reader"))["voice_id"]
        misspelt = await agent.error("synthesize", text="Hi.", voice=voice_id, volumes=80)
        assert "volumes" in misspelt and not (tmp_path / "speech.mp3").exists()

        alias = await agent.ok("synthesize", text="Hello.", voice=voice_id, output_path="a.mp3", language_hint="en")
        array = await agent.ok("synthesize", text="Hello.", voice=voice_id, output_path="b.mp3", language_hints=["en"])
        assert alias["ok"] and array["ok"]
        klingon = await agent.error("synthesize", text="Hi.", voice=voice_id, output_path="c.mp3", language_hint="xx")
        assert "language hints" in klingon and not (tmp_path / "c.mp3").exists()

        before = (tmp_path / "a.mp3").read_bytes()
        kept = await agent.error("synthesize", text="Again.", voice=voice_id, output_path="a.mp3")
        assert "already exists" in kept and "overwrite=true" in kept and (tmp_path / "a.mp3").read_bytes() == before
        replaced = await agent.ok("synthesize", text="Again.", voice=voice_id, output_path="a.mp3", overwrite=True)
        assert replaced["ok"] and (tmp_path / "a.mp3").read_bytes() != before

        silence = str(AUDIO_FIXTURES / "bad" / "silence-12s.wav")
        refused = await agent.error("update_voice", voice=voice_id, sample=silence)
        assert "SamplePreflightError" in refused and "silence-12s.wav" in refused
        updated = await agent.ok("update_voice", voice="reader", sample=str(AUDIO_FIXTURES / "good" / "flite-rms.wav"))
        assert updated["voice_id"] == voice_id and updated["status"] == "OK" and updated["request_id"]


# ---------------------------------------------------------------------------------------------------- in process


def test_schema_enums_follow_the_catalog() -> None:
    assert target_model_names() == TARGET_MODELS
    assert set(AUDIO_FORMATS) == set(synthesis_schema.AUDIO_FORMATS)
    assert SAMPLE_RATES == synthesis_schema.SAMPLE_RATES


def test_describe_error_redacts_the_key_and_never_shows_a_traceback() -> None:
    from cosyclone._exceptions import RateLimitError

    error = RateLimitError(f"slow down {PLANTED_KEY}", status_code=429, code="Throttling", request_id="rid-1")
    text = describe_error(error, secrets=(PLANTED_KEY,))
    assert text.splitlines()[0].startswith("RateLimitError: HTTP 429 Throttling: slow down [REDACTED]")
    assert "\nhint: slow down" in text and "\ncode: Throttling" in text and "\nrequest_id: rid-1" in text
    assert PLANTED_KEY not in text
    surprise = describe_error(KeyError("boom"))
    assert surprise.startswith("KeyError: 'boom'") and "Traceback" not in surprise


def test_importing_the_server_stays_light() -> None:
    code = (
        "import sys, cosyclone.mcp.server; "
        "print([m for m in ('numpy', 'av', 'httpx', 'cosyclone.emulator', 'cosyclone.client') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


async def test_an_unexpected_failure_is_one_line_with_the_stack_in_the_error_log(
    monkeypatch: pytest.MonkeyPatch, own_cosyclone_home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from cosyclone.mcp.server import build_server
    from cosyclone.ops.session import Session

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr("cosyclone.ops.voices.list_voices", broken)
    server = build_server(Session(use_emulator=True))
    with pytest.raises(Exception) as raised:
        await server.call_tool("list_voices", {"local": True})
    assert "KeyError" in str(raised.value) and "last-error.txt" in str(raised.value)
    assert "Traceback" not in str(raised.value) and "Traceback" not in caplog.text
    assert "Traceback" in (own_cosyclone_home / "logs" / "last-error.txt").read_text()
    with pytest.raises(Exception) as typo:
        await server.call_tool("list_voices", {"locl": True})
    assert "locl" in str(typo.value) and "is not an argument of list_voices" in str(typo.value)
