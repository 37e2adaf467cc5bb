"""The voice operations as sans-I/O flows (see :mod:`cosyclone.client._steps`): written once, driven by both
``Client`` and ``AsyncClient``.

``create_voice`` is not idempotent, so :func:`create_flow` never repeats it blindly: it repeats only when the
service certainly did not act (429, 503, a connection never made), or after an answer that says the server is
done with the request (a 500, a connection cut after sending) *and* reconciliation — list the prefix, query the
voices created since the attempt, adopt the one whose ``resource_link`` is our sample — found nothing. A request
that timed out may still be running, so it is never sent again: it is looked for with growing pauses, and if
its voice has not appeared the error says how to adopt it later.

A local file reaches ``create_voice`` one of two ways (:func:`create_local_flow`): inline as a base64 data URI in
``input.audio`` (one request, contract §10.2), or uploaded to temporary storage first and named by its ``oss://``
URL (getPolicy + upload + create: three). ``auto`` tries the data URI and, if the service refuses it (a 400
``InvalidParameter`` for a field it does not know, or any other 400: nothing was created), uploads and sends the URL
instead: the user never sees an error our choice caused, and no second voice is made.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Iterable

from cosyclone._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    BadRequestError,
    InternalServerError,
    InvalidRequestError,
    NotFoundError,
    Problem,
    SampleRejectedError,
    VoiceNotReadyError,
    VoiceRejectedError,
)
from cosyclone.client._retry import NOT_ACTED_STATUSES, RetryPolicy
from cosyclone.client._steps import Call, Flow, Sleep, repeat_flow
from cosyclone.client.types import CreatedVoice, Voice, VoicePage
from cosyclone.client.uploads import data_uri, upload_flow
from cosyclone.schema.clone_options import UPLOAD_MODES as UPLOAD_MODES  # declared with the clone options
from cosyclone.schema.clone_options import UploadMode as UploadMode
from cosyclone.schema.enrollment import (
    CUSTOMIZATION_PATH,
    DATA_URI_PREFIX,
    CreateVoiceInput,
    CreateVoiceOutput,
    DeleteVoiceInput,
    EmptyOutput,
    EnrollmentRequest,
    EnrollmentResponse,
    ListVoiceInput,
    ListVoiceOutput,
    QueryVoiceInput,
    QueryVoiceOutput,
    UpdateVoiceInput,
)
from cosyclone.schema.uploads import OSS_RESOLVE_HEADER, OSS_SCHEME
from cosyclone.voice_clone import PreparedClone

RECONCILE_PAGE_SIZE = 100
#: Voices created this long before our attempt began are not candidates (allows for clock skew).
RECONCILE_WINDOW = dt.timedelta(minutes=10)
#: The longest pause between two reconciliation looks after a timeout.
MAX_SETTLE_S = 30.0
#: wait_until_ready polls quickly at first (a voice is often ready within seconds, the emulator's at once), then
#: backs off to a cap (third parties poll every 2-10 s for tens of seconds): the lag between the voice becoming
#: OK and the caller knowing stays within one poll interval, at most a request every READY_POLL_FIRST_S.
READY_POLL_FIRST_S = 0.1
#: How long the quick polls last before the back-off starts.
READY_QUICK_PHASE_S = 1.0
READY_POLL_FACTOR = 1.5
READY_POLL_MAX_S = 2.0
# Parametrized once: subscripting a generic pydantic model costs a cache lookup on every call.
_ListReply = EnrollmentResponse[ListVoiceOutput]
_QueryReply = EnrollmentResponse[QueryVoiceOutput]


def _call(body: EnrollmentRequest, *, url: str | None = None, unsafe: bool = False) -> Call:
    headers = {OSS_RESOLVE_HEADER: "enable"} if url and url.startswith(OSS_SCHEME) else {}
    return Call(
        "POST",
        CUSTOMIZATION_PATH,
        json=body.to_wire(),
        headers=headers,
        retry="none" if unsafe else "idempotent",
    )


def list_flow(*, prefix: str | None, page_index: int, page_size: int) -> Flow[VoicePage]:
    body = EnrollmentRequest(input=ListVoiceInput(prefix=prefix or None, page_index=page_index, page_size=page_size))
    reply = _ListReply.model_validate((yield _call(body)))
    voices = [Voice.from_summary(s, reply.request_id) for s in reply.output.voice_list]
    return VoicePage(voices=voices, page_index=page_index, page_size=page_size, request_id=reply.request_id)


def get_flow(voice_id: str) -> Flow[Voice]:
    body = EnrollmentRequest(input=QueryVoiceInput(voice_id=voice_id))
    reply = _QueryReply.model_validate((yield _call(body)))
    return Voice.from_query(voice_id, reply.output, reply.request_id)


def update_flow(voice_id: str, url: str) -> Flow[str]:
    body = EnrollmentRequest(input=UpdateVoiceInput(voice_id=voice_id, url=url))
    reply = EnrollmentResponse[EmptyOutput].model_validate((yield _call(body, url=url)))
    return reply.request_id


def delete_flow(voice_id: str, *, max_retries: int) -> Flow[str]:
    """Delete; a repeat that finds the voice gone means our earlier attempt deleted it (its reply was lost)."""
    body = EnrollmentRequest(input=DeleteVoiceInput(voice_id=voice_id))
    raw = yield from repeat_flow(
        _call(body, unsafe=True), max_retries=max_retries, took_effect=lambda e: isinstance(e, NotFoundError)
    )
    return EnrollmentResponse[EmptyOutput].model_validate(raw).request_id if raw is not None else ""


def ready_poll_delay(waited_s: float, previous_s: float | None) -> float:
    """The pause before the next readiness poll, ``waited_s`` into the wait (``previous_s``: the last pause):
    :data:`READY_POLL_FIRST_S` during the quick phase, then growing by :data:`READY_POLL_FACTOR` up to
    :data:`READY_POLL_MAX_S`."""
    if waited_s < READY_QUICK_PHASE_S or previous_s is None:
        return READY_POLL_FIRST_S
    return min(previous_s * READY_POLL_FACTOR, READY_POLL_MAX_S)


def wait_flow(voice_id: str, *, timeout_s: float) -> Flow[Voice]:
    """Poll ``query_voice`` (quick polls, then backing off, capped) until OK; UNDEPLOYED raises
    VoiceRejectedError, time out VoiceNotReadyError."""
    started = time.monotonic()
    delay: float | None = None
    while True:
        voice = yield from get_flow(voice_id)
        if voice.status == "OK":
            return voice
        if voice.status == "UNDEPLOYED":
            raise VoiceRejectedError(voice_id)
        waited = time.monotonic() - started
        if waited >= timeout_s:
            raise VoiceNotReadyError(voice_id, voice.status or "unknown", waited)
        delay = ready_poll_delay(waited, delay)
        yield Sleep(min(delay, timeout_s - waited))


def _same_sample(resource_link: str | None, url: str) -> bool:
    if not resource_link:
        return False
    if resource_link == url:
        return True
    # The service may report an oss:// sample by another URL that still carries the object key.
    return url.startswith(OSS_SCHEME) and url.removeprefix(OSS_SCHEME) in resource_link


def reconcile_flow(
    *, prefix: str, url: str, target_model: str, since: dt.datetime, exclude: Iterable[str] = ()
) -> Flow[Voice | None]:
    """Find a voice our lost create call made: same prefix, created since ``since``, our sample, not excluded.

    A sample sent inline (a data URI) has no link the service can echo, so it is recognised by prefix, model and
    time alone — and only when exactly one voice fits (two would be a guess).
    """
    known = set(exclude)
    inline = url.startswith(DATA_URI_PREFIX)
    fits: list[Voice] = []
    page_index = 0
    while True:
        page = yield from list_flow(prefix=prefix, page_index=page_index, page_size=RECONCILE_PAGE_SIZE)
        for summary in page.voices:
            if summary.voice_id in known:
                continue
            if summary.created_at is not None and summary.created_at < since - RECONCILE_WINDOW:
                continue
            voice = yield from get_flow(summary.voice_id)
            if voice.target_model not in (None, target_model):
                continue
            if inline:
                fits.append(voice)
            elif _same_sample(voice.resource_link, url):
                return voice
        if page.is_last:
            return fits[0] if len(fits) == 1 else None
        page_index += 1


def create_flow(
    prepared: PreparedClone, *, max_retries: int, settle_s: float, exclude: Iterable[str] = ()
) -> Flow[CreatedVoice]:
    """Create a voice at most once (see the module docstring). ``settle_s``: how long to give a request that may
    still be in flight before looking for its voice a second time (the client's timeout)."""
    request = prepared.request
    sent = prepared.wire.input
    url = sent.sample if isinstance(sent, CreateVoiceInput) else request.voice_sample_url
    since = dt.datetime.now(dt.timezone.utc)
    policy = RetryPolicy(max_retries=max_retries)
    attempt = 0
    while True:
        attempt += 1
        try:
            raw = yield _call(prepared.wire, url=url, unsafe=True)
        except (APIConnectionError, InternalServerError) as error:
            ambiguous = not isinstance(error, APIConnectionError) or error.request_sent
            timed_out = isinstance(error, APITimeoutError) and ambiguous
            # Any answer (a 500, a connection cut after sending) means the server is done with the request: one
            # look. A timed-out request may still be running there: look again with growing pauses, and never
            # send it a second time — the voice it makes may only appear later.
            pauses = [0.0, *(min(settle_s * k, MAX_SETTLE_S) for k in (1, 1, 2, 4))] if timed_out else [0.0]
            for pause in pauses if ambiguous else []:
                if pause:
                    yield Sleep(pause)
                found = yield from reconcile_flow(
                    prefix=request.prefix, url=url, target_model=request.target_model, since=since, exclude=exclude
                )
                if found is not None:
                    return CreatedVoice(
                        voice_id=found.voice_id,
                        request_id=found.request_id,
                        usage_count=None,
                        target_model=request.target_model,
                        prefix=request.prefix,
                        sample_url=url,
                        reconciled=True,
                        attempts=attempt,
                        notes=[*prepared.notes, f"the create reply was lost ({error.message}); found the voice again"],
                    )
            if timed_out:
                raise APITimeoutError(
                    f"create_voice timed out and no voice from this sample appeared within {sum(pauses):.0f} s more; "
                    "it may still be created: run `cosyclone voices sync --adopt` later (not retried, so that the "
                    "voice is never made twice)"
                ) from None
            delay = policy.delay(error, attempt - 1)  # reconciliation found nothing: the service did not act
            if delay is None:
                raise
            yield Sleep(delay)
            continue
        except APIStatusError as error:
            delay = policy.delay_if_not_acted(error, attempt - 1)
            if delay is not None:
                yield Sleep(delay)
                continue
            raise _explained(error, prepared.disputed) from None
        reply = EnrollmentResponse[CreateVoiceOutput].model_validate(raw)
        return CreatedVoice(
            voice_id=reply.output.voice_id,
            request_id=reply.request_id,
            usage_count=reply.usage.count if reply.usage else None,
            target_model=request.target_model,
            prefix=request.prefix,
            sample_url=_sample_label(url),
            attempts=attempt,
            notes=list(prepared.notes),
        )


def _sample_label(url: str) -> str:
    """The sample as recorded (registry, evidence): a URL as is; a data URI by its type and size, not its bytes."""
    if url.startswith(DATA_URI_PREFIX):
        return f"{url.split(',', 1)[0]},… ({len(url)} characters, sent inline)"
    return url


def _explained(error: APIStatusError, disputed: list[str]) -> APIStatusError:
    """A refusal of a request the catalog had doubts about (a disputed region rule): say which rule it was."""
    if not disputed or isinstance(error, SampleRejectedError) or error.status_code in NOT_ACTED_STATUSES:
        return error
    doubt = "; ".join(disputed)
    return type(error)(
        f"{error.service_message} — the service refused a request our catalog had doubts about ({doubt})",
        status_code=error.status_code,
        code=error.code,
        request_id=error.request_id,
        hint="the service settled the dispute: clone in cn-beijing (--region cn-beijing) or pick a model it lists",
        retry_after_s=error.retry_after_s,
    )


def _with_sample(prepared: PreparedClone, *, url: str | None = None, audio: str | None = None) -> PreparedClone:
    sent = prepared.wire.input
    assert isinstance(sent, CreateVoiceInput)
    wire = prepared.wire.model_copy(update={"input": sent.model_copy(update={"url": url, "audio": audio})})
    return dataclasses.replace(prepared, wire=wire)


def create_local_flow(
    prepared: PreparedClone,
    name: str,
    data: bytes,
    *,
    upload: UploadMode,
    max_retries: int,
    settle_s: float,
    exclude: Iterable[str] = (),
) -> Flow[CreatedVoice]:
    """Create a voice from a local file's bytes, inline or uploaded (see the module docstring)."""
    uri = data_uri(name, data) if upload != "oss" else None
    if upload == "data-uri" and uri is None:
        raise InvalidRequestError(
            [Problem("sample", name, "is too large to send inline: a data URI may hold at most 10 MB encoded")],
            hint="use --upload oss (or auto) to upload it to temporary storage instead",
        )
    note = None
    if uri is not None:
        try:
            created = yield from create_flow(
                _with_sample(prepared, audio=uri), max_retries=max_retries, settle_s=settle_s, exclude=exclude
            )
        except BadRequestError as error:
            # Any 400 to the inline sample (the field unknown, the data URI's size or type judged otherwise than
            # we did) may be our choice's fault, and nothing was created: the upload path gets the last word.
            if upload != "auto":
                raise
            note = f"the service refused the sample inline ({error.code}: {error.service_message}); uploaded it instead"
        else:
            created.notes.append("sent the sample inline as a data URI (no temporary upload)")
            return created
    uploaded = yield from upload_flow(name, data, max_retries=max_retries)
    created = yield from create_flow(
        _with_sample(prepared, url=uploaded.url), max_retries=max_retries, settle_s=settle_s, exclude=exclude
    )
    created.notes.extend(n for n in (note, "uploaded the sample to temporary storage (oss://)") if n)
    return created
