"""Pydantic's report on bad arguments, in the CLI's words: field, value, rule (and what to do).

Who may import it: the front ends (the MCP server checks a tool's arguments with it) and the library layer.
"""

from __future__ import annotations

from pydantic import ValidationError

from cosyclone._exceptions import InvalidRequestError


def invalid_request_from(error: ValidationError, *, hint: str | None = None) -> InvalidRequestError:
    """``error`` as an InvalidRequestError naming each field, its value and the rule it breaks."""
    from cosyclone.voice_clone import problems_from_validation_error

    return InvalidRequestError(problems_from_validation_error(error), hint=hint)
