"""Wire models of the DashScope CosyVoice APIs (pydantic), and nothing else: no I/O, no imports of ours.

Both the client and the emulator build and parse every message through these models, which is what keeps
them from drifting apart. Requests forbid unknown fields (a typo is an error, not a silent no-op);
responses tolerate new ones (the service may add fields at any time).
"""

from cosyclone.schema.base import RequestModel, ResponseModel

__all__ = ["RequestModel", "ResponseModel"]
