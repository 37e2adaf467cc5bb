"""Voice enrollment (``POST {base}/services/audio/tts/customization``): requests and responses of all five
actions. Contract §3.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import ConfigDict, Field, field_validator

from cosyclone.schema.base import RequestModel, ResponseModel
from cosyclone.schema.clone_options import CloneWireOptions

# Declared in model_names (importable without pydantic); re-exported here for the users of the wire model.
from cosyclone.schema.model_names import ENROLLMENT_MODEL as ENROLLMENT_MODEL

CUSTOMIZATION_PATH = "services/audio/tts/customization"
#: Format of ``gmt_create`` / ``gmt_modified`` (contract §3.4; time zone unstated, read as UTC+8).
GMT_FORMAT = "%Y-%m-%d %H:%M:%S"
SERVICE_TZ = dt.timezone(dt.timedelta(hours=8))

VoiceStatus = Literal["DEPLOYING", "OK", "UNDEPLOYED"]
VOICE_STATUSES: tuple[str, ...] = ("DEPLOYING", "OK", "UNDEPLOYED")


# ----- requests ---------------------------------------------------------------------------------------------


#: ``input.audio`` may carry the sample itself as ``data:audio/…;base64,…``, at most this long (contract §10.2).
DATA_URI_MAX_CHARS = 10 * 1024 * 1024
DATA_URI_PREFIX = "data:"


class _CreateVoiceHead(RequestModel):
    action: Literal["create_voice"] = "create_voice"
    target_model: str
    prefix: str
    url: str | None = None
    audio: str | None = None


# The declared options come after the head on the wire: pydantic orders fields from the last base to the first.
class CreateVoiceInput(CloneWireOptions, _CreateVoiceHead):
    """``create_voice``: the sample as ``url`` (a public/oss URL) or ``audio`` (a URL or a base64 data URI,
    contract §10.2) — one of them, never both — and the declared clone options
    (:class:`~cosyclone.schema.clone_options.CloneWireOptions`)."""

    @property
    def sample(self) -> str:
        """The sample reference sent, whichever field carries it."""
        return self.audio or self.url or ""


class ListVoiceInput(RequestModel):
    action: Literal["list_voice"] = "list_voice"
    prefix: str | None = None
    page_index: int = 0
    page_size: int = 10


class QueryVoiceInput(RequestModel):
    action: Literal["query_voice"] = "query_voice"
    voice_id: str


class UpdateVoiceInput(RequestModel):
    action: Literal["update_voice"] = "update_voice"
    voice_id: str
    url: str


class DeleteVoiceInput(RequestModel):
    action: Literal["delete_voice"] = "delete_voice"
    voice_id: str


EnrollmentInput = Annotated[
    CreateVoiceInput | ListVoiceInput | QueryVoiceInput | UpdateVoiceInput | DeleteVoiceInput,
    Field(discriminator="action"),
]
EnrollmentAction = Literal["create_voice", "list_voice", "query_voice", "update_voice", "delete_voice"]


class EnrollmentRequest(RequestModel):
    """The body of every customization call: ``{"model", "input", "parameters"}``."""

    model: str = ENROLLMENT_MODEL
    input: EnrollmentInput
    # The official SDK always sends it (empty unless constructor kwargs were given).
    parameters: dict[str, Any] = Field(default_factory=dict)

    def to_wire(self) -> dict[str, object]:
        body = super().to_wire()
        body.setdefault("parameters", {})
        return body


# ----- responses --------------------------------------------------------------------------------------------


class Usage(ResponseModel):
    count: int | None = None


class CreateVoiceOutput(ResponseModel):
    voice_id: str


class VoiceSummary(ResponseModel):
    """One entry of ``list_voice``'s ``voice_list``."""

    voice_id: str
    gmt_create: str | None = None
    gmt_modified: str | None = None
    status: str | None = None
    #: A designed voice's description and preview text (contract §11.1); absent for a cloned voice.
    voice_prompt: str | None = None
    preview_text: str | None = None


class ListVoiceOutput(ResponseModel):
    voice_list: list[VoiceSummary] = Field(default_factory=list)


class QueryVoiceOutput(ResponseModel):
    """``query_voice``'s output. The documented example carries no ``voice_id``; some replies may."""

    voice_id: str | None = None
    gmt_create: str | None = None
    gmt_modified: str | None = None
    resource_link: str | None = None
    target_model: str | None = None
    status: str | None = None
    voice_prompt: str | None = None
    preview_text: str | None = None


class EmptyOutput(ResponseModel):
    """``update_voice`` / ``delete_voice`` reply with ``output: {}``."""


OutputT = TypeVar("OutputT", bound=ResponseModel)


class EnrollmentResponse(ResponseModel, Generic[OutputT]):
    """A 200 reply: ``{"request_id", "output", "usage"}``."""

    request_id: str = ""
    output: OutputT
    usage: Usage | None = None


OUTPUT_FOR_ACTION: dict[str, type[ResponseModel]] = {
    "create_voice": CreateVoiceOutput,
    "list_voice": ListVoiceOutput,
    "query_voice": QueryVoiceOutput,
    "update_voice": EmptyOutput,
    "delete_voice": EmptyOutput,
}


def format_gmt(moment: dt.datetime) -> str:
    """Render a moment as the service does (``YYYY-MM-DD HH:MM:SS``, UTC+8)."""
    return moment.astimezone(SERVICE_TZ).strftime(GMT_FORMAT)


def parse_gmt(text: str | None) -> dt.datetime | None:
    """Parse a service timestamp (read as UTC+8) into an aware datetime; ``None`` for missing or odd text."""
    if not text:
        return None
    try:
        # fromisoformat reads "YYYY-MM-DD HH:MM:SS" (and ISO variants) ~50× faster than strptime.
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SERVICE_TZ)


# ----- what a server accepts ---------------------------------------------------------------------------------
# The official SDK merges ``create_voice(**kwargs)`` into ``input`` (e.g. ``enable_preprocess``), so a server
# must accept keys it does not know; these variants ignore them instead of refusing them. Field names and types
# are those of the request models above.

_LENIENT = ConfigDict(extra="ignore", populate_by_name=True)


class ReceivedCreateVoiceInput(CreateVoiceInput):
    model_config = _LENIENT

    @field_validator("enable_volume_normalization", mode="before")
    @classmethod
    def _bool_or_string(cls, value: object) -> object:
        # 3P sends it as the string "true"/"false" (contract §10.3): read both spellings.
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        return value


class ReceivedListVoiceInput(ListVoiceInput):
    model_config = _LENIENT


class ReceivedQueryVoiceInput(QueryVoiceInput):
    model_config = _LENIENT


class ReceivedUpdateVoiceInput(UpdateVoiceInput):
    model_config = _LENIENT


class ReceivedDeleteVoiceInput(DeleteVoiceInput):
    model_config = _LENIENT


class ReceivedEnrollmentRequest(ResponseModel):
    """A customization body as a server reads it: ``input`` is parsed per action (see
    :data:`RECEIVED_INPUT_FOR_ACTION`); unknown top-level keys are kept and ignored."""

    model: str | None = None
    input: dict[str, Any] | None = None
    parameters: dict[str, Any] | None = None


RECEIVED_INPUT_FOR_ACTION: dict[str, type[RequestModel]] = {
    "create_voice": ReceivedCreateVoiceInput,
    "list_voice": ReceivedListVoiceInput,
    "query_voice": ReceivedQueryVoiceInput,
    "update_voice": ReceivedUpdateVoiceInput,
    "delete_voice": ReceivedDeleteVoiceInput,
}
