"""Temporary file upload to ``oss://`` (contract §7): the getPolicy reply and the form fields of the upload."""

from __future__ import annotations

from cosyclone.schema.base import ResponseModel

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


def upload_form_fields(policy: UploadPolicy, key: str, content_type: str) -> dict[str, str]:
    """The multipart fields of the upload POST, in the SDK's order (the file goes last, separately)."""
    return {
        "OSSAccessKeyId": policy.oss_access_key_id,
        "Signature": policy.signature,
        "policy": policy.policy,
        "key": key,
        "x-oss-object-acl": policy.x_oss_object_acl,
        "x-oss-forbid-overwrite": policy.x_oss_forbid_overwrite,
        "success_action_status": "200",
        "x-oss-content-type": content_type,
    }
