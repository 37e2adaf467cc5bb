"""``client.uploads``: a local file → a temporary ``oss://`` URL (getPolicy, then a form POST), contract §7; or
→ a ``data:audio/…;base64,`` URI that ``create_voice`` takes inline as ``input.audio`` (§10.2)."""

from __future__ import annotations

import base64
import datetime as dt
import mimetypes
import os
from pathlib import Path

from cosyclone._exceptions import APIStatusError, InvalidRequestError, Problem
from cosyclone.client._steps import Call, Flow, drive_async, drive_sync, repeat_flow
from cosyclone.client._transport import AsyncTransport, SyncTransport
from cosyclone.client.types import UploadedFile
from cosyclone.schema.enrollment import DATA_URI_MAX_CHARS, ENROLLMENT_MODEL
from cosyclone.schema.uploads import OSS_SCHEME, UPLOADS_PATH, UploadPolicyResponse, upload_form_fields

#: How long an ``oss://`` URL stays valid (contract §7).
OSS_URL_LIFETIME = dt.timedelta(hours=48)


def read_upload(path: str | os.PathLike[str]) -> tuple[str, bytes]:
    """Read a local file for upload, or raise InvalidRequestError naming it."""
    file = Path(path)
    try:
        return file.name, file.read_bytes()
    except FileNotFoundError:
        raise InvalidRequestError([Problem("sample", str(path), "no such file")]) from None
    except OSError as error:
        raise InvalidRequestError([Problem("sample", str(path), f"cannot be read: {error.strerror}")]) from None


#: The MIME types a data URI may name (contract §10.2: wav, mpeg, mp4), by file extension.
DATA_URI_MIME_TYPES = {".wav": "audio/wav", ".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".mp4": "audio/mp4"}


def data_uri(name: str, data: bytes) -> str | None:
    """``data:audio/…;base64,…`` for a sample, or ``None`` when it would exceed the 10 MB the service takes
    (contract §10.2). An extension we cannot name is sent as ``audio/wav`` (the service judges the real codec)."""
    if (len(data) + 2) // 3 * 4 + 40 > DATA_URI_MAX_CHARS:
        return None
    mime = DATA_URI_MIME_TYPES.get(Path(name).suffix.lower(), "audio/wav")
    uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return uri if len(uri) <= DATA_URI_MAX_CHARS else None


def _already_stored(error: Exception) -> bool:
    return isinstance(error, APIStatusError) and error.status_code == 409


def upload_flow(name: str, data: bytes, *, model: str = ENROLLMENT_MODEL, max_retries: int) -> Flow[UploadedFile]:
    reply = yield Call("GET", UPLOADS_PATH, params={"action": "getPolicy", "model": model})
    policy_reply = UploadPolicyResponse.model_validate(reply)
    policy = policy_reply.data
    limit = policy.max_file_size_mb * 1024 * 1024
    if len(data) > limit:
        raise InvalidRequestError(
            [Problem("sample", name, f"is larger than the upload limit of {policy.max_file_size_mb} MB")]
        )
    key = f"{policy.upload_dir.rstrip('/')}/{name}"
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    post = Call(
        "POST",
        absolute_url=policy.upload_host,
        data=upload_form_fields(policy, key, content_type),
        files={"file": (name, data, content_type)},
        authenticated=False,
        retry="none",
        expect_json=False,
    )
    # x-oss-forbid-overwrite: a repeat after a lost reply finds the object stored (409), which is success.
    yield from repeat_flow(post, max_retries=max_retries, took_effect=_already_stored)
    return UploadedFile(
        url=f"{OSS_SCHEME}{key}",
        key=key,
        expires_at=dt.datetime.now(dt.timezone.utc) + OSS_URL_LIFETIME,
        size_bytes=len(data),
        request_id=policy_reply.request_id,
    )


class Uploads:
    def __init__(self, transport: SyncTransport) -> None:
        self._transport = transport

    def upload(self, path: str | os.PathLike[str], *, model: str = ENROLLMENT_MODEL) -> UploadedFile:
        """Upload a local file to temporary storage; returns its ``oss://`` URL (valid 48 h).

        Raises:
            InvalidRequestError: the file is missing, unreadable or too large.
            APIError: the service refused or could not be reached.
        """
        name, data = read_upload(path)
        return drive_sync(
            upload_flow(name, data, model=model, max_retries=self._transport.max_retries), self._transport
        )


class AsyncUploads:
    def __init__(self, transport: AsyncTransport) -> None:
        self._transport = transport

    async def upload(self, path: str | os.PathLike[str], *, model: str = ENROLLMENT_MODEL) -> UploadedFile:
        """Async twin of :meth:`Uploads.upload`."""
        name, data = read_upload(path)
        return await drive_async(
            upload_flow(name, data, model=model, max_retries=self._transport.max_retries), self._transport
        )
