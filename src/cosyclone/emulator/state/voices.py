"""The backend's cloned voices: the five enrollment actions (create, list, query, update, delete), their checks,
the sample fetched (``oss://``, http(s), or an inline data URI) and judged, and what synthesis asks of a voice.

Create and update download and judge outside the lock (blocking: the handlers call them from worker threads),
then record the voice in one change (:meth:`cosyclone.emulator.state.core.BackendCore._state`).

Imported by the backend's steering part and the backend.
"""

from __future__ import annotations

import datetime as dt
import logging
import posixpath
import uuid
from urllib.parse import urlsplit

from cosyclone import catalog
from cosyclone.emulator import errors
from cosyclone.emulator.state.data_uri import decode_data_uri, is_data_uri
from cosyclone.emulator.state.lifecycle import StoredVoice, VoiceSnapshot
from cosyclone.emulator.state.sample_fetch import SampleFetchError, fetch_sample
from cosyclone.emulator.state.sample_judge import judge_sample
from cosyclone.emulator.state.upload_store import UploadRules
from cosyclone.schema.clone import PREFIX_MAX_LENGTH, PREFIX_PATTERN
from cosyclone.schema.clone_options import clone_option_problems
from cosyclone.schema.enrollment import (
    QueryVoiceOutput,
    ReceivedCreateVoiceInput,
    ReceivedListVoiceInput,
    VoiceSummary,
    format_gmt,
)
from cosyclone.schema.uploads import OSS_SCHEME

log = logging.getLogger(__name__)


class VoiceRules(UploadRules):
    """Enrollment: the service's rules for cloned voices of each tenant."""

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
        with self._state(write=True):
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
        log.info("voice created: %s (%s)", record.voice_id, judgement.outcome)
        return record

    def enroll_designed(self, tenant: str, record: StoredVoice) -> StoredVoice:
        """Keep a designed voice (made by :mod:`cosyclone.emulator.api.design`): counted against the quota."""
        with self._state(write=True):
            self._check_quota(tenant)
            self._serial += 1
            record.serial = self._serial
            self._voices.setdefault(tenant, {})[record.voice_id] = record
        log.info("voice designed: %s", record.voice_id)
        return record

    def list_voices(self, tenant: str, request: ReceivedListVoiceInput) -> list[VoiceSummary]:
        """``list_voice``: one page, newest first, optionally only voices with exactly this prefix."""
        if request.page_index < 0:
            raise errors.invalid_parameter("page_index", detail="must be >= 0")
        if not 1 <= request.page_size <= self.config.max_page_size:
            raise errors.invalid_parameter("page_size", detail=f"must be 1..{self.config.max_page_size}")
        now = self.clock()
        with self._state():
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
                    voice_prompt=v.voice_prompt,
                    preview_text=v.preview_text,
                )
                for v in page
            ]

    def query_voice(self, tenant: str, voice_id: str) -> QueryVoiceOutput:
        now = self.clock()
        with self._state():
            v = self._voice(tenant, voice_id)
            return QueryVoiceOutput(
                gmt_create=_gmt(v.created_at),
                gmt_modified=_gmt(v.modified_at),
                resource_link=v.resource_link or None,
                target_model=v.target_model,
                status=v.status_at(now),
                voice_prompt=v.voice_prompt,
                preview_text=v.preview_text,
            )

    def update_voice(self, tenant: str, voice_id: str, url: str, *, model: str, oss_resolve: bool) -> None:
        """``update_voice``: judge the new sample and send the voice back through review (and, with the speech
        engine, through a new binding in the background). Blocking (download, analysis)."""
        with self._state():
            if self._voice(tenant, voice_id).voice_prompt is not None:
                raise errors.invalid_parameter("voice_id", detail="a designed voice cannot be updated (§11.1)")
        self._check_url(url)
        data, name = self._fetch_url(tenant, url, model=model, oss_resolve=oss_resolve)
        judgement = judge_sample(data, name=name)
        with self._state(write=True):
            v = self._voice(tenant, voice_id)
            v.restart_review(now=self.clock(), ready_delay_s=self.ready_delay_s, outcome=judgement.outcome)
            v.resource_link = url
            v.f0_hz = judgement.f0_hz
            v.findings = list(judgement.findings)
            self._start_binding(v, data, name=name)

    def delete_voice(self, tenant: str, voice_id: str) -> None:
        with self._state(write=True):
            self._voice(tenant, voice_id)
            del self._voices[tenant][voice_id]

    def find_voice(self, tenant: str, voice_id: str) -> VoiceSnapshot | None:
        """What synthesis needs of a tenant's cloned voice, or None."""
        now = self.clock()
        with self._state():
            v = self._voices.get(tenant, {}).get(voice_id)
            if v is None:
                return None
            return VoiceSnapshot(v.voice_id, v.target_model, v.status_at(now), v.f0_hz, v.pace)

    def voice(self, tenant: str, voice_id: str) -> StoredVoice:
        """A tenant's voice record (a copy is not made: read, do not mutate). Raises EmulatorApiError."""
        with self._state():
            return self._voice(tenant, voice_id)

    # ----- checks and samples ------------------------------------------------------------------------------

    def _voice(self, tenant: str, voice_id: str) -> StoredVoice:
        record = self._voices.get(tenant, {}).get(voice_id)
        if record is None:
            raise errors.resource_not_exist(voice_id)
        return record

    def _check_quota(self, tenant: str) -> None:
        with self._state():
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
        for name, _value, rule in clone_option_problems(request.model_dump()):  # the options' declared bounds
            raise errors.invalid_parameter(name, detail=rule)
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
                raise errors.sample_download_failed(
                    url, error.reason, status=error.status, detail=error.detail
                ) from error
        return data, posixpath.basename(urlsplit(url).path) or "sample"


def _gmt(timestamp: float) -> str:
    return format_gmt(dt.datetime.fromtimestamp(timestamp, dt.timezone.utc))
