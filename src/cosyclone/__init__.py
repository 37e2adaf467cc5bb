"""cosyclone: clone a voice with Alibaba Cloud Model Studio CosyVoice and speak with it.

The public surface is exactly ``__all__``; everything else is private and may change.
"""

from cosyclone._exceptions import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    CosycloneError,
    InternalServerError,
    InvalidRequestError,
    MissingAPIKeyError,
    ModelMismatchError,
    NotFoundError,
    Problem,
    RateLimitError,
    SamplePreflightError,
    SampleRejectedError,
    SynthesisFailedError,
    VoiceNotReadyError,
    VoiceQuotaExceededError,
    VoiceRejectedError,
)
from cosyclone._version import __version__
from cosyclone.schema.clone import VoiceCloneRequest, VoiceCloneResponse
from cosyclone.voice_clone import PreparedClone, prepare_clone

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "CosycloneError",
    "InternalServerError",
    "InvalidRequestError",
    "MissingAPIKeyError",
    "ModelMismatchError",
    "NotFoundError",
    "PreparedClone",
    "Problem",
    "RateLimitError",
    "SamplePreflightError",
    "SampleRejectedError",
    "SynthesisFailedError",
    "VoiceCloneRequest",
    "VoiceCloneResponse",
    "VoiceNotReadyError",
    "VoiceQuotaExceededError",
    "VoiceRejectedError",
    "__version__",
    "prepare_clone",
]
