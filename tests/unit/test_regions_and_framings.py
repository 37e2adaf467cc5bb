"""Issue 12, pure parts: the six regions and their hosts (workspace-scoped or shared) as the SDK 2.x resolves them,
``DASHSCOPE_BASE_URL`` and ``~/.dashscope/config.toml``; the catalog's Qwen-Audio targets and the model → transport
choice; and every SSE framing of contract §6 and §10.8, read by the client over ``httpx.MockTransport``."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import httpx
import pytest

from cosyclone import InvalidRequestError
from cosyclone._config import resolve_api_key, resolve_endpoints
from cosyclone._exceptions import BadRequestError, RateLimitError
from cosyclone.catalog import REGIONS, TARGET_MODELS, speech_endpoint, speech_protocol
from cosyclone.client._tts_protocol import SseParser
from cosyclone.client.uploads import data_uri

SHARED = {
    "cn-beijing": "dashscope.aliyuncs.com",
    "ap-southeast-1": "dashscope-intl.aliyuncs.com",
    "cn-hongkong": "cn-hongkong.dashscope.aliyuncs.com",
    "us-east-1": "dashscope-intl.aliyuncs.com",
    "eu-central-1": "dashscope-intl.aliyuncs.com",
    "ap-northeast-1": "dashscope-intl.aliyuncs.com",
}


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith(("DASHSCOPE_", "ALIBABA_CLOUD_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_six_regions_as_the_sdk_knows_them() -> None:
    dashscope_config = pytest.importorskip("dashscope.v2._config")
    assert REGIONS == dashscope_config.VALID_REGIONS


@pytest.mark.parametrize("region", list(SHARED))
def test_each_region_with_and_without_a_workspace(clean_env: Path, region: str) -> None:
    shared = resolve_endpoints(region=region)
    assert shared.http_base_url == f"https://{SHARED[region]}/api/v1"
    assert shared.ws_url == f"wss://{SHARED[region]}/api-ws/v1/inference"
    assert shared.source == "shared host"
    scoped = resolve_endpoints(region=region, workspace="llm-abc")
    assert scoped.http_base_url == f"https://llm-abc.{region}.maas.aliyuncs.com/api/v1"
    assert scoped.ws_url == f"wss://llm-abc.{region}.maas.aliyuncs.com/api-ws/v1/inference"
    assert scoped.describe()["source"] == "workspace host" and scoped.workspace == "llm-abc"


def test_same_urls_as_the_sdk(clean_env: Path) -> None:
    dashscope_config = pytest.importorskip("dashscope.v2._config")
    for region in REGIONS:
        for workspace in (None, "ws1"):
            with pytest.warns(UserWarning) if workspace is None else _no_warning():
                sdk = dashscope_config.resolve_config(api_key="sk-x", region=region, workspace=workspace)
            ours = resolve_endpoints(region=region, workspace=workspace)
            assert ours.http_base_url == sdk.base_url
            ws = (
                dashscope_config.workspace_ws_url(workspace, dashscope_config.WS_INFERENCE_PATH, region)
                if workspace
                else None
            )
            assert ws is None or ours.ws_url == ws


class _no_warning:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def test_env_and_config_file_as_the_sdk_2(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = clean_env / ".dashscope" / "config.toml"
    config.parent.mkdir()
    config.write_text('api_key = "sk-from-toml"\nworkspace = "wsfile"\nregion = "us-east-1"\n')
    config.chmod(0o600)
    assert resolve_api_key().reveal() == "sk-from-toml"
    from_file = resolve_endpoints()
    assert (from_file.region, from_file.workspace) == ("us-east-1", "wsfile")
    assert from_file.http_base_url == "https://wsfile.us-east-1.maas.aliyuncs.com/api/v1"
    monkeypatch.setenv("DASHSCOPE_REGION", "eu-central-1")
    monkeypatch.setenv("DASHSCOPE_WORKSPACE", "wsenv")
    assert resolve_endpoints().http_base_url == "https://wsenv.eu-central-1.maas.aliyuncs.com/api/v1"
    monkeypatch.setenv("DASHSCOPE_BASE_URL", "http://127.0.0.1:9/api/v1")
    based = resolve_endpoints()
    assert based.http_base_url == "http://127.0.0.1:9/api/v1" and based.source == "DASHSCOPE_BASE_URL"
    assert based.ws_url == "ws://127.0.0.1:9/api-ws/v1/inference"  # follows the base URL, never the public host
    monkeypatch.setenv("DASHSCOPE_API_KEY", "sk-env")
    assert resolve_api_key().reveal() == "sk-env"
    moved = clean_env / "other.toml"
    moved.write_text('base_url = "http://127.0.0.1:7/api/v1"\n')
    monkeypatch.delenv("DASHSCOPE_BASE_URL")
    monkeypatch.setenv("DASHSCOPE_CONFIG", str(moved))
    assert resolve_endpoints().http_base_url == "http://127.0.0.1:7/api/v1"


def test_a_broken_config_file_or_region_is_named(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = clean_env / ".dashscope" / "config.toml"
    config.parent.mkdir()
    config.write_text("region = \n")
    with pytest.raises(InvalidRequestError, match=r"config\.toml"):
        resolve_endpoints()
    config.write_text('region = "mars"\n')
    with pytest.raises(InvalidRequestError, match="region"):
        resolve_endpoints()


def test_qwen_audio_targets_are_sourced_and_speak_over_http() -> None:
    qwen = [m for m in TARGET_MODELS.values() if m.family == "qwen-audio"]
    assert {m.name for m in qwen} == {
        "qwen-audio-3.0-tts-plus",
        "qwen-audio-3.0-tts-flash",
        "qwen-audio-3.1-tts-plus",
        "qwen-audio-3.1-tts-flash",
    }
    for model in qwen:
        # §10 facts read 2026-12-01, §11's (Singapore HTTP, 3.1-flash official) 2026-12-03
        assert model.sources and all(f.source and f.read_on in ("2026-12-01", "2026-12-03") for f in model.sources)
        assert {"it", "es", "ms", "fil", "ar"} <= set(model.language_hints)
        assert speech_endpoint(model.name) == "http"
        assert speech_protocol(model.name, "websocket") == "sse"
        assert speech_protocol(model.name, "http") == "http"
    assert speech_protocol("cosyvoice-v3-flash", "websocket") == "websocket"


def test_data_uri_has_the_right_type_and_limit() -> None:
    uri = data_uri("a.mp3", b"\x00\x01")
    assert uri == "data:audio/mpeg;base64," + base64.b64encode(b"\x00\x01").decode()
    assert data_uri("a.wav", b"\x00" * (8 * 1024 * 1024)) is None  # over 10 MB once encoded


# ----- SSE framings ------------------------------------------------------------------------------------------


def _chunk(data: bytes, *, stop: bool = False) -> dict[str, object]:
    audio = {"data": "" if stop else base64.b64encode(data).decode(), "id": "a"}
    return {
        "request_id": "r1",
        "output": {"finish_reason": "stop" if stop else "null", "audio": audio},
        "usage": {"characters": 5},
    }


def _read(body: str) -> list[bytes]:
    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body.encode())
    parser = SseParser()
    chunks = [c for line in response.iter_lines() for c in parser.feed(line)]
    return [c.audio for c in [*chunks, *parser.finish()] if c.kind == "audio"]


FRAMINGS = {
    "dashscope (contract §6)": (
        "id:1\nevent:result\n:HTTP_STATUS/200\ndata:{a}\n\nid:2\nevent:result\n:HTTP_STATUS/200\ndata:{b}\n\n"
    ),
    "status only on the first event (§10.8)": (
        "id:1\nevent:result\n:HTTP_STATUS/200\ndata:{a}\n\nid:2\nevent:result\ndata:{b}\n\n"
    ),
    "standard spacing": "event: result\ndata: {a}\n\ndata: {b}\n\n",
    "CRLF and no final blank line": "data:{a}\r\n\r\ndata:{b}",
    "data over two lines": "data:{a1}\ndata:{a2}\n\ndata:{b}\n\n",
}


@pytest.mark.parametrize("framing", list(FRAMINGS))
def test_every_sse_framing_is_read(framing: str) -> None:
    first, last = json.dumps(_chunk(b"abc")), json.dumps(_chunk(b"", stop=True))
    head, tail = first.split(", ", 1)  # cut between JSON tokens: joined with a newline it is still one value
    body = FRAMINGS[framing].format(a=first, b=last, a1=head + ",", a2=tail)
    assert _read(body) == [b"abc"]


def test_an_error_as_a_data_object_in_a_200_stream() -> None:
    error = json.dumps({"code": "Throttling.RateQuota", "message": "Requests rate limit exceeded", "request_id": "r9"})
    with pytest.raises(RateLimitError) as caught:
        _read(f"id:1\nevent:result\n:HTTP_STATUS/200\ndata:{json.dumps(_chunk(b'x'))}\n\ndata:{error}\n\n")
    assert caught.value.request_id == "r9"


def test_an_event_error_frame_with_status() -> None:
    error = json.dumps({"code": "InvalidParameter", "message": "bad voice"})
    with pytest.raises(BadRequestError) as caught:
        _read(f"id:1\nevent:error\n:HTTP_STATUS/400\nstatus:400\ndata:{error}\n\n")
    assert caught.value.status_code == 400 and caught.value.code == "InvalidParameter"


def test_a_batch_line_may_carry_ssml(tmp_path: Path) -> None:
    from cosyclone.ops.batch import read_items

    source = tmp_path / "script.jsonl"
    source.write_text('{"id": "a", "text": "<speak>Hi <break time=\\"300ms\\"/> there</speak>", "ssml": true}\n')
    [item] = read_items(source)
    assert item.parameters == {"enable_ssml": True}


def test_ssml_sends_text_type_and_enable_ssml() -> None:
    from cosyclone.client._speech_options import build_options, wire_parameters

    wire = wire_parameters(build_options(ssml=True), "v", wire_format="mp3").to_wire()
    assert wire["text_type"] == "SSML" and wire["enable_ssml"] is True
    plain = wire_parameters(build_options(), "v", wire_format="mp3").to_wire()
    assert plain["text_type"] == "PlainText" and "enable_ssml" not in plain
