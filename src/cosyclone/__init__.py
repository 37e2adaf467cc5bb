"""cosyclone: clone a voice with Alibaba Cloud Model Studio CosyVoice and speak with it.

The public surface is exactly ``__all__``; everything else is private and may change. The error tree is
imported at once (it is light); the rest loads on first use, so ``import cosyclone`` (and the CLI's start-up)
does not pay for pydantic, httpx or numpy until they are needed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from cosyclone._exceptions import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConsentRefusedError,
    CosycloneError,
    InternalServerError,
    InvalidRequestError,
    MissingAPIKeyError,
    ModelMismatchError,
    NotFoundError,
    Problem,
    RateLimitError,
    RegistryDamagedError,
    ResultNotWrittenError,
    SamplePreflightError,
    SampleRejectedError,
    SynthesisFailedError,
    VoiceNotReadyError,
    VoiceQuotaExceededError,
    VoiceRejectedError,
    VoiceUnavailableError,
)
from cosyclone._version import __version__

if TYPE_CHECKING:
    from cosyclone.audio.preflight import PreflightReport, check_sample
    from cosyclone.client import AsyncClient, Client, CreatedVoice, Voice
    from cosyclone.client.design import DesignedVoice
    from cosyclone.client.speech import SpeechResult
    from cosyclone.ops.consent import verify_consent
    from cosyclone.ops.enrollment import CloneOutcome, clone_voice
    from cosyclone.quality.consent import ConsentVerdict
    from cosyclone.registry import VoiceRegistry
    from cosyclone.schema.clone import VoiceCloneRequest, VoiceCloneResponse
    from cosyclone.schema.design import DesignOptions
    from cosyclone.voice_clone import PreparedClone, prepare_clone

_LAZY = {
    "AsyncClient": "cosyclone.client",
    "Client": "cosyclone.client",
    "CloneOutcome": "cosyclone.ops.enrollment",
    "ConsentVerdict": "cosyclone.quality.consent",
    "CreatedVoice": "cosyclone.client",
    "DesignOptions": "cosyclone.schema.design",
    "DesignedVoice": "cosyclone.client.design",
    "PreflightReport": "cosyclone.audio.preflight",
    "PreparedClone": "cosyclone.voice_clone",
    "SpeechResult": "cosyclone.client.speech",
    "Voice": "cosyclone.client",
    "VoiceCloneRequest": "cosyclone.schema.clone",
    "VoiceCloneResponse": "cosyclone.schema.clone",
    "VoiceRegistry": "cosyclone.registry",
    "check_sample": "cosyclone.audio.preflight",
    "clone_voice": "cosyclone.ops.enrollment",
    "prepare_clone": "cosyclone.voice_clone",
    "verify_consent": "cosyclone.ops.consent",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cosyclone' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncClient",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "CloneOutcome",
    "ConfigurationError",
    "ConsentRefusedError",
    "ConsentVerdict",
    "CosycloneError",
    "CreatedVoice",
    "DesignOptions",
    "DesignedVoice",
    "InternalServerError",
    "InvalidRequestError",
    "MissingAPIKeyError",
    "ModelMismatchError",
    "NotFoundError",
    "PreflightReport",
    "PreparedClone",
    "Problem",
    "RateLimitError",
    "RegistryDamagedError",
    "ResultNotWrittenError",
    "SamplePreflightError",
    "SampleRejectedError",
    "SpeechResult",
    "SynthesisFailedError",
    "Voice",
    "VoiceCloneRequest",
    "VoiceCloneResponse",
    "VoiceNotReadyError",
    "VoiceQuotaExceededError",
    "VoiceRegistry",
    "VoiceRejectedError",
    "VoiceUnavailableError",
    "__version__",
    "check_sample",
    "clone_voice",
    "prepare_clone",
    "verify_consent",
]
