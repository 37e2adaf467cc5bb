"""``cosyclone.__all__`` is the public surface, pinned name by name: adding or removing one is a decision that
changes this list in the same commit."""

from __future__ import annotations

import cosyclone

PUBLIC = [
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


def test_all_is_pinned_exactly() -> None:
    assert cosyclone.__all__ == PUBLIC


def test_every_public_name_resolves() -> None:
    for name in PUBLIC:
        assert getattr(cosyclone, name) is not None, name


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        getattr(cosyclone, "Nonexistent")  # noqa: B009
    except AttributeError as error:
        assert "Nonexistent" in str(error)
    else:
        raise AssertionError("cosyclone.Nonexistent resolved")
