"""API key lookup order, region and base URL resolution, and the key never printing itself."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cosyclone import InvalidRequestError, MissingAPIKeyError
from cosyclone._config import (
    CredentialsFileWarning,
    resolve_api_key,
    resolve_endpoints,
    ws_url_for_http_base,
)
from tests.conftest import PLANTED_KEY


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith(("DASHSCOPE_", "ALIBABA_CLOUD_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_missing_key_lists_every_place(clean_env: Path) -> None:
    with pytest.raises(MissingAPIKeyError) as info:
        resolve_api_key()
    text = str(info.value)
    for place in ("DASHSCOPE_API_KEY", "DASHSCOPE_API_KEY_FILE_PATH", ".dashscope/api_key", "credentials"):
        assert place in text
    assert "--emulator" in text


def test_lookup_order(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    creds = clean_env / ".alibabacloud" / "credentials"
    creds.parent.mkdir()
    creds.write_text("[default]\ndashscope_api_key = sk-fromcreds\n[work]\ndashscope_api_key = sk-fromwork\n")
    creds.chmod(0o600)
    assert resolve_api_key().reveal() == "sk-fromcreds"
    monkeypatch.setenv("ALIBABA_CLOUD_PROFILE", "work")
    assert resolve_api_key().reveal() == "sk-fromwork"
    (clean_env / ".dashscope").mkdir()
    (clean_env / ".dashscope" / "api_key").write_text("sk-fromdefaultfile\n")
    (clean_env / ".dashscope" / "api_key").chmod(0o600)
    assert resolve_api_key().reveal() == "sk-fromdefaultfile"
    keyfile = clean_env / "k"
    keyfile.write_text("sk-fromkeyfile")
    keyfile.chmod(0o600)
    monkeypatch.setenv("DASHSCOPE_API_KEY_FILE_PATH", str(keyfile))
    assert resolve_api_key().reveal() == "sk-fromkeyfile"
    monkeypatch.setenv("DASHSCOPE_API_KEY", "sk-fromenv")
    assert resolve_api_key().reveal() == "sk-fromenv"
    assert resolve_api_key("sk-explicit").reveal() == "sk-explicit"


def test_credentials_path_override_and_permission_warning(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    creds = clean_env / "elsewhere.ini"
    creds.write_text("[default]\ndashscope_api_key = sk-elsewhere\n")
    creds.chmod(0o644)
    monkeypatch.setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", str(creds))
    with pytest.warns(CredentialsFileWarning, match="chmod 600"):
        assert resolve_api_key().reveal() == "sk-elsewhere"


def test_key_never_prints_itself() -> None:
    key = resolve_api_key(PLANTED_KEY)
    assert PLANTED_KEY not in repr(key)
    assert PLANTED_KEY not in str(key)
    assert PLANTED_KEY not in f"{key}"


def test_endpoints(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_endpoints().http_base_url == "https://dashscope.aliyuncs.com/api/v1"
    intl = resolve_endpoints(region="ap-southeast-1")
    assert intl.ws_url == "wss://dashscope-intl.aliyuncs.com/api-ws/v1/inference"
    monkeypatch.setenv("DASHSCOPE_API_REGION", "ap-southeast-1")
    assert resolve_endpoints().region == "ap-southeast-1"
    monkeypatch.setenv("DASHSCOPE_HTTP_BASE_URL", "http://127.0.0.1:9/api/v1")
    monkeypatch.setenv("DASHSCOPE_WEBSOCKET_BASE_URL", "ws://127.0.0.1:9/api-ws/v1/inference")
    local = resolve_endpoints()
    assert local.http_base_url == "http://127.0.0.1:9/api/v1"
    assert local.ws_url == "ws://127.0.0.1:9/api-ws/v1/inference"
    explicit = resolve_endpoints(base_url="http://localhost:7/api/v1/")
    assert explicit.http_base_url == "http://localhost:7/api/v1"
    # issue 22 item 17: DASHSCOPE_WEBSOCKET_BASE_URL is honoured beside --base-url; --ws-url beats both.
    assert explicit.ws_url == "ws://127.0.0.1:9/api-ws/v1/inference"
    assert explicit.ws_source == "DASHSCOPE_WEBSOCKET_BASE_URL"
    monkeypatch.delenv("DASHSCOPE_WEBSOCKET_BASE_URL")
    assert resolve_endpoints(base_url="http://localhost:7/api/v1/").ws_url == "ws://localhost:7/api-ws/v1/inference"
    flagged = resolve_endpoints(base_url="http://localhost:7/api/v1/", ws_url="ws://localhost:8/x")
    assert (flagged.ws_url, flagged.ws_source) == ("ws://localhost:8/x", "--ws-url")
    with pytest.raises(InvalidRequestError, match="region"):
        resolve_endpoints(region="mars")


def test_ws_url_for_https() -> None:
    assert ws_url_for_http_base("https://h.example/api/v1") == "wss://h.example/api-ws/v1/inference"
