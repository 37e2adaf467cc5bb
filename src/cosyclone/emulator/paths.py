"""Where the emulator serves what: the service's API paths and the emulator's own under ``/_emulator``.

One home for these strings inside the emulator (the client has its own in its config: the two never import each
other). No I/O; imported by the app, the handlers, the control plane, the result store and the server runner.
"""

from __future__ import annotations

from cosyclone.schema.synthesis import SYNTHESIS_PATH

#: Root of the HTTP API (``DASHSCOPE_HTTP_BASE_URL`` ends with it).
API_PREFIX = "/api/v1"
#: The WebSocket duplex synthesis endpoint (``DASHSCOPE_WEBSOCKET_BASE_URL``).
WEBSOCKET_PATH = "/api-ws/v1/inference"
#: Both spellings the service accepts: several public clients hard-code the trailing slash (contract §10.6).
WEBSOCKET_PATHS = (WEBSOCKET_PATH, WEBSOCKET_PATH + "/")
HTTP_SYNTHESIS_PATH = f"{API_PREFIX}/{SYNTHESIS_PATH}"
#: The emulator's own endpoints: control plane, OSS-style upload host, result downloads.
CONTROL_PREFIX = "/_emulator"
UPLOAD_PATH = f"{CONTROL_PREFIX}/oss"
RESULTS_PATH = f"{CONTROL_PREFIX}/results"
