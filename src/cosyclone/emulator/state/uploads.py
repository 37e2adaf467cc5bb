"""Temporary uploads (contract §7): upload policies, their verification, and the ``oss://`` objects they make.

The emulator plays both DashScope (``GET /api/v1/uploads?action=getPolicy``) and the OSS bucket the policy lets
a client POST to (``POST /_emulator/oss``, the ``upload_host``). Policies are OSS-style: a base64 JSON document
(expiry + conditions) signed with HMAC-SHA1 under a per-process secret, so verification needs no state. The
tenant and model a policy was issued to are signed conditions of the policy, and every object uploaded with it
is bound to them: an ``oss://`` URL resolves only for the same tenant, only for a call whose ``model`` is the one
named at getPolicy, and only for 48 h.

Errors of the upload endpoint are OSS-style XML bodies (as the real bucket sends), not DashScope envelopes.

Imported by the backend (state) and the HTTP handlers (form verification). No I/O.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import posixpath
import secrets
import uuid
from dataclasses import asdict, dataclass
from typing import Any
from xml.sax.saxutils import escape

from cosyclone.schema.uploads import UploadPolicy

ACCESS_KEY_ID = "LTAI5tEmulatorAccessKey"
BUCKET = "dashscope-emulator"
UPLOAD_DIR_ROOT = "dashscope-instant"
_TENANT_CONDITION = "x-emulator-tenant"
_MODEL_CONDITION = "x-emulator-model"


class UploadRefused(Exception):
    """The upload POST is refused; rendered as an OSS XML error with this HTTP status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class PolicyGrant:
    """What a verified policy allows: uploads under ``upload_dir`` for this tenant and model."""

    tenant: str
    model: str
    upload_dir: str
    max_bytes: int


@dataclass
class UploadedObject:
    """One uploaded file, reachable as ``oss://{key}`` until ``expires_at`` (Unix seconds)."""

    key: str
    tenant: str
    model: str
    blob: str
    size: int
    content_type: str
    uploaded_at: float
    expires_at: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> UploadedObject:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


class UploadSigner:
    """Issues and verifies upload policies (HMAC-SHA1 over the base64 policy, as OSS does)."""

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret or secrets.token_bytes(32)

    def issue(
        self,
        *,
        tenant: str,
        model: str,
        upload_host: str,
        now: float,
        ttl_s: int,
        max_file_size_mb: int,
        capacity_limit_mb: int,
    ) -> UploadPolicy:
        day = dt.datetime.fromtimestamp(now, dt.timezone.utc).strftime("%Y-%m-%d")
        upload_dir = f"{UPLOAD_DIR_ROOT}/{tenant}/{day}/{uuid.uuid4()}"
        expiration = dt.datetime.fromtimestamp(now + ttl_s, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        document = {
            "expiration": expiration,
            "conditions": [
                {"bucket": BUCKET},
                ["starts-with", "$key", upload_dir + "/"],
                ["content-length-range", 0, max_file_size_mb * 1024 * 1024],
                {_TENANT_CONDITION: tenant},
                {_MODEL_CONDITION: model},
            ],
        }
        policy = base64.b64encode(json.dumps(document, separators=(",", ":")).encode()).decode()
        return UploadPolicy(
            policy=policy,
            signature=self._sign(policy),
            upload_dir=upload_dir,
            upload_host=upload_host,
            expire_in_seconds=ttl_s,
            max_file_size_mb=max_file_size_mb,
            capacity_limit_mb=capacity_limit_mb,
            oss_access_key_id=ACCESS_KEY_ID,
            x_oss_object_acl="private",
            x_oss_forbid_overwrite="true",
        )

    def verify(self, fields: dict[str, str], *, now: float) -> tuple[PolicyGrant, str]:
        """Check the form fields of an upload POST; returns the grant and the object key. Raises UploadRefused."""
        policy = fields.get("policy", "")
        if not policy or fields.get("OSSAccessKeyId") != ACCESS_KEY_ID:
            raise UploadRefused(403, "InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist.")
        if not hmac.compare_digest(fields.get("Signature", ""), self._sign(policy)):
            raise UploadRefused(
                403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature."
            )
        try:
            document = json.loads(base64.b64decode(policy))
            expiration = dt.datetime.strptime(document["expiration"], "%Y-%m-%dT%H:%M:%S.000Z")
            conditions = document["conditions"]
        except (ValueError, KeyError, TypeError) as error:
            raise UploadRefused(400, "InvalidPolicyDocument", "Invalid Policy.") from error
        if expiration.replace(tzinfo=dt.timezone.utc).timestamp() < now:
            raise UploadRefused(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
        grant = _grant_from(conditions)
        key = fields.get("key", "")
        name = key[len(grant.upload_dir) + 1 :] if key.startswith(grant.upload_dir + "/") else ""
        if not name or "/" in name or posixpath.normpath(key) != key or name in (".", ".."):
            raise UploadRefused(403, "AccessDenied", "Invalid according to Policy: Policy Condition failed: key")
        return grant, key

    def _sign(self, policy: str) -> str:
        digest = hmac.new(self._secret, policy.encode(), hashlib.sha1).digest()
        return base64.b64encode(digest).decode()


def _grant_from(conditions: list[Any]) -> PolicyGrant:
    tenant = model = upload_dir = ""
    max_bytes = 0
    for condition in conditions:
        if isinstance(condition, dict):
            tenant = condition.get(_TENANT_CONDITION, tenant)
            model = condition.get(_MODEL_CONDITION, model)
        elif isinstance(condition, list) and condition[:2] == ["starts-with", "$key"]:
            upload_dir = str(condition[2]).rstrip("/")
        elif isinstance(condition, list) and condition[:1] == ["content-length-range"]:
            max_bytes = int(condition[2])
    if not (tenant and model and upload_dir and max_bytes):
        raise UploadRefused(400, "InvalidPolicyDocument", "Invalid Policy.")
    return PolicyGrant(tenant=tenant, model=model, upload_dir=upload_dir, max_bytes=max_bytes)


def oss_error_xml(code: str, message: str, request_id: str) -> str:
    """An OSS error body."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n'
        f"  <Code>{escape(code)}</Code>\n  <Message>{escape(message)}</Message>\n"
        f"  <RequestId>{escape(request_id)}</RequestId>\n  <HostId>{BUCKET}</HostId>\n</Error>\n"
    )
