"""The backend's accounts, results and steering: who a key is, synthesized audio kept for download, and what the
control plane and tests do to a running emulator (reset, seed a voice, force a status, read settings and state).

Imported by the backend.
"""

from __future__ import annotations

import uuid
from typing import Any

from cosyclone import catalog
from cosyclone.emulator import errors
from cosyclone.emulator.state import lifecycle
from cosyclone.emulator.state.accounts import bearer_key, key_accepted, tenant_id
from cosyclone.emulator.state.lifecycle import StoredVoice
from cosyclone.emulator.state.results import StoredResult
from cosyclone.emulator.state.voices import VoiceRules
from cosyclone.schema.uploads import OSS_SCHEME


class Steering(VoiceRules):
    """Accounts, results, and the control plane's levers."""

    # ----- accounts ----------------------------------------------------------------------------------------

    def authenticate(self, authorization: str | None) -> str | None:
        """The tenant id for an ``Authorization`` header value, or None if the key is refused."""
        key = bearer_key(authorization)
        if key is None or not key_accepted(key, self.config.keys):
            return None
        return tenant_id(key)

    def require_tenant(self, authorization: str | None) -> str:
        """Like :meth:`authenticate`, raising 401 ``InvalidApiKey`` when refused."""
        tenant = self.authenticate(authorization)
        if tenant is None:
            raise errors.invalid_api_key()
        return tenant

    @staticmethod
    def tenant_of_key(api_key: str) -> str:
        """The tenant id of a key (for steering: seeding voices, resetting one tenant)."""
        return tenant_id(api_key)

    # ----- results -----------------------------------------------------------------------------------------

    def store_result(self, tenant: str, data: bytes, suffix: str) -> str:
        return self._results.put(tenant, data, suffix, expires_at=self.clock() + self.config.result_ttl_s)

    def get_result(self, name: str) -> StoredResult | None:
        return self._results.get(name, now=self.clock())

    # ----- steering ----------------------------------------------------------------------------------------

    def reset(self, *, api_key: str | None = None, tenant: str | None = None) -> None:
        """Forget one tenant's voices, uploads and results (by key or tenant id), or everything — then also the
        armed faults, the runtime settings (back to the start-up values) and a replaced ``clock``."""
        if api_key is not None:
            tenant = tenant_id(api_key)
        with self._state(write=True):
            if tenant is None:
                self._voices.clear()
                self._objects.clear()
                self._storage.clear_blobs()
                self._results.clear()
                self.faults.clear()
                self.ready_delay_s = self.config.ready_delay_s
                self.voice_quota = self.config.voice_quota
                self.idle_timeout_s = self.config.idle_timeout_s
                self.sentence_latency_s = self.config.sentence_latency_s
                self.clock = self._initial_clock
            else:
                self._voices.pop(tenant, None)
                for key in [k for k, o in self._objects.items() if o.tenant == tenant]:
                    self._drop_object(key)
                self._results.clear(tenant)

    def seed_voice(
        self,
        tenant: str,
        *,
        target_model: str = catalog.DEFAULT_TARGET_MODEL,
        prefix: str = "seed",
        voice_id: str | None = None,
        status: str = lifecycle.OK,
        f0_hz: float | None = None,
        resource_link: str = "https://example.invalid/seed.wav",
        created_at: float | None = None,
        ready_in_s: float | None = None,
    ) -> StoredVoice:
        """Put a voice in place without a sample (``status`` forced; DEPLOYING + ``ready_in_s`` matures)."""
        now = self.clock()
        created = now if created_at is None else created_at
        with self._state(write=True):
            self._serial += 1
            record = StoredVoice(
                voice_id=voice_id or f"{target_model}-{prefix}-{uuid.uuid4().hex}",
                target_model=target_model,
                prefix=prefix,
                resource_link=resource_link,
                created_at=created,
                modified_at=created,
                ready_at=created,
                f0_hz=f0_hz,
                serial=self._serial,
            )
            if status != lifecycle.OK or ready_in_s is not None:
                record.force(status, now=now, ready_in_s=ready_in_s)
            self._voices.setdefault(tenant, {})[record.voice_id] = record
        return record

    def set_voice_status(
        self, voice_id: str, status: str, *, ready_in_s: float | None = None, tenant: str | None = None
    ) -> StoredVoice:
        """Force a voice's status (of ``tenant``, or of whichever tenant has it). Raises KeyError if none has it,
        ValueError if the status is not one of the service's."""
        with self._state(write=True):
            for owner, voices in self._voices.items():
                if voice_id in voices and tenant in (None, owner):
                    voices[voice_id].force(status, now=self.clock(), ready_in_s=ready_in_s)
                    return voices[voice_id]
        raise KeyError(voice_id)

    def settings(self) -> dict[str, Any]:
        from cosyclone.emulator.voice.engines import speech_languages

        return {
            "ready_delay_s": self.ready_delay_s,
            "voice_quota": self.voice_quota,
            "idle_timeout_s": self.idle_timeout_s,
            "sentence_latency_s": self.sentence_latency_s,
            "allow_private_urls": self.config.allow_private_urls,
            "keys_restricted": self.config.keys is not None,
            "persistent": self._storage.persistent,
            "voice_engine": self.voice_engine,
            "speech_languages": speech_languages(self.voice_engine),
        }

    def snapshot(self) -> dict[str, Any]:
        """Everything the emulator holds, JSON-ready (tenant ids, never keys; no sample or upload bytes)."""
        now = self.clock()
        with self._state():
            tenants: dict[str, Any] = {}
            for tenant, voices in self._voices.items():
                tenants.setdefault(tenant, {"voices": [], "uploads": []})["voices"] = [
                    {**v.to_dict(), "status": v.status_at(now)} for v in voices.values()
                ]
            for obj in self._objects.values():
                tenants.setdefault(obj.tenant, {"voices": [], "uploads": []})["uploads"].append(
                    {"url": OSS_SCHEME + obj.key, "model": obj.model, "size": obj.size, "expires_at": obj.expires_at}
                )
            return {
                "settings": self.settings(),
                "tenants": tenants,
                "results": self._results.count(),
                "faults": [f.model_dump(mode="json") for f in self.faults.pending()],
            }
