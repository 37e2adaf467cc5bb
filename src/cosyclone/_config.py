"""Where cosyclone finds its API key, region, base URLs, workspace and home directory.

Who may import it: the client, the CLI, the registry and the MCP server (never schema/catalog/emulator).

The API key is looked up, in order: an explicit value; ``DASHSCOPE_API_KEY``; ``api_key`` in the SDK 2.x config
file (``DASHSCOPE_CONFIG``, default ``~/.dashscope/config.toml``); the file named by
``DASHSCOPE_API_KEY_FILE_PATH``; ``~/.dashscope/api_key``; ``dashscope_api_key`` in the Alibaba Cloud credentials
file (``ALIBABA_CLOUD_CREDENTIALS_FILE``, default ``~/.alibabacloud/credentials``; profile
``ALIBABA_CLOUD_PROFILE``, default ``default``). The key is held in memory only: :class:`APIKey` never shows it
in ``repr``/``str``.

Endpoints follow the official SDK 2.x (``dashscope/v2/_config.py``, contract §10.4): an explicit base URL, else
``DASHSCOPE_BASE_URL``, else the 1.x ``DASHSCOPE_HTTP_BASE_URL``, else ``base_url`` in the config file; without one,
the workspace-scoped host ``https://{workspace}.{region}.maas.aliyuncs.com`` when a workspace is known (explicit,
``DASHSCOPE_WORKSPACE``, or the config file), else the region's legacy shared host. The region: explicit, else
``DASHSCOPE_REGION`` (SDK 2.x), ``DASHSCOPE_API_REGION`` (ours, kept), the config file, ``cn-beijing``. One
deliberate difference: when a base URL is configured and no WebSocket URL is (``ws_url`` / ``--ws-url``, else
``DASHSCOPE_WEBSOCKET_BASE_URL``), the WebSocket follows the base URL's host (the SDK would go to the public host,
which for a local emulator means the real service).
"""

from __future__ import annotations

import configparser
import contextlib
import hashlib
import os
import stat
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from cosyclone._exceptions import InvalidRequestError, MissingAPIKeyError, Problem
from cosyclone.catalog import DEFAULT_REGION, REGIONS
from cosyclone.schema.endpoints import REGIONAL_HOSTS, http_base_url, service_host, websocket_url

HTTP_BASE_URLS = {region: http_base_url(host) for region, host in REGIONAL_HOSTS.items()}
WS_BASE_URLS = {region: websocket_url(host) for region, host in REGIONAL_HOSTS.items()}
#: The SDK 2.x config file and the env var that moves it (PY2 ``v2/_config.py``).
CONFIG_FILE_ENV = "DASHSCOPE_CONFIG"
DEFAULT_CONFIG_FILE = "~/.dashscope/config.toml"
_CONFIG_KEYS = ("api_key", "base_url", "workspace", "region")


class CredentialsFileWarning(UserWarning):
    """A file holding an API key can be read by other users."""


