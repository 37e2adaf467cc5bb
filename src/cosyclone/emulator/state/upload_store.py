"""The backend's temporary uploads (contract §7): upload policies, the uploaded ``oss://`` objects, and resolving
an ``oss://`` URL for the tenant and model it was uploaded for. The policy signing and the object record live in
:mod:`cosyclone.emulator.state.uploads`.

Imported by the backend's later parts (voices) and the backend.
"""

from __future__ import annotations

from typing import Any

from cosyclone.emulator import errors
from cosyclone.emulator.config import UPLOAD_CAPACITY_LIMIT_MB, UPLOAD_MAX_FILE_SIZE_MB
from cosyclone.emulator.state.bindings import BindingRules
from cosyclone.emulator.state.uploads import UploadedObject, UploadRefused
from cosyclone.schema.uploads import OSS_SCHEME, UploadPolicy


class UploadRules(BindingRules):
    """``getPolicy``, the upload form's POST, and ``oss://`` resolution."""

    def issue_policy(self, tenant: str, model: str, *, upload_host: str) -> UploadPolicy:
        """``getPolicy``: a 300 s policy to upload files bound to this tenant and model."""
        if not model:
            raise errors.invalid_parameter("model")
        return self._signer.issue(
            tenant=tenant,
            model=model,
            upload_host=upload_host,
            now=self.clock(),
            ttl_s=self.config.policy_ttl_s,
            max_file_size_mb=UPLOAD_MAX_FILE_SIZE_MB,
            capacity_limit_mb=UPLOAD_CAPACITY_LIMIT_MB,
        )

    def store_upload(self, fields: dict[str, str], data: bytes, *, content_type: str) -> UploadedObject:
        """The upload POST: verify the policy fields, then keep the file as ``oss://{key}``. Raises UploadRefused."""
        now = self.clock()
        grant, key = self._signer.verify(fields, now=now)
        if len(data) > grant.max_bytes:
            raise UploadRefused(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.")
        with self._state(write=True):
            self._purge_expired_objects(now)
            existing = self._objects.get(key)
            if existing is not None and fields.get("x-oss-forbid-overwrite", "false").lower() == "true":
                raise UploadRefused(
                    409, "FileAlreadyExists", "The object you specified already exists and can not be overwritten."
                )
            obj = UploadedObject(
                key=key,
                tenant=grant.tenant,
                model=grant.model,
                blob=self._storage.put_blob(data),
                size=len(data),
                content_type=fields.get("x-oss-content-type") or content_type or "application/octet-stream",
                uploaded_at=now,
                expires_at=now + self.config.upload_ttl_s,
            )
            self._objects[key] = obj
        return obj

    def resolve_oss(self, tenant: str, url: str, *, model: str) -> bytes:
        """The bytes of an ``oss://`` URL this tenant uploaded for this model and that has not expired."""
        key = url[len(OSS_SCHEME) :]
        now = self.clock()
        with self._state():
            obj = self._objects.get(key)
            if obj is None or obj.tenant != tenant:
                raise errors.invalid_url(detail="no such oss:// object for this API key")
            if obj.expires_at <= now:
                raise errors.invalid_url(detail="the oss:// URL has expired (48 h)")
            if obj.model != model:
                raise errors.invalid_url(detail=f"uploaded for model {obj.model!r}, used with {model!r}")
            data = self._storage.get_blob(obj.blob)
        if data is None:
            raise errors.invalid_url(detail="object data missing from the data directory")
        return data

    def _purge_expired_objects(self, now: float) -> None:
        for key in [k for k, o in self._objects.items() if o.expires_at <= now]:
            self._drop_object(key)

    def _drop_object(self, key: str) -> None:
        obj = self._objects.pop(key)
        self._release_sample(obj.blob)

    def _dump_state(self) -> dict[str, Any]:
        return {**super()._dump_state(), "objects": [o.to_dict() for o in self._objects.values()]}

    def _restore_state(self, state: dict[str, Any]) -> None:
        super()._restore_state(state)
        for data in state.get("objects", []):
            obj = UploadedObject.from_dict(data)
            self._objects[obj.key] = obj
