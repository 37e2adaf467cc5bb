"""The emulator's backend: accounts, voices, uploads and results, the service's rules, and typed errors.

Every API key is a tenant of its own; its voices and uploads are invisible to other keys. State lives in memory,
or under ``--data-dir`` (see :mod:`cosyclone.emulator.state.storage`), saved after every change. Methods are
thread-safe: the HTTP handlers call the slow ones (sample download and judging) from worker threads, and tests
steer the same object in-process (``EmulatorServer.backend``) while uvicorn serves from its own thread. With the
speech engine, the binding of a sample to an engine voice runs in one background worker
(:mod:`cosyclone.emulator.voice.binding_jobs`, cached by the sample's sha256): create and update answer at once and the
voice stays ``DEPLOYING`` until bound; :meth:`EmulatorBackend.close` (called by ``EmulatorServer.stop``) joins it.

Rules refuse with :class:`cosyclone.emulator.errors.EmulatorApiError`, which the handlers render as the
DashScope envelope. Implements :class:`cosyclone.emulator.ports.SynthesisBackend` for the synthesis handlers.

Imported by the app, handlers, control plane and server runner.
"""

from __future__ import annotations

import datetime as dt
import logging
import posixpath
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from cosyclone import catalog
from cosyclone.emulator import errors
from cosyclone.emulator.config import UPLOAD_CAPACITY_LIMIT_MB, UPLOAD_MAX_FILE_SIZE_MB, EmulatorConfig
from cosyclone.emulator.faults import FaultPlan
from cosyclone.emulator.state import lifecycle, sample_judge
from cosyclone.emulator.state.accounts import bearer_key, key_accepted, tenant_id
from cosyclone.emulator.state.data_uri import decode_data_uri, is_data_uri
from cosyclone.emulator.state.lifecycle import StoredVoice, VoiceSnapshot
from cosyclone.emulator.state.results import ResultStore, StoredResult
from cosyclone.emulator.state.sample_fetch import SampleFetchError, fetch_sample
from cosyclone.emulator.state.sample_judge import judge_sample
from cosyclone.emulator.state.storage import Storage
from cosyclone.emulator.state.uploads import UploadedObject, UploadRefused, UploadSigner
from cosyclone.emulator.voice.binding_jobs import BindingJobs, sample_hash
from cosyclone.emulator.voice.engine_choice import SPEECH, EngineContext, choose_engine
from cosyclone.schema.clone import MAX_PROMPT_AUDIO_LENGTH_RANGE_S, PREFIX_MAX_LENGTH, PREFIX_PATTERN
from cosyclone.schema.enrollment import (
    QueryVoiceOutput,
    ReceivedCreateVoiceInput,
    ReceivedListVoiceInput,
    VoiceSummary,
    format_gmt,
)
from cosyclone.schema.uploads import OSS_SCHEME, UploadPolicy

log = logging.getLogger(__name__)


