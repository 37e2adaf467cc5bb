"""Base classes for wire models: strict requests, tolerant responses. Imported by every schema module."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    """Something we send: unknown fields are refused so that typos surface at once."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def to_wire(self) -> dict[str, object]:
        """The JSON-ready dict, without the optional fields left unset."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class ResponseModel(BaseModel):
    """Something the service sends: new fields are kept (``model_extra``) instead of failing the parse."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def to_wire(self) -> dict[str, object]:
        """The JSON-ready dict, extra fields included, unset optionals left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)
