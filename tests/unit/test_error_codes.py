"""Guard (httpx's test_exceptions habit): every error code declared in schema/errors.py maps to the exception
class for its meaning, and a newly declared code cannot be left unmapped."""

from __future__ import annotations

import pytest

from cosyclone import _exceptions as exc
from cosyclone.schema import errors as codes

#: Constants of schema/errors.py that are not codes.
NOT_CODES = {"INTERNAL_ERROR_MESSAGE", "AUDIO_PREPROCESS_ERROR_MESSAGE", "AUDIO_PREFIX", "ENGINE_418"}
DECLARED = {
    name: value
    for name, value in vars(codes).items()
    if name.isupper() and isinstance(value, str) and name not in NOT_CODES
}
#: The class each code means on an HTTP 400 reply and in a WebSocket task-failed (status None).
EXPECTED: dict[str, tuple[type[exc.APIStatusError], type[exc.APIStatusError]]] = {
    codes.INVALID_PARAMETER: (exc.BadRequestError, exc.SynthesisFailedError),
    codes.RESOURCE_NOT_EXIST: (exc.NotFoundError, exc.NotFoundError),
    codes.ALLOCATION_QUOTA: (exc.VoiceQuotaExceededError, exc.VoiceQuotaExceededError),
    codes.UNSUPPORTED_FILE_FORMAT: (exc.SampleRejectedError, exc.SampleRejectedError),
    codes.AUDIO_SHORT: (exc.SampleRejectedError, exc.SampleRejectedError),
    codes.AUDIO_SILENT: (exc.SampleRejectedError, exc.SampleRejectedError),
    codes.AUDIO_DECODER: (exc.SampleRejectedError, exc.SampleRejectedError),
    codes.AUDIO_RATE: (exc.SampleRejectedError, exc.SampleRejectedError),
    codes.AUDIO_FILE_SIZE: (exc.SampleRejectedError, exc.SampleRejectedError),
    codes.INTERNAL_ERROR: (exc.BadRequestError, exc.SynthesisFailedError),
    codes.INVALID_API_KEY: (exc.AuthenticationError, exc.AuthenticationError),
    codes.NOT_AUTHORIZED: (exc.AuthenticationError, exc.AuthenticationError),
    codes.ACCESS_DENIED: (exc.AuthenticationError, exc.AuthenticationError),
    codes.THROTTLING: (exc.RateLimitError, exc.RateLimitError),
    codes.THROTTLING_RATE: (exc.RateLimitError, exc.RateLimitError),
    codes.CLIENT_ERROR: (exc.BadRequestError, exc.SynthesisFailedError),
    codes.DATA_INSPECTION: (exc.BadRequestError, exc.SynthesisFailedError),
}


def test_every_declared_code_has_an_expected_class() -> None:
    assert set(DECLARED.values()) == set(EXPECTED)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_code_maps_to_its_class(code: str) -> None:
    on_http, on_websocket = EXPECTED[code]
    assert type(exc.error_for(status_code=400, code=code, message="m")) is on_http
    assert type(exc.error_for(status_code=None, code=code, message="m")) is on_websocket


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_every_code_is_mapped_by_code_or_declared_status_driven(code: str) -> None:
    by_code = exc._class_for_code(code)
    assert by_code is not None or code in exc.STATUS_CODES


def test_status_decides_for_status_driven_codes() -> None:
    assert type(exc.error_for(status_code=500, code=codes.INTERNAL_ERROR, message="m")) is exc.InternalServerError
    assert type(exc.error_for(status_code=429, code=codes.INVALID_PARAMETER, message="m")) is exc.RateLimitError


def test_engine_418_is_a_model_mismatch_whatever_the_code() -> None:
    error = exc.error_for(
        status_code=400, code=codes.INVALID_PARAMETER, message="[cosyvoice:]Engine return error code: 418"
    )
    assert isinstance(error, exc.ModelMismatchError)
