"""``client.voices``: create (from a URL or a local file), list, iterate, get, update, delete, wait until ready.

Thin: each method resolves its arguments and drives a flow from :mod:`cosyclone.client._voice_flows`.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from typing import Generic, TypedDict, TypeVar

from typing_extensions import Required, Unpack

from cosyclone._exceptions import InvalidRequestError, Problem
from cosyclone.client._steps import Flow, drive_async, drive_sync
from cosyclone.client._transport import AsyncTransport, SyncTransport
from cosyclone.client._voice_flows import (
    UPLOAD_MODES,
    UploadMode,
    create_flow,
    create_local_flow,
    delete_flow,
    get_flow,
    list_flow,
    update_flow,
    wait_flow,
)
from cosyclone.client.design import DesignedVoice, design_flow, design_options
from cosyclone.client.types import CreatedVoice, Voice, VoicePage
from cosyclone.client.uploads import AsyncUploads, Uploads, read_upload
from cosyclone.schema.clone import DEFAULT_TARGET_MODEL, URL_SCHEMES, VoiceCloneRequest
from cosyclone.schema.clone_options import CloneWireOptionsDict
from cosyclone.schema.design import DesignOptions
from cosyclone.voice_clone import PreparedClone, prepare_clone, validate_request

DEFAULT_READY_TIMEOUT_S = 300.0
Sample = str | os.PathLike[str]
T = TypeVar("T", SyncTransport, AsyncTransport)
U = TypeVar("U", Uploads, AsyncUploads)


def is_remote(sample: Sample) -> bool:
    """A URL the service fetches itself (http, https, oss) rather than a local file we must upload."""
    return isinstance(sample, str) and sample.startswith(URL_SCHEMES)


def check_upload_mode(upload: str) -> UploadMode:
    """``upload`` as an :data:`UploadMode`, or InvalidRequestError naming ``--upload`` and its values."""
    if upload not in UPLOAD_MODES:
        raise InvalidRequestError([Problem("upload", upload, f"must be one of {', '.join(UPLOAD_MODES)}")])
    return upload  # type: ignore[return-value]


def _request(url: str, prefix: str, target_model: str, options: CloneWireOptionsDict) -> VoiceCloneRequest:
    """The normalized request; ``options`` are the declared clone options (``schema/clone_options.py``)."""
    return validate_request({"prefix": prefix, "voice_sample_url": url, "target_model": target_model, **options})


def check_before_upload(
    sample: Sample,
    prefix: str,
    target_model: str,
    *,
    region: str,
    skip_catalog_check: bool,
    **options: Unpack[CloneWireOptionsDict],
) -> PreparedClone:
    """Every rule of the request, checked before anything is uploaded (a placeholder stands for a local file).

    Raises:
        InvalidRequestError: naming each field that breaks a rule.
    """
    url = str(sample) if is_remote(sample) else "oss://local-file"
    probe = _request(url, prefix, target_model, options)
    return prepare_clone(probe, region=region, skip_catalog_check=skip_catalog_check)


class CreateRequest(CloneWireOptionsDict, total=False):
    """The keywords of ``voices.create`` (both clients); their defaults: :meth:`_VoicesCore._create`."""

    prefix: Required[str]
    sample: Required[Sample]
    target_model: str
    upload: UploadMode
    skip_catalog_check: bool
    exclude: Iterable[str]


class DesignWait(TypedDict, total=False):
    """How a design waits (both clients): ``wait`` until the voice is OK, within ``timeout`` seconds, and the voice
    ids known not to be ours (``exclude``); defaults: :meth:`_VoicesCore._design_from`."""

    wait: bool
    timeout: float
    exclude: Iterable[str]


class DesignRequest(DesignWait, total=False):
    """The keywords of ``voices.design`` after the description (both clients); defaults: :meth:`_VoicesCore._design`."""

    prefix: Required[str]
    target_model: str | None
    preview_text: str | None
    language_hints: Sequence[str] | None
    preview_format: str | None
    preview_sample_rate: int | None


class _VoicesCore(Generic[T, U]):
    """What both clients' ``voices`` share: every argument resolved and checked, and the flow to drive — each
    public method of :class:`Voices` / :class:`AsyncVoices` only drives it (blocking or awaited)."""

    def __init__(self, transport: T, uploads: U, *, region: str) -> None:
        self._transport: T = transport
        self._uploads: U = uploads
        self._region = region

    def _create(
        self,
        *,
        prefix: str,
        sample: Sample,
        target_model: str = DEFAULT_TARGET_MODEL,
        upload: UploadMode = "auto",
        skip_catalog_check: bool = False,
        exclude: Iterable[str] = (),
        **options: Unpack[CloneWireOptionsDict],
    ) -> Flow[CreatedVoice]:
        """Every rule checked now (nothing sent yet), then a URL enrolled as given or a local file sent inline /
        uploaded first, as ``upload`` says."""
        mode = check_upload_mode(upload)
        prepared = check_before_upload(
            sample, prefix, target_model, region=self._region, skip_catalog_check=skip_catalog_check, **options
        )
        if is_remote(sample):
            request = _request(str(sample), prefix, target_model, options)
            return self._create_from(request, skip_catalog_check=skip_catalog_check, exclude=exclude)
        name, data = read_upload(sample)
        max_retries, settle_s = self._transport.max_retries, self._transport.timeout_s
        return create_local_flow(
            prepared, name, data, upload=mode, max_retries=max_retries, settle_s=settle_s, exclude=exclude
        )

    def _create_from(
        self, request: VoiceCloneRequest, *, skip_catalog_check: bool = False, exclude: Iterable[str] = ()
    ) -> Flow[CreatedVoice]:
        """Every rule checked now, then the create at most once."""
        prepared = prepare_clone(request, region=self._region, skip_catalog_check=skip_catalog_check)
        transport = self._transport
        return create_flow(prepared, max_retries=transport.max_retries, settle_s=transport.timeout_s, exclude=exclude)

    def _design(
        self,
        voice_prompt: str,
        *,
        prefix: str,
        target_model: str | None = None,
        preview_text: str | None = None,
        language_hints: Sequence[str] | None = None,
        preview_format: str | None = None,
        preview_sample_rate: int | None = None,
        wait: bool = True,
        timeout: float = DEFAULT_READY_TIMEOUT_S,
        exclude: Iterable[str] = (),
    ) -> Flow[DesignedVoice]:
        options = design_options(
            voice_prompt=voice_prompt,
            prefix=prefix,
            target_model=target_model,
            preview_text=preview_text,
            language_hints=list(language_hints) if language_hints is not None else None,
            response_format=preview_format,
            sample_rate=preview_sample_rate,
        )
        return self._design_from(options, wait=wait, timeout=timeout, exclude=exclude)

    def _design_from(
        self,
        options: DesignOptions,
        *,
        wait: bool = True,
        timeout: float = DEFAULT_READY_TIMEOUT_S,
        exclude: Iterable[str] = (),
    ) -> Flow[DesignedVoice]:
        max_retries = self._transport.max_retries
        return design_flow(options, max_retries=max_retries, wait=wait, timeout_s=timeout, exclude=exclude)


class Voices(_VoicesCore[SyncTransport, Uploads]):
    """Voice management over the synchronous client."""

    def create(self, **request: Unpack[CreateRequest]) -> CreatedVoice:
        """Enroll a voice from ``sample`` with ``prefix``: an http(s)/oss URL, or a local file, sent inline as a
        data URI or uploaded to temporary storage first.

        Keywords: ``prefix`` and ``sample`` (required); ``target_model`` (default ``cosyvoice-v3.5-plus``);
        ``upload`` (``auto``, the default, tries inline and falls back to the upload if the service refuses it;
        ``data-uri`` / ``oss`` force one path); ``skip_catalog_check``; ``exclude`` (voice ids known not to be
        ours); and the declared clone options (``language_hints``, ``max_prompt_audio_length``,
        ``enable_preprocess``, ``enable_volume_normalization``; see :mod:`cosyclone.schema.clone_options`).

        Every rule is checked before any call. The create call is never repeated blindly: after an ambiguous
        failure the voice is looked for (not among ``exclude``) before trying again.

        Raises:
            InvalidRequestError: a field breaks a rule (nothing sent).
            APIStatusError subclasses: the service refused (SampleRejectedError, VoiceQuotaExceededError, …).
            APIConnectionError: the service could not be reached.
        """
        return drive_sync(self._create(**request), self._transport)

    def create_from(
        self, request: VoiceCloneRequest, *, skip_catalog_check: bool = False, exclude: Iterable[str] = ()
    ) -> CreatedVoice:
        """Enroll from a normalized ``cosyvoice.voice_clone`` request (its URL must already be reachable)."""
        flow = self._create_from(request, skip_catalog_check=skip_catalog_check, exclude=exclude)
        return drive_sync(flow, self._transport)

    def design(self, voice_prompt: str, **request: Unpack[DesignRequest]) -> DesignedVoice:
        """Design a voice from a description (contract §11.1): its id and preview audio (see
        :mod:`cosyclone.client.design`). Keywords: ``prefix`` (required), ``target_model``, ``preview_text``,
        ``language_hints``, ``preview_format``, ``preview_sample_rate`` (``None``: the service's default);
        ``wait`` (default True: until the voice is OK), ``timeout`` (seconds, default 300), ``exclude``.
        Every rule is checked before any call; the request is never sent twice.

        Raises:
            InvalidRequestError: a field breaks a rule (nothing sent).
            APIStatusError subclasses, APIConnectionError: as for :meth:`create`.
        """
        return drive_sync(self._design(voice_prompt, **request), self._transport)

    def design_from(self, options: DesignOptions, **waiting: Unpack[DesignWait]) -> DesignedVoice:
        """Design a voice from checked :class:`~cosyclone.schema.design.DesignOptions` (``wait``, ``timeout`` and
        ``exclude`` as for :meth:`design`)."""
        return drive_sync(self._design_from(options, **waiting), self._transport)

    def list(self, *, prefix: str | None = None, page_index: int = 0, page_size: int = 10) -> VoicePage:
        """One page of voices (the service gives no totals), optionally filtered by prefix."""
        return drive_sync(list_flow(prefix=prefix, page_index=page_index, page_size=page_size), self._transport)

    def iter_all(self, *, prefix: str | None = None, page_size: int = 100) -> Iterator[Voice]:
        """Every voice, page after page."""
        page_index = 0
        while True:
            page = self.list(prefix=prefix, page_index=page_index, page_size=page_size)
            yield from page.voices
            if page.is_last:
                return
            page_index += 1

    def get(self, voice_id: str) -> Voice:
        """One voice with its status, target_model and sample link. Raises NotFoundError if unknown."""
        return drive_sync(get_flow(voice_id), self._transport)

    def update(self, voice_id: str, sample: Sample) -> str:
        """Re-enroll a voice from a new sample (URL or local file); returns the request_id."""
        url = str(sample) if is_remote(sample) else self._uploads.upload(sample).url
        return drive_sync(update_flow(voice_id, url), self._transport)

    def delete(self, voice_id: str) -> str:
        """Delete a voice (frees quota); returns the request_id. Raises NotFoundError if unknown."""
        return drive_sync(delete_flow(voice_id, max_retries=self._transport.max_retries), self._transport)

    def wait_until_ready(self, voice_id: str, *, timeout: float = DEFAULT_READY_TIMEOUT_S) -> Voice:
        """Poll until the voice is OK. Raises VoiceRejectedError (UNDEPLOYED) or VoiceNotReadyError (timeout)."""
        return drive_sync(wait_flow(voice_id, timeout_s=timeout), self._transport)


class AsyncVoices(_VoicesCore[AsyncTransport, AsyncUploads]):
    """Async twin of :class:`Voices`."""

    async def create(self, **request: Unpack[CreateRequest]) -> CreatedVoice:
        return await drive_async(self._create(**request), self._transport)

    async def create_from(
        self, request: VoiceCloneRequest, *, skip_catalog_check: bool = False, exclude: Iterable[str] = ()
    ) -> CreatedVoice:
        flow = self._create_from(request, skip_catalog_check=skip_catalog_check, exclude=exclude)
        return await drive_async(flow, self._transport)

    async def design(self, voice_prompt: str, **request: Unpack[DesignRequest]) -> DesignedVoice:
        """Async twin of :meth:`Voices.design`."""
        return await drive_async(self._design(voice_prompt, **request), self._transport)

    async def design_from(self, options: DesignOptions, **waiting: Unpack[DesignWait]) -> DesignedVoice:
        """Async twin of :meth:`Voices.design_from`."""
        return await drive_async(self._design_from(options, **waiting), self._transport)

    async def list(self, *, prefix: str | None = None, page_index: int = 0, page_size: int = 10) -> VoicePage:
        return await drive_async(list_flow(prefix=prefix, page_index=page_index, page_size=page_size), self._transport)

    async def iter_all(self, *, prefix: str | None = None, page_size: int = 100) -> AsyncIterator[Voice]:
        page_index = 0
        while True:
            page = await self.list(prefix=prefix, page_index=page_index, page_size=page_size)
            for voice in page.voices:
                yield voice
            if page.is_last:
                return
            page_index += 1

    async def get(self, voice_id: str) -> Voice:
        return await drive_async(get_flow(voice_id), self._transport)

    async def update(self, voice_id: str, sample: Sample) -> str:
        url = str(sample) if is_remote(sample) else (await self._uploads.upload(sample)).url
        return await drive_async(update_flow(voice_id, url), self._transport)

    async def delete(self, voice_id: str) -> str:
        return await drive_async(delete_flow(voice_id, max_retries=self._transport.max_retries), self._transport)

    async def wait_until_ready(self, voice_id: str, *, timeout: float = DEFAULT_READY_TIMEOUT_S) -> Voice:
        return await drive_async(wait_flow(voice_id, timeout_s=timeout), self._transport)
