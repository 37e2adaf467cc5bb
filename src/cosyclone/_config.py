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
import hashlib
import os
import re
import stat
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from cosyclone._exceptions import InvalidRequestError, MissingAPIKeyError, Problem
from cosyclone.catalog import DEFAULT_REGION, REGIONS
from cosyclone.schema.endpoints import (
    REGIONAL_HOSTS,
    WORKSPACE_HOST_TEMPLATE,
    http_base_url,
    service_host,
    websocket_url,
)

HTTP_BASE_URLS = {region: http_base_url(host) for region, host in REGIONAL_HOSTS.items()}
WS_BASE_URLS = {region: websocket_url(host) for region, host in REGIONAL_HOSTS.items()}
#: The SDK 2.x config file and the env var that moves it (PY2 ``v2/_config.py``).
CONFIG_FILE_ENV = "DASHSCOPE_CONFIG"
DEFAULT_CONFIG_FILE = "~/.dashscope/config.toml"
_CONFIG_KEYS = ("api_key", "base_url", "workspace", "region")


#: Where each setting comes from, in the order it is looked for: the README's configuration table is generated
#: from this (``python -m cosyclone.ops.settings_doc``), and a guard test checks that every environment variable
#: this module reads is named here — so the table cannot go stale.
SETTING_SOURCES: dict[str, tuple[str, ...]] = {
    "API key": (
        "`api_key=` (library)",
        "env `DASHSCOPE_API_KEY`",
        f"`api_key` in `{DEFAULT_CONFIG_FILE}` (env `{CONFIG_FILE_ENV}` names another file)",
        "the file named by env `DASHSCOPE_API_KEY_FILE_PATH`",
        "`~/.dashscope/api_key`",
        "`dashscope_api_key` in `~/.alibabacloud/credentials` (env `ALIBABA_CLOUD_CREDENTIALS_FILE` names another "
        "file; profile: env `ALIBABA_CLOUD_PROFILE`, else `default`; a file others can read gets a warning)",
    ),
    "region": (
        "`--region`",
        "env `DASHSCOPE_REGION`",
        "env `DASHSCOPE_API_REGION` (older name)",
        f"`region` in `{DEFAULT_CONFIG_FILE}`",
        f"`{DEFAULT_REGION}`",
    ),
    "workspace": ("`--workspace`", "env `DASHSCOPE_WORKSPACE`", f"`workspace` in `{DEFAULT_CONFIG_FILE}`"),
    "HTTP base URL": (
        "`--base-url`",
        "env `DASHSCOPE_BASE_URL`",
        "env `DASHSCOPE_HTTP_BASE_URL`",
        f"`base_url` in `{DEFAULT_CONFIG_FILE}`",
        "the workspace's host `https://{workspace}.{region}.maas.aliyuncs.com/api/v1`",
        "the region's shared host",
    ),
    "WebSocket URL": (
        "`--ws-url`",
        "env `DASHSCOPE_WEBSOCKET_BASE_URL`",
        "the host of the HTTP base URL when one is configured (`--base-url`, env, config file)",
        "`wss://` on the workspace's or the region's host, path `/api-ws/v1/inference`",
    ),
    "user directory": (
        "env `COSYCLONE_HOME` (registry, embedded emulator state, consent and studio recordings)",
        "the platform's user data dir",
    ),
}


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
    """Find the API key, or raise :class:`MissingAPIKeyError` listing every place that was looked at; a key
    pasted with its quotes or spaces inside is refused naming where it came from (InvalidRequestError)."""
    return _checked_key(_find_api_key(explicit))


def _checked_key(key: APIKey) -> APIKey:
    """``key``, unless it was pasted with its quotes (or holds spaces): the service would only answer 401."""
    value = key.reveal()
    quoted = len(value) >= 2 and value[0] in "'\"`" and value[-1] == value[0]
    if quoted or any(c.isspace() for c in value):
        rule = "is wrapped in quotes: they were pasted with the key" if quoted else "holds spaces or line breaks"
        raise InvalidRequestError(
            [Problem(f"the API key from {key.source}", key.masked, rule)],
            hint=f"remove them in {key.source} (the key itself is sk-… without quotes), then run again; "
            "nothing was sent",
        )
    return key


