"""The voice operations as sans-I/O flows (see :mod:`cosyclone.client._steps`): written once, driven by both
``Client`` and ``AsyncClient``.

``create_voice`` is not idempotent, so :func:`create_flow` never repeats it blindly: it repeats only when the
service certainly did not act (429, 503, a connection never made), or after an answer that says the server is
done with the request (a 500, a connection cut after sending) *and* reconciliation — list the prefix, query the
voices created since the attempt, adopt the one whose ``resource_link`` is our sample — found nothing. A request
that timed out may still be running, so it is never sent again: it is looked for with growing pauses, and if
its voice has not appeared the error says how to adopt it later.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable

from cosyclone._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    InternalServerError,
    NotFoundError,
    VoiceNotReadyError,
    VoiceRejectedError,
)
from cosyclone.client._retry import NOT_ACTED_STATUSES, repeat_flow, retry_delay
from cosyclone.client._steps import Call, Flow, Sleep
from cosyclone.client.types import CreatedVoice, Voice, VoicePage
from cosyclone.schema.enrollment import (
    CUSTOMIZATION_PATH,
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
    """Find a voice our lost create call made: same prefix, created since ``since``, our sample, not excluded."""
    known = set(exclude)
    page_index = 0
    while True:
        page = yield from list_flow(prefix=prefix, page_index=page_index, page_size=RECONCILE_PAGE_SIZE)
        for summary in page.voices:
            if summary.voice_id in known:
                continue
            if summary.created_at is not None and summary.created_at < since - RECONCILE_WINDOW:
                continue
            voice = yield from get_flow(summary.voice_id)
            if _same_sample(voice.resource_link, url) and voice.target_model in (None, target_model):
                return voice
        if page.is_last:
            return None
        page_index += 1


def create_flow(
    prepared: PreparedClone, *, max_retries: int, settle_s: float, exclude: Iterable[str] = ()
) -> Flow[CreatedVoice]:
    """Create a voice at most once (see the module docstring). ``settle_s``: how long to give a request that may
    still be in flight before looking for its voice a second time (the client's timeout)."""
    request = prepared.request
    url = request.voice_sample_url
    since = dt.datetime.now(dt.timezone.utc)
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
            if attempt > max_retries:
                raise
            yield Sleep(retry_delay(attempt - 1, retry_after_s=getattr(error, "retry_after_s", None)))
            continue
        except APIStatusError as error:
            if error.status_code in NOT_ACTED_STATUSES and attempt <= max_retries:
                yield Sleep(retry_delay(attempt - 1, retry_after_s=error.retry_after_s))
                continue
            raise
        reply = EnrollmentResponse[CreateVoiceOutput].model_validate(raw)
        return CreatedVoice(
            voice_id=reply.output.voice_id,
            request_id=reply.request_id,
            usage_count=reply.usage.count if reply.usage else None,
            target_model=request.target_model,
            prefix=request.prefix,
            sample_url=url,
            attempts=attempt,
            notes=list(prepared.notes),
        )
