"""``client.voices.design``: a voice from a description (contract §11.1), as a sans-I/O flow driven by both clients.

The design call is ``create_voice`` without a sample, so like a clone it is never repeated blindly: it is sent
again only when the service certainly did not act (429, 503, a connection never made). After an ambiguous failure
(a 500, a connection cut after sending, a timeout) the prefix is listed and a voice created since the attempt with
the same ``voice_prompt`` and model is adopted (its preview is then lost: the service returns it only once, and the
result says so); if none appears the error says how to adopt it later.

Whether the reply carries ``status`` is UNCERTAIN (§11.1): a designed voice not said to be ``OK`` is polled with
``query_voice`` like a clone. The preview's own ``sample_rate`` / ``response_format`` keys are UNCERTAIN too: the
result takes the format from the request when they are missing.

Imported by :mod:`cosyclone.client.voices` (the thin ``design`` methods) and the library layer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from pydantic import ValidationError

from cosyclone._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    InternalServerError,
    InvalidRequestError,
    Problem,
)
from cosyclone.client._retry import NOT_ACTED_STATUSES, retry_delay
from cosyclone.client._steps import Call, Flow, Sleep
from cosyclone.client._voice_flows import RECONCILE_WINDOW, get_flow, wait_flow
from cosyclone.client.types import Reconciliation
from cosyclone.schema.design import DesignOptions, DesignVoiceOutput
from cosyclone.schema.enrollment import (
    CUSTOMIZATION_PATH,
    EnrollmentRequest,
    EnrollmentResponse,
    ListVoiceInput,
    ListVoiceOutput,
    parse_gmt,
)

__all__ = ["DesignedVoice", "design_flow", "design_options"]

_RECONCILE_PAGE_SIZE = 100


@dataclass(frozen=True)
class DesignedVoice(Reconciliation):
    """The outcome of ``voices.design``: the new voice and its preview (empty when the reply was lost)."""

    voice_id: str
    request_id: str
    status: str | None
    target_model: str
    prefix: str
    voice_prompt: str
    preview_text: str
    language: str
    preview_audio: bytes
    preview_format: str
    preview_sample_rate: int


def design_options(**values: object) -> DesignOptions:
    """``values`` as :class:`DesignOptions` (``None`` meaning the default), or InvalidRequestError naming each field
    that breaks a rule. Nothing is sent."""
    given = {k: v for k, v in values.items() if v is not None}
    try:
        return DesignOptions.model_validate(given)
    except ValidationError as error:
        problems = [
            Problem(
                ".".join(str(p) for p in e["loc"]) or "options",
                e.get("input"),
                str(e["msg"]).removeprefix("Value error, "),
            )
            for e in error.errors()
        ]
        raise InvalidRequestError(problems) from None


def design_flow(
    options: DesignOptions, *, max_retries: int, wait: bool, timeout_s: float, exclude: Iterable[str] = ()
) -> Flow[DesignedVoice]:
    """Design a voice at most once (see the module docstring); with ``wait``, poll until it is OK."""
    body = options.to_request().to_wire()
    since = dt.datetime.now(dt.timezone.utc)
    attempt = 0
    while True:
        attempt += 1
        try:
            raw = yield Call("POST", CUSTOMIZATION_PATH, json=body, retry="none")
        except (APIConnectionError, InternalServerError) as error:
            ambiguous = not isinstance(error, APIConnectionError) or error.request_sent
            if ambiguous:
                found = yield from _reconcile(options, since=since, exclude=exclude)
                if found is not None:
                    note = f"the design reply was lost ({error.message}); found the voice again, without its preview"
                    designed = _result(options, found, "", None, attempt, reconciled=True, notes=[note])
                    return (yield from _ready(designed, wait=wait, timeout_s=timeout_s))
                if isinstance(error, APITimeoutError):
                    raise APITimeoutError(
                        "the design request timed out and no voice with this description appeared; it may still be "
                        "created: run `cosyclone voices sync --adopt` later (not retried, so that it is never made "
                        "twice)"
                    ) from None
                raise
            if attempt > max_retries:
                raise
            yield Sleep(retry_delay(attempt - 1, retry_after_s=getattr(error, "retry_after_s", None)))
            continue
        except APIStatusError as error:
            if error.status_code in NOT_ACTED_STATUSES and attempt <= max_retries:
                yield Sleep(retry_delay(attempt - 1, retry_after_s=error.retry_after_s))
                continue
            raise
        reply = EnrollmentResponse[DesignVoiceOutput].model_validate(raw)
        designed = _result(options, reply.output.voice_id, reply.request_id, reply.output, attempt)
        return (yield from _ready(designed, wait=wait, timeout_s=timeout_s))


def _ready(designed: DesignedVoice, *, wait: bool, timeout_s: float) -> Flow[DesignedVoice]:
    """With ``wait``, a voice not said to be ``OK`` (no status in the reply, or ``DEPLOYING``) is polled until OK."""
    if not wait or designed.status == "OK":
        return designed
    ready = yield from wait_flow(designed.voice_id, timeout_s=timeout_s)
    return replace(designed, status=ready.status)


def _result(
    options: DesignOptions,
    voice_id: str,
    request_id: str,
    output: DesignVoiceOutput | None,
    attempts: int,
    *,
    reconciled: bool = False,
    notes: list[str] | None = None,
) -> DesignedVoice:
    preview = output.preview_audio if output is not None else None
    return DesignedVoice(
        voice_id=voice_id,
        request_id=request_id,
        status=output.status if output is not None else None,
        target_model=options.target_model,
        prefix=options.prefix,
        voice_prompt=options.voice_prompt,
        preview_text=options.preview_text or "",
        language=options.language,
        preview_audio=preview.audio_bytes() if preview is not None else b"",
        # The reply's own keys are UNCERTAIN for CosyVoice: what we asked for is what we read.
        preview_format=options.response_format,
        preview_sample_rate=options.sample_rate,
        reconciled=reconciled,
        attempts=attempts,
        notes=list(notes or []),
    )


def _reconcile(options: DesignOptions, *, since: dt.datetime, exclude: Iterable[str]) -> Flow[str | None]:
    """A voice of this prefix and model made since ``since`` from the same description, if the service has one."""
    skip = set(exclude)
    body = EnrollmentRequest(input=ListVoiceInput(prefix=options.prefix, page_size=_RECONCILE_PAGE_SIZE))
    raw = yield Call("POST", CUSTOMIZATION_PATH, json=body.to_wire())
    listed = EnrollmentResponse[ListVoiceOutput].model_validate(raw).output.voice_list
    for summary in listed:
        created = parse_gmt(summary.gmt_create)
        if summary.voice_id in skip or not summary.voice_id.startswith(options.target_model + "-vd-"):
            continue
        if created is not None and created < since - RECONCILE_WINDOW:
            continue
        prompt = summary.voice_prompt
        if prompt is None:
            prompt = (yield from get_flow(summary.voice_id)).voice_prompt  # list may not echo it (UNCERTAIN)
        if prompt == options.voice_prompt:
            return summary.voice_id
    return None