def _find_api_key(explicit: str | None = None) -> APIKey:
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
    try:
        parser.read(cred_path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        looked_at.append(f"{cred_path} [{profile}] dashscope_api_key: the file is damaged ({first}); fix it")
        raise MissingAPIKeyError(looked_at) from None
    if parser.has_option(profile, "dashscope_api_key"):
        value = parser.get(profile, "dashscope_api_key").strip()
        if value:
            _warn_if_readable_by_others(cred_path)
            return APIKey(value, f"{cred_path} [{profile}] dashscope_api_key")
    looked_at.append(f"{cred_path} [{profile}] dashscope_api_key")
    raise MissingAPIKeyError(looked_at)


def resolve_region(explicit: str | None = None) -> str:
    """The region: explicit, ``DASHSCOPE_REGION``, ``DASHSCOPE_API_REGION``, the config file, else cn-beijing."""
    candidates = [
        (explicit, "--region"),
        (os.environ.get("DASHSCOPE_REGION"), "env DASHSCOPE_REGION"),
        (os.environ.get("DASHSCOPE_API_REGION"), "env DASHSCOPE_API_REGION"),
        (read_config_file().get("region"), f"region in {config_file_path()}"),
    ]
    region, source = next(((value, where) for value, where in candidates if value), (DEFAULT_REGION, "default"))
    if region not in REGIONS:
        raise InvalidRequestError(
            [Problem("region", region, f"(from {source}) must be one of {', '.join(REGIONS)}")],
            hint=f"correct it in {source}, or pass --region (e.g. cn-beijing or ap-southeast-1)",
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
    _check_setting_shapes(http, source, resolved_workspace, workspace, file)
    host = service_host(resolved_region, resolved_workspace)
    if http is None:
        http, source = http_base_url(host), "workspace host" if resolved_workspace else "shared host"
    ws, ws_source = _resolve_ws_url(ws_url, http, source, host)
    if RETIRING_HOST in http or RETIRING_HOST in ws:
        warn_retiring_host(resolved_region)
    return Endpoints(
        http_base_url=http.rstrip("/"),
        ws_url=ws,
        region=resolved_region,
        workspace=resolved_workspace,
        source=source,
        ws_source=ws_source,
    )


#: The old Singapore (international) host, being retired (contract §11.5, D-DESIGN-ZH: "即将下线").
RETIRING_HOST = "dashscope-intl.aliyuncs.com"


def warn_retiring_host(region: str) -> None:
    """Say, once per process, that the old international host is being retired and which host replaces it."""
    if _RETIRING_WARNED:
        return
    _RETIRING_WARNED.append(True)
    new_host = WORKSPACE_HOST_TEMPLATE.format(workspace="{WorkspaceId}", region=region)
    warnings.warn(
        f"{RETIRING_HOST} (the old Singapore host, used for {region}) is being retired: move to the workspace host "
        f"https://{new_host} (pass --workspace ID or set DASHSCOPE_WORKSPACE); it still works for now",
        stacklevel=3,
    )


_RETIRING_WARNED: list[bool] = []


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


_WORKSPACE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")


def _check_setting_shapes(
    http: str | None, source: str, resolved_workspace: str | None, flag: str | None, file: dict[str, str]
) -> None:
    """A base URL without http(s)://, or a workspace that is not an id (a pasted URL), is refused naming where
    it came from — before any connection (it would otherwise end as a network error or a DNS failure)."""
    if http is not None and not http.lower().startswith(("http://", "https://")):
        raise InvalidRequestError(
            [Problem(source, http, "must start with http:// or https:// (e.g. https://dashscope.aliyuncs.com/api/v1)")],
            hint=f"correct it in {source}; nothing was sent",
        )
    if resolved_workspace and not _WORKSPACE_ID.fullmatch(resolved_workspace):
        where = (
            "--workspace"
            if flag
            else "env DASHSCOPE_WORKSPACE"
            if os.environ.get("DASHSCOPE_WORKSPACE")
            else f"workspace in {config_file_path()}"
            if file.get("workspace")
            else "workspace"
        )
        raise InvalidRequestError(
            [
                Problem(
                    where, resolved_workspace, "is not a workspace id (letters, digits, '-' and '_'), e.g. llm-abc123"
                )
            ],
            hint="give the id alone, not a URL: it is the first label of the workspace's host "
            "(https://<id>.<region>.maas.aliyuncs.com); nothing was sent",
        )


def ws_url_for_http_base(http_base: str) -> str:
    """``http://host:port/api/v1`` → ``ws://host:port/api-ws/v1/inference`` (the same host, DashScope layout)."""
    scheme, _, rest = http_base.rstrip("/").partition("://")
    return websocket_url(rest.split("/", 1)[0], secure=scheme == "https")


def cosyclone_home() -> Path:
    """The user directory (registry, emulator state): ``COSYCLONE_HOME`` or the platform's user data dir."""
    if home := os.environ.get("COSYCLONE_HOME"):
        path = Path(home).expanduser()
        if path.exists() and not path.is_dir():
            raise InvalidRequestError(
                [Problem("COSYCLONE_HOME", home, "(from the environment) is a file, not a folder")],
                hint="point COSYCLONE_HOME at a folder (it is made if missing), or unset it to use the default",
            )
        return path
    from platformdirs import user_data_path

    return user_data_path("cosyclone", appauthor=False)