class EmulatorBackend:
    """State and rules of one emulator instance. ``config`` holds the start-up settings; the runtime knobs
    (``ready_delay_s``, ``voice_quota``, ``idle_timeout_s``, ``sentence_latency_s``) are plain attributes that
    tests may set, and :meth:`reset` puts back."""

    def __init__(self, config: EmulatorConfig | None = None, *, clock: Callable[[], float] = time.time) -> None:
        self.config = config or EmulatorConfig()
        self.clock = clock
        self._initial_clock = clock
        self.faults = FaultPlan()
        self.ready_delay_s = self.config.ready_delay_s
        self.voice_quota = self.config.voice_quota
        self.idle_timeout_s = self.config.idle_timeout_s
        self.sentence_latency_s = self.config.sentence_latency_s
        self._lock = threading.RLock()
        self._storage = Storage(self.config.data_dir)
        self._voices: dict[str, dict[str, StoredVoice]] = {}
        self._objects: dict[str, UploadedObject] = {}
        self._results = ResultStore()
        self._signer = UploadSigner()
        self._serial = 0
        #: The voice engine (``speech`` or ``formant``) and the note to show when speech was wanted but missing.
        self.voice_engine, self.voice_engine_note = choose_engine(self.config.voice_engine)
        self.engine_context = EngineContext(self.voice_engine, self.voice_print)
        #: Speech-engine bindings, made by a background worker and cached by sample content.
        self._bindings = BindingJobs(_bind_bytes, self._settle_binding)
        self._load()

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

    # ----- enrollment --------------------------------------------------------------------------------------

    def create_voice(
        self, tenant: str, request: ReceivedCreateVoiceInput, *, model: str, oss_resolve: bool
    ) -> StoredVoice:
        """``create_voice``: validate, fetch (or decode, for an inline ``audio`` data URI) and judge the sample,
        then enroll. Blocking (download, analysis)."""
        sample = self._check_create(request)
        self._check_quota(tenant)
        if is_data_uri(sample):
            inline = decode_data_uri(sample)
            data, name, link = inline.data, inline.name, inline.resource_link
        else:
            (data, name), link = self._fetch_url(tenant, sample, model=model, oss_resolve=oss_resolve), sample
        judgement = judge_sample(data, name=name)
        now = self.clock()
        with self._lock:
            self._check_quota(tenant)
            self._serial += 1
            record = StoredVoice(
                voice_id=f"{request.target_model}-{request.prefix}-{uuid.uuid4().hex}",
                target_model=request.target_model,
                prefix=request.prefix,
                resource_link=link,
                created_at=now,
                modified_at=now,
                ready_at=now + self.ready_delay_s,
                outcome=judgement.outcome,
                f0_hz=judgement.f0_hz,
                language_hints=request.language_hints,
                max_prompt_audio_length=request.max_prompt_audio_length,
                enable_preprocess=request.enable_preprocess,
                findings=list(judgement.findings),
                serial=self._serial,
            )
            self._voices.setdefault(tenant, {})[record.voice_id] = record
            self._start_binding(record, data, name=name)
            self._save()
        log.info("voice created: %s (%s)", record.voice_id, judgement.outcome)
        return record

    def list_voices(self, tenant: str, request: ReceivedListVoiceInput) -> list[VoiceSummary]:
        """``list_voice``: one page, newest first, optionally only voices with exactly this prefix."""
        if request.page_index < 0:
            raise errors.invalid_parameter("page_index", detail="must be >= 0")
        if not 1 <= request.page_size <= self.config.max_page_size:
            raise errors.invalid_parameter("page_size", detail=f"must be 1..{self.config.max_page_size}")
        now = self.clock()
        with self._lock:
            voices = [
                v for v in self._voices.get(tenant, {}).values() if not request.prefix or v.prefix == request.prefix
            ]
            voices.sort(key=lambda v: (v.created_at, v.serial), reverse=True)
            start = request.page_index * request.page_size
            page = voices[start : start + request.page_size]
            return [
                VoiceSummary(
                    voice_id=v.voice_id,
                    gmt_create=_gmt(v.created_at),
                    gmt_modified=_gmt(v.modified_at),
                    status=v.status_at(now),
                )
                for v in page
            ]

    def query_voice(self, tenant: str, voice_id: str) -> QueryVoiceOutput:
        now = self.clock()
        with self._lock:
            v = self._voice(tenant, voice_id)
            return QueryVoiceOutput(
                gmt_create=_gmt(v.created_at),
                gmt_modified=_gmt(v.modified_at),
                resource_link=v.resource_link,
                target_model=v.target_model,
                status=v.status_at(now),
            )

    def update_voice(self, tenant: str, voice_id: str, url: str, *, model: str, oss_resolve: bool) -> None:
        """``update_voice``: judge the new sample and send the voice back through review (and, with the speech
        engine, through a new binding in the background). Blocking (download, analysis)."""
        with self._lock:
            self._voice(tenant, voice_id)
        self._check_url(url)
        data, name = self._fetch_url(tenant, url, model=model, oss_resolve=oss_resolve)
        judgement = judge_sample(data, name=name)
        with self._lock:
            v = self._voice(tenant, voice_id)
            v.restart_review(now=self.clock(), ready_delay_s=self.ready_delay_s, outcome=judgement.outcome)
            v.resource_link = url
            v.f0_hz = judgement.f0_hz
            v.findings = list(judgement.findings)
            self._start_binding(v, data, name=name)
            self._save()

    def delete_voice(self, tenant: str, voice_id: str) -> None:
        with self._lock:
            self._voice(tenant, voice_id)
            del self._voices[tenant][voice_id]
            self._save()

    # ----- uploads -----------------------------------------------------------------------------------------

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
        with self._lock:
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
            self._save()
        return obj

    def resolve_oss(self, tenant: str, url: str, *, model: str) -> bytes:
        """The bytes of an ``oss://`` URL this tenant uploaded for this model and that has not expired."""
        key = url[len(OSS_SCHEME) :]
        now = self.clock()
        with self._lock:
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

    # ----- synthesis port ----------------------------------------------------------------------------------

    def voice_print(self, voice_id: str) -> dict[str, Any] | None:
        """The speech engine's binding of a cloned voice (any tenant: voice ids are unique), or None."""
        with self._lock:
            for voices in self._voices.values():
                if voice_id in voices:
                    return voices[voice_id].voice_print
        return None

    def find_voice(self, tenant: str, voice_id: str) -> VoiceSnapshot | None:
        now = self.clock()
        with self._lock:
            v = self._voices.get(tenant, {}).get(voice_id)
            if v is None:
                return None
            return VoiceSnapshot(v.voice_id, v.target_model, v.status_at(now), v.f0_hz)

    def store_result(self, tenant: str, data: bytes, suffix: str) -> str:
        return self._results.put(tenant, data, suffix, expires_at=self.clock() + self.config.result_ttl_s)

    def get_result(self, name: str) -> StoredResult | None:
        return self._results.get(name, now=self.clock())

    # ----- steering (control plane and tests) ----------------------------------------------------------------

    def reset(self, *, api_key: str | None = None, tenant: str | None = None) -> None:
        """Forget one tenant's voices, uploads and results (by key or tenant id), or everything — then also the
        armed faults, the runtime settings (back to the start-up values) and a replaced ``clock``."""
        if api_key is not None:
            tenant = tenant_id(api_key)
        with self._lock:
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
            self._save()

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
        with self._lock:
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
            self._save()
        return record

    def set_voice_status(
        self, voice_id: str, status: str, *, ready_in_s: float | None = None, tenant: str | None = None
    ) -> StoredVoice:
        """Force a voice's status (of ``tenant``, or of whichever tenant has it). Raises KeyError if none has it,
        ValueError if the status is not one of the service's."""
        with self._lock:
            for owner, voices in self._voices.items():
                if voice_id in voices and tenant in (None, owner):
                    voices[voice_id].force(status, now=self.clock(), ready_in_s=ready_in_s)
                    self._save()
                    return voices[voice_id]
        raise KeyError(voice_id)

    def settings(self) -> dict[str, Any]:
        return {
            "ready_delay_s": self.ready_delay_s,
            "voice_quota": self.voice_quota,
            "idle_timeout_s": self.idle_timeout_s,
            "sentence_latency_s": self.sentence_latency_s,
            "allow_private_urls": self.config.allow_private_urls,
            "keys_restricted": self.config.keys is not None,
            "persistent": self._storage.persistent,
            "voice_engine": self.voice_engine,
        }

    def snapshot(self) -> dict[str, Any]:
        """Everything the emulator holds, JSON-ready (tenant ids, never keys; no sample or upload bytes)."""
        now = self.clock()
        with self._lock:
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

    def voice(self, tenant: str, voice_id: str) -> StoredVoice:
        """A tenant's voice record (a copy is not made: read, do not mutate). Raises EmulatorApiError."""
        with self._lock:
            return self._voice(tenant, voice_id)

    # ----- voice bindings (speech engine) ---------------------------------------------------------------------

    def wait_for_bindings(self, timeout_s: float = 120.0) -> bool:
        """Block until no binding is queued or running (for tests and benchmarks); False on timeout."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self._lock:
                if not self._bindings.busy:
                    return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)

    def close(self) -> None:
        """Stop the binding worker (the running binding finishes; queued ones stay pending, and are made again
        when a persisted state is loaded; in memory they fall back to the pitch-only voice). Safe to call twice;
        the backend stays usable."""
        self._bindings.close()
        if self._storage.persistent:
            return
        with self._lock:
            for voices in self._voices.values():
                for v in voices.values():
                    if v.binding_pending:
                        v.voice_print, v.binding_pending = self._bindings.cached(v.sample_sha256 or ""), False

    def _start_binding(self, record: StoredVoice, data: bytes, *, name: str) -> None:
        """Under the lock: give an accepted sample its speech-engine binding, from the cache or in the background.
        With the formant engine, or for a sample rejected in review, there is none."""
        record.voice_print, record.sample_sha256, record.binding_pending = None, None, False
        if self.voice_engine != SPEECH or record.outcome != lifecycle.OK:
            return
        sha = sample_hash(data)
        record.sample_sha256 = sha
        record.voice_print = self._bindings.cached(sha)
        if record.voice_print is None:
            record.binding_pending = True
            self._storage.put_blob(data)  # kept until bound, so that a restart can bind it again
            self._bindings.submit(sha, data, name=name, f0_hz=record.f0_hz)

    def _settle_binding(self, sha: str, voice_print: dict[str, Any] | None) -> None:
        """The worker's report: every voice waiting for this sample gets its print (None: pitch only)."""
        with self._lock:
            self._bindings.done(sha, voice_print)
            for voices in self._voices.values():
                for v in voices.values():
                    if v.binding_pending and v.sample_sha256 == sha:
                        v.voice_print, v.binding_pending = voice_print, False
            self._release_sample(sha)
            self._save()

    def _release_sample(self, sha: str) -> None:
        """Drop a sample kept for binding once no pending voice and no uploaded object needs it."""
        if any(o.blob == sha for o in self._objects.values()) or self._binding_needs(sha):
            return
        self._storage.delete_blob(sha)

    def _binding_needs(self, sha: str) -> bool:
        return any(v.binding_pending and v.sample_sha256 == sha for vs in self._voices.values() for v in vs.values())

    def _resume_bindings(self) -> None:
        """After loading a state: bind again the samples whose binding was cut short (from the kept sample), or
        fall back to the pitch-only voice when the sample is gone."""
        for voices in self._voices.values():
            for v in voices.values():
                if not v.binding_pending or v.sample_sha256 is None:
                    continue
                cached = self._bindings.cached(v.sample_sha256)
                data = (
                    None
                    if cached is not None or self.voice_engine != SPEECH
                    else self._storage.get_blob(v.sample_sha256)
                )
                if data is None:
                    v.voice_print, v.binding_pending = cached, False
                    self._release_sample(v.sample_sha256)
                else:
                    self._bindings.submit(v.sample_sha256, data, name="sample", f0_hz=v.f0_hz)

    # ----- internals ---------------------------------------------------------------------------------------

    def _voice(self, tenant: str, voice_id: str) -> StoredVoice:
        record = self._voices.get(tenant, {}).get(voice_id)
        if record is None:
            raise errors.resource_not_exist(voice_id)
        return record

    def _check_quota(self, tenant: str) -> None:
        with self._lock:
            if len(self._voices.get(tenant, {})) >= self.voice_quota:
                raise errors.allocation_quota(self.voice_quota)

    def _check_create(self, request: ReceivedCreateVoiceInput) -> str:
        """The sample reference (``url`` or ``audio``) of a valid create request; else EmulatorApiError."""
        if request.target_model not in catalog.TARGET_MODELS:
            raise errors.invalid_parameter("target_model", detail=f"unknown target_model {request.target_model!r}")
        prefix = request.prefix
        if not prefix or len(prefix) > PREFIX_MAX_LENGTH or not PREFIX_PATTERN.match(prefix):
            raise errors.invalid_parameter("prefix", detail="1 to 10 ASCII letters or digits")
        if request.url and request.audio:
            raise errors.invalid_parameter("audio", detail="give the sample as url or as audio, not both")
        sample = request.audio or request.url or ""
        if not is_data_uri(sample):
            self._check_url(sample, field="audio" if request.audio else "url")
        hints = request.language_hints
        if hints is not None and (not hints or not all(isinstance(h, str) and h for h in hints)):
            raise errors.invalid_parameter("language_hints")
        low, high = MAX_PROMPT_AUDIO_LENGTH_RANGE_S
        length = request.max_prompt_audio_length
        if length is not None and not low <= length <= high:
            raise errors.invalid_parameter("max_prompt_audio_length", detail=f"must be {low:g}..{high:g} s")
        return sample

    @staticmethod
    def _check_url(url: str, *, field: str = "url") -> None:
        if not url.startswith(("http://", "https://", OSS_SCHEME)) or len(url) <= len(OSS_SCHEME):
            detail = "an http(s) or oss:// URL is required" + (
                ", or a data:audio/…;base64 URI" if field == "audio" else ""
            )
            raise errors.invalid_parameter(field, detail=detail)

    def _fetch_url(self, tenant: str, url: str, *, model: str, oss_resolve: bool) -> tuple[bytes, str]:
        """The bytes of a sample URL (``oss://`` of this tenant, or downloaded) and a name for them."""
        if url.startswith(OSS_SCHEME):
            if not oss_resolve:
                raise errors.data_inspection(detail="oss:// URL without X-DashScope-OssResourceResolve: enable")
            data = self.resolve_oss(tenant, url, model=model)
        else:
            try:
                data = fetch_sample(
                    url,
                    allow_private=self.config.allow_private_urls,
                    timeout_s=self.config.sample_fetch_timeout_s,
                    max_bytes=self.config.max_sample_fetch_bytes,
                )
            except SampleFetchError as error:
                if error.reason == "too_large":
                    raise errors.EmulatorApiError(
                        400, "Audio.FileSizeExceed", "File too large", detail=error.detail
                    ) from error
                raise errors.internal_error(detail=f"sample download failed: {error.reason}: {error.detail}") from error
        return data, posixpath.basename(urlsplit(url).path) or "sample"

    def _purge_expired_objects(self, now: float) -> None:
        for key in [k for k, o in self._objects.items() if o.expires_at <= now]:
            self._drop_object(key)

    def _drop_object(self, key: str) -> None:
        obj = self._objects.pop(key)
        self._release_sample(obj.blob)

    def _save(self) -> None:
        if not self._storage.persistent:
            return
        self._storage.save_state(
            {
                "voices": {t: [v.to_dict() for v in vs.values()] for t, vs in self._voices.items() if vs},
                "objects": [o.to_dict() for o in self._objects.values()],
                "bindings": self._bindings.cache,
            }
        )

    def _load(self) -> None:
        state = self._storage.load_state()
        if state is None:
            return
        for tenant, voices in state.get("voices", {}).items():
            for data in voices:
                record = StoredVoice.from_dict(data)
                self._voices.setdefault(tenant, {})[record.voice_id] = record
                self._serial = max(self._serial, record.serial)
        for data in state.get("objects", []):
            obj = UploadedObject.from_dict(data)
            self._objects[obj.key] = obj
        bindings = state.get("bindings", {})
        if isinstance(bindings, dict):
            self._bindings.cache.update({k: v for k, v in bindings.items() if isinstance(v, dict)})
        self._resume_bindings()


def _bind_bytes(data: bytes, name: str, f0_hz: float | None) -> dict[str, Any] | None:
    """The binder the worker runs (looked up at call time, so that tests may replace the measurement)."""
    return sample_judge.bind_bytes(data, name, f0_hz)


def _gmt(timestamp: float) -> str:
    return format_gmt(dt.datetime.fromtimestamp(timestamp, dt.timezone.utc))
