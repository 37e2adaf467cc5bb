"""Why the engine refused a synthesis, decided in one place.

The service answers every refusal of a voice with the same "Engine return error code: 418" (contract §4): an
unknown voice_id, a voice still ``DEPLOYING`` or ``UNDEPLOYED``, another account's voice and a voice/model
mismatch all read alike, and :func:`cosyclone._exceptions.error_for` maps them to :class:`ModelMismatchError`.
:class:`RefusalJudge` tells them apart from what the registry knows and, when that is not enough, one
``query_voice``, and returns the class the README names:

- unknown, deleted, or another account's voice → :class:`NotFoundError`
- a voice not ready (``DEPLOYING``) or rejected (``UNDEPLOYED``) → :class:`VoiceUnavailableError`
- a voice whose target model differs from the model used, or nothing better known → :class:`ModelMismatchError`

The decision itself (:func:`decide`) does no I/O; the judge gathers the facts. A refusal the judge cannot look
into (no registry, the query fails) stays what it was. Each result keeps the original status, code and
request_id. Who may import it: the speech drivers (``client/speech*.py``) and ``client/_client.py``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from cosyclone._exceptions import (
    APIError,
    APIStatusError,
    ModelContradictionError,
    ModelMismatchError,
    NotFoundError,
    VoiceUnavailableError,
)
from cosyclone.catalog import model_from_voice_id

if TYPE_CHECKING:
    from cosyclone.client.types import Voice
    from cosyclone.registry import VoiceRecord, VoiceRegistry

T = TypeVar("T")


def _restate(
    cls: type[APIStatusError], error: APIStatusError, explanation: str, hint: str, **facts: str
) -> APIStatusError:
    """``error`` (same status, code and request_id) as ``cls``, its message led by ``explanation``."""
    refined = cls(
        f"{explanation} (the service said: {error.service_message})",
        status_code=error.status_code,
        code=error.code,
        request_id=error.request_id,
        hint=hint,
    )
    for name, value in facts.items():
        setattr(refined, name, value)
    return refined


def decide(
    error: ModelMismatchError,
    *,
    voice: str,
    model: str,
    account: str,
    record: VoiceRecord | None,
    queried: Voice | NotFoundError | None,
) -> APIStatusError | None:
    """The meaning of a 418 for ``voice`` spoken with ``model``, or None when the facts given do not settle it
    (ask the service, then decide again with ``queried``)."""
    if record is not None and record.deleted_at:
        return _restate(
            NotFoundError,
            error,
            f"voice {voice} was deleted on {record.deleted_at[:10]}",
            "pick another voice (`cosyclone voices list`) or clone the sample again",
        )
    if record is not None and record.account != account:
        return _restate(
            NotFoundError,
            error,
            f"voice {voice} belongs to another account (it was cloned with a different API key)",
            "use the API key of the account that cloned it, or clone the sample again with this key",
        )
    if record is not None and record.status == "UNDEPLOYED":
        return _unavailable(error, voice, "UNDEPLOYED")
    if queried is None:
        return None
    if isinstance(queried, NotFoundError):
        return _restate(
            NotFoundError,
            error,
            f"this account has no voice {voice} (an unknown voice_id, a deleted voice, or another account's)",
            "check the voice_id with `cosyclone voices list`, or use the API key of the account that cloned it",
        )
    if queried.status in ("DEPLOYING", "UNDEPLOYED"):
        return _unavailable(error, voice, queried.status)
    enrolled = queried.target_model or (record.target_model if record else None)
    if enrolled and enrolled != model:
        return _restate(
            ModelMismatchError,
            error,
            f"voice {voice} was enrolled for {enrolled}, not {model}",
            f"synthesize with {enrolled} (omit --model to let it follow the voice)",
        )
    return error


def _unavailable(error: ModelMismatchError, voice: str, status: str) -> APIStatusError:
    if status == "DEPLOYING":
        what, hint = "is still DEPLOYING", f"wait until it is OK: `cosyclone voices show {voice} --wait`"
    else:
        what, hint = (
            "was rejected by the service (status UNDEPLOYED)",
            "check the sample with `cosyclone check`, then clone again with a cleaner recording",
        )
    return _restate(VoiceUnavailableError, error, f"voice {voice} {what}", hint, voice_id=voice, status=status)


class RefusalJudge:
    """Gathers the facts :func:`decide` needs: the registry's record of the voice, then at most one query.

    Args:
        registry: the registry that may know the voice (None: decide from the query alone).
        account: the fingerprint of this client's account (asked only when needed).
        query: ``query_voice`` for one voice_id (None: decide from the registry alone).
        aquery: the same, awaitable, for ``AsyncClient`` (its speech never blocks the event loop).
    """

    def __init__(
        self,
        *,
        registry: VoiceRegistry | None,
        account: Callable[[], str],
        query: Callable[[str], Voice] | None = None,
        aquery: Callable[[str], Awaitable[Voice]] | None = None,
    ) -> None:
        self._registry = registry
        self._account = account
        self._query = query
        self._aquery = aquery

    def model_for(self, voice_id: str) -> str | None:
        """The target model the registry holds for ``voice_id`` (the model-follows-voice lookup)."""
        record = self._registry.get(voice_id) if self._registry is not None else None
        return record.target_model if record is not None else None

    def _known(self, error: APIStatusError, voice: str, model: str) -> _Facts | APIStatusError:
        """The meaning when the registry settles it (or nothing can be learnt), else the facts to query with."""
        if not isinstance(error, ModelMismatchError) or isinstance(error, ModelContradictionError):
            return error
        record = self._registry.get(voice, include_deleted=True) if self._registry is not None else None
        if record is None and model_from_voice_id(voice) is None:
            return error  # a system voice: the model is the only thing that can be wrong
        account = self._account()
        decided = decide(error, voice=voice, model=model, account=account, record=record, queried=None)
        return decided if decided is not None else _Facts(error, account, record)

    def explain(self, error: APIStatusError, *, voice: str, model: str) -> APIStatusError:
        """``error`` as its meaning (see the module docstring); any other error comes back unchanged."""
        facts = self._known(error, voice, model)
        if isinstance(facts, APIStatusError) or self._query is None:
            return facts if isinstance(facts, APIStatusError) else facts.error
        try:
            queried: Voice | NotFoundError = self._query(voice)
        except NotFoundError as missing:
            queried = missing
        except APIError:
            return facts.error  # the service cannot tell us more now: keep what it said
        return facts.decide(voice, model, queried)

    async def explain_async(self, error: APIStatusError, *, voice: str, model: str) -> APIStatusError:
        """:meth:`explain`, querying with ``aquery``."""
        facts = self._known(error, voice, model)
        if isinstance(facts, APIStatusError) or self._aquery is None:
            return facts if isinstance(facts, APIStatusError) else facts.error
        try:
            queried: Voice | NotFoundError = await self._aquery(voice)
        except NotFoundError as missing:
            queried = missing
        except APIError:
            return facts.error
        return facts.decide(voice, model, queried)

    def watch(self, chunks: Iterator[T], *, voice: str, model: str) -> Iterator[T]:
        """``chunks``, with a refusal raised while reading them explained."""
        try:
            yield from chunks
        except ModelMismatchError as error:
            raise self.explain(error, voice=voice, model=model) from error

    async def awatch(self, chunks: AsyncGenerator[T, None], *, voice: str, model: str) -> AsyncGenerator[T, None]:
        """:meth:`watch` for an async stream (closed with it)."""
        try:
            async with contextlib.aclosing(chunks):
                async for chunk in chunks:
                    yield chunk
        except ModelMismatchError as error:
            raise await self.explain_async(error, voice=voice, model=model) from error


@dataclass(frozen=True)
class _Facts:
    """What the registry told: enough to decide once the service has been asked."""

    error: ModelMismatchError
    account: str
    record: VoiceRecord | None

    def decide(self, voice: str, model: str, queried: Voice | NotFoundError) -> APIStatusError:
        return (
            decide(self.error, voice=voice, model=model, account=self.account, record=self.record, queried=queried)
            or self.error
        )
