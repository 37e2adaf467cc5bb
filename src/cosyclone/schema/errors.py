"""The DashScope error envelope: ``{"request_id", "code", "message"}`` on any non-200 HTTP reply.

Contract §2 and §3.8. Some services spell ``message`` as ``msg``; both are accepted.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field

from cosyclone.schema.base import ResponseModel


class ErrorEnvelope(ResponseModel):
    """A DashScope error reply body."""

    request_id: str = ""
    code: str = "Unknown"
    message: str = Field(default="", validation_alias=AliasChoices("message", "msg"))


#: Error codes named by the contract (§3.8, §5.4, §7), as constants so that typos are caught by mypy.
INVALID_PARAMETER = "InvalidParameter"
RESOURCE_NOT_EXIST = "BadRequest.ResourceNotExist"
ALLOCATION_QUOTA = "Throttling.AllocationQuota"
UNSUPPORTED_FILE_FORMAT = "BadRequest.UnsupportedFileFormat"
AUDIO_SHORT = "Audio.AudioShortError"
AUDIO_SILENT = "Audio.AudioSilentError"
AUDIO_DECODER = "Audio.DecoderError"
AUDIO_RATE = "Audio.AudioRateError"
AUDIO_FILE_SIZE = "Audio.FileSizeExceed"
INTERNAL_ERROR = "InternalError"
INVALID_API_KEY = "InvalidApiKey"
ACCESS_DENIED = "AccessDenied"
THROTTLING = "Throttling"
THROTTLING_RATE = "Throttling.RateQuota"
#: Every ``Audio.*`` code is a sample the service rejected (the ones above and any new one).
AUDIO_PREFIX = "Audio."
#: The gateway's spelling of a refused key (seen beside ``InvalidApiKey``).
NOT_AUTHORIZED = "NOT AUTHORIZED"
#: The engine code inside the message of a voice the model cannot use (contract §4, §5.4).
ENGINE_418 = "418"
CLIENT_ERROR = "CLIENT_ERROR"
#: ``oss://`` URL used without the ``X-DashScope-OssResourceResolve: enable`` header (contract §7).
DATA_INSPECTION = "InvalidParameter.DataInspection"
#: The service's generic 500 message (contract §3.8, spelling as the service has it).
INTERNAL_ERROR_MESSAGE = "An internal error has occured, please try again later or contact service support."
#: The 500 message for samples the audio preprocessing rejects (e.g. longer than 60 s).
AUDIO_PREPROCESS_ERROR_MESSAGE = "audio preprocess server error"
