"""Temporary file upload to ``oss://`` (contract §7): the getPolicy reply and the form fields of the upload."""

from __future__ import annotations

from pydantic import Field

from cosyclone.schema.base import RequestModel, ResponseModel

UPLOADS_PATH = "uploads"
OSS_RESOLVE_HEADER = "X-DashScope-OssResourceResolve"
OSS_SCHEME = "oss://"


class UploadPolicy(ResponseModel):
    policy: str
    signature: str
    upload_dir: str
    upload_host: str
    expire_in_seconds: int = 300
    max_file_size_mb: int = 100
    capacity_limit_mb: int | None = None
    oss_access_key_id: str
    x_oss_object_acl: str = "private"
    x_oss_forbid_overwrite: str = "true"


class UploadPolicyResponse(ResponseModel):
    request_id: str = ""
    data: UploadPolicy


class UploadForm(RequestModel):
    """The multipart form of the upload POST (contract §7), fields in the SDK's order; ``file`` goes last."""

    oss_access_key_id: str = Field(alias="OSSAccessKeyId")
    signature: str = Field(alias="Signature")
    policy: str
    key: str
    x_oss_object_acl: str | None = Field(default=None, alias="x-oss-object-acl")
    x_oss_forbid_overwrite: str | None = Field(default=None, alias="x-oss-forbid-overwrite")
    success_action_status: str | None = None
    x_oss_content_type: str | None = Field(default=None, alias="x-oss-content-type")
    file: bytes = b""


def upload_form_fields(policy: UploadPolicy, key: str, content_type: str) -> dict[str, str]:
    """The multipart fields of the upload POST, in the SDK's order (the file goes last, separately)."""
    form = UploadForm(
        oss_access_key_id=policy.oss_access_key_id,
        signature=policy.signature,
        policy=policy.policy,
        key=key,
        x_oss_object_acl=policy.x_oss_object_acl,
        x_oss_forbid_overwrite=policy.x_oss_forbid_overwrite,
        success_action_status="200",
        x_oss_content_type=content_type,
    )
    return {name: str(value) for name, value in form.model_dump(by_alias=True, exclude={"file"}).items()}