class APIKey:
    """An API key that never prints itself."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str) -> None:
        self._value = value
        self.source = source

    def reveal(self) -> str:
        """The key itself — only for the Authorization header."""
        return self._value

    def __repr__(self) -> str:
        return f"APIKey(source={self.source!r}, value='{self.masked}')"

    __str__ = __repr__

    @property
    def masked(self) -> str:
        return f"{self._value[:3]}…{self._value[-2:]}" if len(self._value) > 8 else "***"


def _read_key_file(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if text:
        _warn_if_readable_by_others(path)
    return text or None


def _warn_if_readable_by_others(path: Path) -> None:
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        warnings.warn(
            f"{path} holds an API key and is readable by other users; run `chmod 600 {path}`",
            CredentialsFileWarning,
            stacklevel=3,
        )


def account_fingerprint(api_key: str) -> str:
    """A stable, non-reversible name for the account behind a key (never the key itself)."""
    return "acct-" + hashlib.sha256(api_key.encode("utf-8")).hexdigest()[:16]


def credentials_file_path() -> Path:
    return Path(os.environ.get("ALIBABA_CLOUD_CREDENTIALS_FILE") or Path.home() / ".alibabacloud" / "credentials")


def config_file_path() -> Path:
    return Path(os.environ.get(CONFIG_FILE_ENV) or DEFAULT_CONFIG_FILE).expanduser()


def read_config_file() -> dict[str, str]:
    """``api_key``, ``base_url``, ``workspace`` and ``region`` from the SDK 2.x config file (missing: empty).

    Raises:
        InvalidRequestError: the file exists but is not valid TOML.
    """
    path = config_file_path()
    if not path.is_file():
        return {}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise InvalidRequestError([Problem(str(path), None, f"is not a readable TOML config file: {error}")]) from None
    return {key: str(data[key]).strip() for key in _CONFIG_KEYS if data.get(key)}


def resolve_api_key(explicit: str | None = None) -> APIKey:
    """Find the API key, or raise :class:`MissingAPIKeyError` listing every place that was looked at."""
    looked_at: list[str] = []
    if explicit:
        return APIKey(explicit, "explicit value")
    looked_at.append("explicit value")
    if value := os.environ.get("DASHSCOPE_API_KEY", "").strip():
        return APIKey(value, "DASHSCOPE_API_KEY")
    looked_at.append("env DASHSCOPE_API_KEY")
    if value := read_config_file().get("api_key", ""):
        _warn_if_readable_by_others(config_file_path())
        return APIKey(value, f"{config_file_path()} api_key")
    looked_at.append(f"{config_file_path()} api_key")
    if key_file := os.environ.get("DASHSCOPE_API_KEY_FILE_PATH"):
        if value := _read_key_file(Path(key_file)):  # type: ignore[assignment]
            return APIKey(value, f"DASHSCOPE_API_KEY_FILE_PATH ({key_file})")
        looked_at.append(f"DASHSCOPE_API_KEY_FILE_PATH ({key_file})")
    else:
        looked_at.append("env DASHSCOPE_API_KEY_FILE_PATH (unset)")
    default_file = Path.home() / ".dashscope" / "api_key"
    if value := _read_key_file(default_file):  # type: ignore[assignment]
        return APIKey(value, str(default_file))
    looked_at.append(str(default_file))
    cred_path = credentials_file_path()
    profile = os.environ.get("ALIBABA_CLOUD_PROFILE") or "default"
    parser = configparser.ConfigParser()
    with contextlib.suppress(configparser.Error):
        parser.read(cred_path, encoding="utf-8")
    if parser.has_option(profile, "dashscope_api_key"):
        value = parser.get(profile, "dashscope_api_key").strip()
        if value:
            _warn_if_readable_by_others(cred_path)
            return APIKey(value, f"{cred_path} [{profile}] dashscope_api_key")
    looked_at.append(f"{cred_path} [{profile}] dashscope_api_key")
    raise MissingAPIKeyError(looked_at)


def resolve_region(explicit: str | None = None) -> str:
    """The region: explicit, ``DASHSCOPE_REGION``, ``DASHSCOPE_API_REGION``, the config file, else cn-beijing."""
    region = (
        explicit
        or os.environ.get("DASHSCOPE_REGION")
        or os.environ.get("DASHSCOPE_API_REGION")
        or read_config_file().get("region")
        or DEFAULT_REGION
    )
    if region not in REGIONS:
        raise InvalidRequestError(
            [Problem("region", region, f"must be one of {', '.join(REGIONS)}")],
            hint="pass --region (e.g. cn-beijing or ap-southeast-1), or set DASHSCOPE_REGION",
        )
    return region


@dataclass(frozen=True)
class Endpoints:
    """Where requests go: an HTTP base (…/api/v1) and a WebSocket URL (…/api-ws/v1/inference).

    ``source``: why this HTTP base (``--base-url``, an env var, the config file, ``workspace host`` or ``shared
    host``); ``ws_source``: why this WebSocket URL (``--ws-url``, ``DASHSCOPE_WEBSOCKET_BASE_URL``, the HTTP base's
    host, or the region's host).
    """

    http_base_url: str
    ws_url: str
    region: str
    workspace: str | None = None
    is_emulator: bool = field(default=False)
    source: str = "shared host"
    ws_source: str = "shared host"

    @property
    def is_local(self) -> bool:
        return "127.0.0.1" in self.http_base_url or "localhost" in self.http_base_url

    def describe(self) -> dict[str, str | None]:
        """For ``--json`` output and evidence: the URLs, region, workspace and where they came from."""
        return {
            "http_base_url": self.http_base_url,
            "ws_url": self.ws_url,
            "region": self.region,
            "workspace": self.workspace,
            "source": self.source,
            "ws_source": self.ws_source,
        }

    def sources(self) -> str:
        """One line for ``--verbose``: which URLs are used and where each came from (region and workspace too)."""
        where = f"region {self.region}" + (f", workspace {self.workspace}" if self.workspace else "")
        return (
            f"HTTP base URL {self.http_base_url} (from {self.source}); "
            f"WebSocket URL {self.ws_url} (from {self.ws_source}); {where}"
        )


def resolve_endpoints(
    *,
    region: str | None = None,
    base_url: str | None = None,
    ws_url: str | None = None,
    workspace: str | None = None,
) -> Endpoints:
    """Base URLs as the SDK 2.x resolves them (see the module docstring)."""
    file = read_config_file()
    resolved_region = resolve_region(region)
    resolved_workspace = workspace or os.environ.get("DASHSCOPE_WORKSPACE") or file.get("workspace") or None
    configured = [
        (base_url, "--base-url"),
        (os.environ.get("DASHSCOPE_BASE_URL"), "DASHSCOPE_BASE_URL"),
        (os.environ.get("DASHSCOPE_HTTP_BASE_URL"), "DASHSCOPE_HTTP_BASE_URL"),
        (file.get("base_url"), str(config_file_path())),
    ]
    http, source = next(((url, name) for url, name in configured if url), (None, ""))
    host = service_host(resolved_region, resolved_workspace)
    if http is None:
        http, source = http_base_url(host), "workspace host" if resolved_workspace else "shared host"
    ws, ws_source = _resolve_ws_url(ws_url, http, source, host)
    return Endpoints(
        http_base_url=http.rstrip("/"),
        ws_url=ws,
        region=resolved_region,
        workspace=resolved_workspace,
        source=source,
        ws_source=ws_source,
    )


def _resolve_ws_url(explicit: str | None, http: str, http_source: str, host: str) -> tuple[str, str]:
    """The WebSocket URL and where it came from: ``--ws-url``, else ``DASHSCOPE_WEBSOCKET_BASE_URL``, else the
    host of a configured HTTP base URL (never the public host for a local base), else the region's host."""
    if explicit:
        return explicit, "--ws-url"
    if env := os.environ.get("DASHSCOPE_WEBSOCKET_BASE_URL"):
        return env, "DASHSCOPE_WEBSOCKET_BASE_URL"
    if http_source not in ("workspace host", "shared host"):
        return ws_url_for_http_base(http), f"the host of the HTTP base URL (from {http_source})"
    return websocket_url(host), http_source


def ws_url_for_http_base(http_base: str) -> str:
    """``http://host:port/api/v1`` → ``ws://host:port/api-ws/v1/inference`` (the same host, DashScope layout)."""
    scheme, _, rest = http_base.rstrip("/").partition("://")
    return websocket_url(rest.split("/", 1)[0], secure=scheme == "https")


def cosyclone_home() -> Path:
    """The user directory (registry, emulator state): ``COSYCLONE_HOME`` or the platform's user data dir."""
    if home := os.environ.get("COSYCLONE_HOME"):
        return Path(home)
    from platformdirs import user_data_path

    return user_data_path("cosyclone", appauthor=False)
