"""The error codes and messages of the DashScope APIs, as constants (so that typos are caught by mypy).

Plain strings, no pydantic and no imports of ours: :mod:`cosyclone._exceptions` maps them to the error tree
and must stay importable without loading the wire models (``import cosyclone`` and ``cosyclone --help`` stay
fast). :mod:`cosyclone.schema.errors` re-exports every name beside the wire model of the error envelope.
Who may import it: anyone.
"""

from __future__ import annotations

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

__all__ = [
    "ACCESS_DENIED",
    "ALLOCATION_QUOTA",
    "AUDIO_DECODER",
    "AUDIO_FILE_SIZE",
    "AUDIO_PREFIX",
    "AUDIO_PREPROCESS_ERROR_MESSAGE",
    "AUDIO_RATE",
    "AUDIO_SHORT",
    "AUDIO_SILENT",
    "CLIENT_ERROR",
    "DATA_INSPECTION",
    "ENGINE_418",
    "INTERNAL_ERROR",
    "INTERNAL_ERROR_MESSAGE",
    "INVALID_API_KEY",
    "INVALID_PARAMETER",
    "NOT_AUTHORIZED",
    "RESOURCE_NOT_EXIST",
    "THROTTLING",
    "THROTTLING_RATE",
    "UNSUPPORTED_FILE_FORMAT",
]
