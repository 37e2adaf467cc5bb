"""Contract §11.5: the old Singapore host still works, with a warning naming the workspace host; nothing else warns."""

from __future__ import annotations

import warnings

import pytest

from cosyclone import _config


@pytest.fixture(autouse=True)
def fresh_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_config, "_RETIRING_WARNED", [])
    for name in (
        "DASHSCOPE_BASE_URL",
        "DASHSCOPE_HTTP_BASE_URL",
        "DASHSCOPE_WEBSOCKET_BASE_URL",
        "DASHSCOPE_WORKSPACE",
    ):
        monkeypatch.delenv(name, raising=False)


def test_the_old_singapore_host_is_used_with_a_warning_naming_the_new_one() -> None:
    with pytest.warns(
        UserWarning, match=r"being retired.*https://\{WorkspaceId\}\.ap-southeast-1\.maas\.aliyuncs\.com"
    ):
        endpoints = _config.resolve_endpoints(region="ap-southeast-1")
    assert endpoints.http_base_url == "https://dashscope-intl.aliyuncs.com/api/v1"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _config.resolve_endpoints(region="ap-southeast-1")  # once per process


@pytest.mark.parametrize(("region", "workspace"), [("ap-southeast-1", "ws123"), ("cn-beijing", None)])
def test_the_workspace_host_and_beijing_do_not_warn(region: str, workspace: str | None) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        endpoints = _config.resolve_endpoints(region=region, workspace=workspace)
    assert "dashscope-intl" not in endpoints.http_base_url
