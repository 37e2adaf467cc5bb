"""Where the service (and the emulator) serve things: path prefixes, the WebSocket path, the regional hosts.

One home for each: ``_config`` builds base URLs from it, the emulator mounts its routes on it, the OpenAPI document
names its paths with it. The per-resource paths live beside their wire models (``CUSTOMIZATION_PATH`` in
``schema.enrollment``, ``SYNTHESIS_PATH`` in ``schema.synthesis``, ``UPLOADS_PATH`` in ``schema.uploads``).

Imported by ``_config``, ``client`` and ``emulator``. Imports nothing; no I/O.
"""

from __future__ import annotations

#: The HTTP API root under a host (contract §1).
API_PREFIX = "/api/v1"
#: The WebSocket synthesis endpoint under a host (contract §5; the service also accepts a trailing slash, §10.6).
WEBSOCKET_PATH = "/api-ws/v1/inference"
#: Both spellings the service accepts: several public clients hard-code the trailing slash (contract §10.6).
WEBSOCKET_PATHS = (WEBSOCKET_PATH, WEBSOCKET_PATH + "/")
#: The emulator's own (non-DashScope) paths: control plane, OpenAPI document, OSS-style uploads, result downloads.
EMULATOR_PREFIX = "/_emulator"
EMULATOR_OPENAPI_PATH = f"{EMULATOR_PREFIX}/openapi.json"
EMULATOR_UPLOAD_PATH = f"{EMULATOR_PREFIX}/oss"
EMULATOR_RESULTS_PATH = f"{EMULATOR_PREFIX}/results"

#: The legacy shared host of each region (contract §1, §10.4; PY2 ``v2/_config.py`` ``LEGACY_GATEWAY_HOSTS``, read
#: 2026-12-01): regions without a shared host of their own use the international one.
REGIONAL_HOSTS = {
    "cn-beijing": "dashscope.aliyuncs.com",
    "ap-southeast-1": "dashscope-intl.aliyuncs.com",
    "cn-hongkong": "cn-hongkong.dashscope.aliyuncs.com",
    "us-east-1": "dashscope-intl.aliyuncs.com",
    "eu-central-1": "dashscope-intl.aliyuncs.com",
    "ap-northeast-1": "dashscope-intl.aliyuncs.com",
}
#: The workspace-scoped host the docs recommend (contract §10.4; PY2 ``WORKSPACE_GATEWAY_TEMPLATE``): HTTP under
#: ``/api/v1`` and the WebSocket under ``/api-ws/v1/inference`` on the same host.
WORKSPACE_HOST_TEMPLATE = "{workspace}.{region}.maas.aliyuncs.com"


def service_host(region: str, workspace: str | None = None) -> str:
    """The host to talk to: the workspace-scoped host when a workspace is given, else the region's shared host."""
    if workspace:
        return WORKSPACE_HOST_TEMPLATE.format(workspace=workspace, region=region)
    return REGIONAL_HOSTS[region]


def http_base_url(host: str, *, secure: bool = True) -> str:
    """``https://HOST/api/v1``: the HTTP root on ``host``."""
    return f"{'https' if secure else 'http'}://{host}{API_PREFIX}"


def websocket_url(host: str, *, secure: bool = True) -> str:
    """``wss://HOST/api-ws/v1/inference``: the WebSocket endpoint on ``host``."""
    return f"{'wss' if secure else 'ws'}://{host}{WEBSOCKET_PATH}"
