"""Where the emulator serves what, as the emulator's routes need it: every value comes from
:mod:`cosyclone.schema.endpoints` (the one home of the service's paths), joined here for the routes.

No I/O; imported by the app, the handlers, the control plane, the result store and the server runner.
"""

from __future__ import annotations

from cosyclone.schema.endpoints import (
    API_PREFIX,
    EMULATOR_PREFIX,
    EMULATOR_RESULTS_PATH,
    EMULATOR_UPLOAD_PATH,
    WEBSOCKET_PATH,
    WEBSOCKET_PATHS,
)
from cosyclone.schema.synthesis import SYNTHESIS_PATH

__all__ = [
    "API_PREFIX",
    "CONTROL_PREFIX",
    "HTTP_SYNTHESIS_PATH",
    "RESULTS_PATH",
    "UPLOAD_PATH",
    "WEBSOCKET_PATH",
    "WEBSOCKET_PATHS",
]

HTTP_SYNTHESIS_PATH = f"{API_PREFIX}/{SYNTHESIS_PATH}"
CONTROL_PREFIX = EMULATOR_PREFIX
UPLOAD_PATH = EMULATOR_UPLOAD_PATH
RESULTS_PATH = EMULATOR_RESULTS_PATH
