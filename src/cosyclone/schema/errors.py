"""The DashScope error envelope: ``{"request_id", "code", "message"}`` on any non-200 HTTP reply.

Contract §2 and §3.8. Some services spell ``message`` as ``msg``; both are accepted.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field

from cosyclone.schema.base import ResponseModel
from cosyclone.schema.error_codes import *  # noqa: F403 (the codes live beside the envelope for its users)
from cosyclone.schema.error_codes import __all__ as _CODES


class ErrorEnvelope(ResponseModel):
    """A DashScope error reply body."""

    request_id: str = ""
    code: str = "Unknown"
    message: str = Field(default="", validation_alias=AliasChoices("message", "msg"))


__all__ = ["ErrorEnvelope", *_CODES]
