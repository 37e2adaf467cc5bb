"""The normalized ``cosyvoice.voice_clone`` interface in use: validate a request against every rule (shape and
catalog), explain what will be sent, and map it to and from the wire.

Who may import it: the client and the library layer (``ops/``); it sits below both (the client checks every
request with it), so it is not in ``ops/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from cosyclone._exceptions import InvalidRequestError, Problem, problems_from_validation_error
from cosyclone.catalog import check_enrollment
from cosyclone.schema.clone import VoiceCloneRequest, VoiceCloneResponse
from cosyclone.schema.enrollment import (
    CreateVoiceInput,
    CreateVoiceOutput,
    EnrollmentRequest,
    EnrollmentResponse,
)

SKIP_CATALOG_HINT = "if the service has changed before our catalog, pass --skip-catalog-check to send it anyway"


@dataclass(frozen=True)
class PreparedClone:
    """A validated request, the wire body it becomes, and notes on what was adjusted.

    ``disputed``: catalog rules the sources disagree on that this request breaks; it is sent anyway (each is also
    a note), and if the service refuses it the error says which rule was in doubt.
    """

    request: VoiceCloneRequest
    wire: EnrollmentRequest
    notes: list[str] = field(default_factory=list)
    disputed: list[str] = field(default_factory=list)


def validate_request(fields: Mapping[str, Any]) -> VoiceCloneRequest:
    """The normalized request, or InvalidRequestError naming each broken shape rule (no catalog checks)."""
    try:
        return VoiceCloneRequest.model_validate(dict(fields))
    except ValidationError as error:
        raise InvalidRequestError(problems_from_validation_error(error)) from None


def prepare_clone(
    fields: Mapping[str, Any] | VoiceCloneRequest,
    *,
    region: str,
    skip_catalog_check: bool = False,
) -> PreparedClone:
    """Check a ``cosyvoice.voice_clone`` request against every rule and build its wire body.

    Args:
        fields: the normalized request, as a mapping or a model.
        region: the region in effect (``cn-beijing`` or ``ap-southeast-1``).
        skip_catalog_check: send even if the catalog says the model/region/parameters do not fit.

    Returns:
        the prepared request, with notes (e.g. extra language hints dropped).

    Raises:
        InvalidRequestError: naming every field that breaks a rule; nothing is sent.
    """
    request = fields if isinstance(fields, VoiceCloneRequest) else validate_request(fields)
    notes: list[str] = []
    hint = request.language_hints[0] if request.language_hints else None
    if request.language_hints and len(request.language_hints) > 1:
        dropped = ", ".join(request.language_hints[1:])
        notes.append(f"only the first language hint is used: sending {hint!r}, dropping {dropped}")
    if request.prefix != request.prefix.lower() or len(request.prefix) == 10:
        notes.append(
            "the SDK docstrings say prefixes are lowercase and shorter than 10 characters; "
            "if the service refuses this prefix, use [a-z0-9]{1,9}"
        )
    disputed: list[str] = []
    if not skip_catalog_check:
        catalog_problems = check_enrollment(
            target_model=request.target_model, region=region, language_hint=hint, options=request.wire_options()
        )
        refused = [p for p in catalog_problems if not p.disputed]
        if refused:
            raise InvalidRequestError([Problem(p.field, p.value, p.rule) for p in refused], hint=SKIP_CATALOG_HINT)
        disputed = [f"{p.field}: {p.rule}" for p in catalog_problems if p.disputed]
        notes.extend(f"warning: {rule}" for rule in disputed)
    wire = EnrollmentRequest(
        model=request.model,
        input=CreateVoiceInput(
            target_model=request.target_model,
            prefix=request.prefix,
            url=request.voice_sample_url,
            **{**request.wire_options(), "language_hints": [hint] if hint else None},
        ),
    )
    return PreparedClone(request=request, wire=wire, notes=notes, disputed=disputed)


def clone_response_from_wire(reply: EnrollmentResponse[CreateVoiceOutput]) -> VoiceCloneResponse:
    """Map a ``create_voice`` reply to the normalized response."""
    count = reply.usage.count if reply.usage else None
    return VoiceCloneResponse.model_validate(
        {"voice_id": reply.output.voice_id, "request_id": reply.request_id, "usage": {"count": count}}
    )


def parse_saved_response(data: object) -> VoiceCloneResponse:
    """Read a saved response, either the wire reply (``output.voice_id``) or the normalized one (``voice_id``).

    Raises:
        InvalidRequestError: when neither shape fits, naming what is missing.
    """
    if isinstance(data, dict) and isinstance(data.get("output"), dict):
        try:
            return clone_response_from_wire(EnrollmentResponse[CreateVoiceOutput].model_validate(data))
        except ValidationError as error:
            raise InvalidRequestError(problems_from_validation_error(error)) from None
    try:
        return VoiceCloneResponse.model_validate(data)
    except ValidationError as error:
        raise InvalidRequestError(problems_from_validation_error(error)) from None
