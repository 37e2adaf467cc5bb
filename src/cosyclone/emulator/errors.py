"""Typed errors of the emulator's backend; the HTTP layer renders each as the DashScope envelope.

Imported by every emulator module that rejects a request (backend, uploads, sample fetching and judging) and by
the handlers that render them. Messages follow the service's wording (contract §3.8, §7).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from cosyclone.schema import errors as codes


class EmulatorApiError(Exception):
    """A refusal the client sees as ``HTTP status`` + ``{"request_id", "code", "message"}``.

    ``detail`` is for people debugging a test: it goes to the ``X-Emulator-Detail`` response header and the log,
    never into the envelope (the real service would not say it).
    """

    def __init__(
        self, status: int, code: str, message: str, *, detail: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}" + (f" ({detail})" if detail else ""))
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail
        self.headers = dict(headers or {})


def invalid_parameter(name: str, *, detail: str | None = None) -> EmulatorApiError:
    """400 ``InvalidParameter`` in the service's words for a missing or malformed field."""
    return EmulatorApiError(
        400,
        codes.INVALID_PARAMETER,
        f"Required parameter({name}) missing or invalid, please check the request parameters.",
        detail=detail,
    )


def model_not_exist(model: str) -> EmulatorApiError:
    return EmulatorApiError(400, codes.INVALID_PARAMETER, "Model not exist.", detail=f"model {model!r}")


def resource_not_exist(voice_id: str) -> EmulatorApiError:
    return EmulatorApiError(
        400, codes.RESOURCE_NOT_EXIST, "The Required resource not exist.", detail=f"voice_id {voice_id!r}"
    )


def allocation_quota(cap: int) -> EmulatorApiError:
    return EmulatorApiError(400, codes.ALLOCATION_QUOTA, f"Your current quota is {cap}")


def invalid_api_key() -> EmulatorApiError:
    return EmulatorApiError(401, codes.INVALID_API_KEY, "Invalid API-key provided.")


def internal_error(message: str = codes.INTERNAL_ERROR_MESSAGE, *, detail: str | None = None) -> EmulatorApiError:
    return EmulatorApiError(500, codes.INTERNAL_ERROR, message, detail=detail)


#: Why a sample download failed (``cosyclone._download.DownloadError.reason``), in words for the message.
_DOWNLOAD_REASONS = {
    "unreachable": "the host cannot be reached",
    "timeout": "the download timed out",
    "http_status": "the server answered an error status",
    "refused_address": "the host is on a private network",
    "bad_url": "it is not a valid http(s) URL",
}


def sample_download_failed(
    url: str, reason: str, *, status: int | None = None, detail: str | None = None
) -> EmulatorApiError:
    """500 ``InternalError`` for a sample URL the service cannot download (contract §3.8 lists an unreachable
    URL among the causes of 500), with a message naming the URL (scheme, host and path: never its query, which
    may carry a signature) and why, so that a client can tell the user what to fix."""
    parts = urlsplit(url)
    where = f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.netloc else url[:80]
    why = _DOWNLOAD_REASONS.get(reason, reason.replace("_", " "))
    if reason == "http_status" and status is not None:
        why = f"the server answered HTTP {status}"
    return internal_error(
        f"The audio file could not be downloaded from {where}: {why}. Check that the URL is publicly reachable.",
        detail=f"sample download failed: {reason}: {detail}",
    )


def data_inspection(*, detail: str | None = None) -> EmulatorApiError:
    """400 for an ``oss://`` URL sent without ``X-DashScope-OssResourceResolve: enable`` (contract §7)."""
    return EmulatorApiError(
        400,
        codes.DATA_INSPECTION,
        "The media format is not supported or incorrect for the data inspection.",
        detail=detail,
    )


def invalid_url(*, detail: str | None = None) -> EmulatorApiError:
    """400 for an ``oss://`` URL that does not resolve (unknown, expired, another account's or model's)."""
    return EmulatorApiError(
        400,
        codes.INVALID_PARAMETER,
        "The provided URL does not appear to be valid. Ensure it is correctly formatted.",
        detail=detail,
    )


def access_denied(message: str, *, detail: str | None = None) -> EmulatorApiError:
    return EmulatorApiError(403, codes.ACCESS_DENIED, message, detail=detail)
