"""One error tree for the whole package, and the one place that maps DashScope error codes to it.

::

    CosycloneError
    ├── ConfigurationError                 bad or missing local configuration
    │   ├── MissingAPIKeyError             no API key anywhere we looked (lists the places, says why each failed)
    │   └── RegistryDamagedError           the registry file is not a readable database (says how to recover)
    ├── InvalidRequestError                a rule broken before any call: .problems = [Problem(field, value, rule)]
    │   └── ModelContradictionError        (also a ModelMismatchError) the model contradicts the voice: not sent
    ├── SamplePreflightError               the local sample check failed (.report)
    ├── VoiceNotReadyError                 wait_until_ready timed out while DEPLOYING
    ├── VoiceRejectedError                 the voice reached UNDEPLOYED (terminal)
    ├── ResultNotWrittenError              sent (and billed), but writing the result failed: says what was sent
    └── APIError                           the service could not be reached or refused
        ├── APIConnectionError             no answer: DNS, refused, reset, dropped
        │   └── APITimeoutError
        └── APIStatusError                 an answer with an error code: status_code, code, message, request_id
            ├── BadRequestError            InvalidParameter and other 400s
            │   ├── ModelMismatchError     the voice and the model do not match (engine 418, or refused locally)
            │   ├── VoiceUnavailableError  engine 418 for a voice that is not OK: still DEPLOYING, or UNDEPLOYED
            │   └── SampleRejectedError    Audio.*, BadRequest.UnsupportedFileFormat
            ├── AuthenticationError        401/403: wrong key, wrong region, no access
            ├── NotFoundError              BadRequest.ResourceNotExist; engine 418 for an unknown, deleted or
            │                              another account's voice
            ├── VoiceQuotaExceededError    Throttling.AllocationQuota (1000 voices per account)
            ├── RateLimitError             429 Throttling*
            ├── InternalServerError        5xx
            └── SynthesisFailedError       a task-failed event not covered above

Every message ends with what to do next. The API key never appears in any of them. Why a synthesis was refused
with the engine's 418 (unknown voice, voice not ready, another account's voice, model mismatch) is decided in one
place, :mod:`cosyclone.client._refusal`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cosyclone.schema import error_codes as codes

if TYPE_CHECKING:
    from pydantic import ValidationError


class CosycloneError(Exception):
    """Base of every error this package raises."""

    hint: str = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        if hint is not None:
            self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message

    def rehint(self, hint: str) -> None:
        """Replace the next step (a front end whose flags differ from the ones the default hint names)."""
        self.hint = hint
        self.args = (self._render(),)


class ConfigurationError(CosycloneError):
    """Local configuration is missing or wrong."""


class MissingAPIKeyError(ConfigurationError):
    """No API key was found in any of the places we looked (``.looked_at``)."""

    def __init__(self, looked_at: list[str]) -> None:
        self.looked_at = looked_at
        places = "; ".join(_why_no_key(place) for place in looked_at)
        super().__init__(
            f"no DashScope API key found (looked at: {places})",
            hint="set DASHSCOPE_API_KEY, or run against the local emulator with --emulator",
        )


def _why_no_key(place: str) -> str:
    """``place`` (as ``_config`` names it), plus why a key file named there gave no key: missing, a directory,
    unreadable."""
    named = re.search(r"\(([^()]*)\)$", place)  # "DASHSCOPE_API_KEY_FILE_PATH (path)"
    plain = re.match(r"^([^\[]+?)(?: \[.*)?$", place)  # "path" or "path [profile] dashscope_api_key"
    if named is not None and named.group(1) != "unset":
        path = named.group(1).strip()
    elif plain is not None and os.path.sep in plain.group(1):
        path = plain.group(1).strip()
    else:
        return place
    if not os.path.lexists(path):
        reason = "no such file"
    elif os.path.isdir(path):
        reason = "a directory, not a file"
    elif not os.access(path, os.R_OK):
        reason = "not readable"
    else:
        return place
    return f"{place}: {reason}"


class RegistryDamagedError(ConfigurationError):
    """The registry file cannot be read as a database; nothing was changed in it."""

    def __init__(self, path: object, detail: str) -> None:
        self.path = path
        super().__init__(
            f"the voice registry {path} is damaged ({detail}); it was left untouched",
            hint=(
                f"move it aside (`mv {path} {path}.damaged`), then run `cosyclone voices sync --adopt` to rebuild it "
                "from the service"
            ),
        )


@dataclass(frozen=True)
class Problem:
    """One broken rule: which field, what value, and the rule in plain words."""

    field: str
    value: object
    rule: str

    def __str__(self) -> str:
        return f"{self.field}={self.value!r}: {self.rule}"


class InvalidRequestError(CosycloneError):
    """The request breaks one or more rules; nothing was sent."""

    def __init__(self, problems: list[Problem], *, hint: str | None = None) -> None:
        self.problems = problems
        super().__init__(
            "invalid request: " + "; ".join(str(p) for p in problems),
            hint=hint if hint is not None else "fix the named field(s) and try again",
        )


class SamplePreflightError(CosycloneError):
    """The voice sample failed the local preflight; ``.report`` holds the findings."""

    def __init__(self, message: str, *, report: Any = None) -> None:
        self.report = report
        super().__init__(message, hint="run `cosyclone check SAMPLE --fix OUT.wav`, or pass --force to send it anyway")


class ConsentRefusedError(CosycloneError):
    """The consent recording was not verified, or a consent recording is required and none was given; nothing was
    sent. The message begins ``consent refused:``; ``.verdict`` holds the figures (None when none was given)."""

    def __init__(self, reason: str, *, verdict: Any = None, hint: str | None = None) -> None:
        self.verdict = verdict
        super().__init__(
            f"consent refused: {reason}",
            hint=hint
            if hint is not None
            else "record the speaker reading the consent text (`cosyclone consent-text`) clearly, in a quiet room",
        )


class VoiceNotReadyError(CosycloneError):
    def __init__(self, voice_id: str, status: str, waited_s: float) -> None:
        self.voice_id, self.status, self.waited_s = voice_id, status, waited_s
        super().__init__(
            f"voice {voice_id} is still {status} after {waited_s:.0f} s",
            hint=f"wait longer: `cosyclone voices show {voice_id} --wait`",
        )


class ResultNotWrittenError(CosycloneError):
    """The request was sent and done (billed), but writing its result failed (disk full, a folder that turned
    read-only, …). Says truthfully what was sent: ``.what`` (e.g. "the synthesis"), ``.characters`` billed,
    ``.request_id``; ``.path`` that could not be written and ``.reason``; ``.audio`` the synthesized audio when it
    could be kept in memory, ``.kept_at`` where it was saved instead (None: nowhere)."""

    def __init__(
        self,
        path: object,
        reason: str,
        *,
        what: str = "the synthesis",
        characters: int | None = None,
        request_id: str | None = None,
        audio: bytes | None = None,
        kept_at: object = None,
    ) -> None:
        self.path, self.reason, self.what = path, reason, what
        self.characters, self.request_id, self.audio, self.kept_at = characters, request_id, audio, kept_at
        super().__init__(self._compose(), hint=self._next_step())

    def _compose(self) -> str:
        billed = f"{self.characters} characters billed" if self.characters is not None else "billed"
        rid = f", request_id {self.request_id}" if self.request_id else ""
        return f"{self.what} was sent and done ({billed}{rid}), but writing {self.path} failed: {self.reason}"

    def _next_step(self) -> str:
        if self.kept_at:
            return f"the audio was kept at {self.kept_at}: move it where you want it, after freeing space"
        return "free space (or choose a writable place) and run again"

    def keep(self, where: object) -> None:
        """Say that the audio was saved at ``where`` after all."""
        self.kept_at = where
        self.rehint(self._next_step())


class VoiceRejectedError(CosycloneError):
    def __init__(self, voice_id: str) -> None:
        self.voice_id = voice_id
        super().__init__(
            f"voice {voice_id} was rejected by the service (status UNDEPLOYED)",
            hint="check the sample with `cosyclone check`, then clone again with a cleaner recording",
        )


class APIError(CosycloneError):
    """The service could not be reached, or answered with an error."""


class APIConnectionError(APIError):
    """No (complete) answer. ``request_sent`` tells whether the service may have received, and acted on, it."""

    def __init__(
        self, message: str = "could not reach the service", *, hint: str | None = None, request_sent: bool = True
    ) -> None:
        self.request_sent = request_sent
        super().__init__(message, hint=hint or "check the network and the base URL, then try again")


class APITimeoutError(APIConnectionError):
    def __init__(self, message: str = "the request timed out", *, request_sent: bool = True) -> None:
        super().__init__(
            message, hint="try again, or raise the timeout (--timeout / timeout=)", request_sent=request_sent
        )


class APIStatusError(APIError):
    """The service answered with an error code."""

    default_hint = "see the message; quote the request_id if you ask Alibaba Cloud support"

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None,
        code: str,
        request_id: str = "",
        hint: str | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        self.status_code = status_code
        self.retry_after_s = retry_after_s
        self.code = code
        self.request_id = request_id
        self.service_message = message
        status = f"HTTP {status_code} " if status_code is not None else ""
        rid = f" (request_id {request_id})" if request_id else ""
        super().__init__(f"{status}{code}: {message}{rid}", hint=hint or self.default_hint)


class BadRequestError(APIStatusError):
    default_hint = "fix the request as the message says"


class ModelMismatchError(BadRequestError):
    """The voice and the model do not match: refused by the service (engine 418, after
    :mod:`cosyclone.client._refusal` ruled out the other causes) or, as :class:`ModelContradictionError`, before
    any call."""

    default_hint = (
        "synthesize with the same model the voice was enrolled for (its target_model); "
        "omit --model to let it follow the voice"
    )


class ModelContradictionError(ModelMismatchError, InvalidRequestError):
    """The model asked for contradicts the voice's target model: refused before any call (nothing was sent).

    Both a :class:`ModelMismatchError` (the meaning) and an :class:`InvalidRequestError` (nothing sent, with
    ``.problems``), so either ``except`` catches it; ``status_code`` is None and ``request_id`` empty."""

    def __init__(self, problems: list[Problem], *, hint: str | None = None) -> None:
        self.problems = problems
        self.status_code = None
        self.retry_after_s = None
        self.code = "ModelMismatch"
        self.request_id = ""
        self.service_message = ""
        CosycloneError.__init__(
            self, "invalid request: " + "; ".join(str(p) for p in problems), hint=hint if hint is not None else ""
        )


class VoiceUnavailableError(BadRequestError):
    """The service refused to synthesize with a voice that is not OK: still ``DEPLOYING`` (wait) or
    ``UNDEPLOYED`` (rejected: clone again). ``.voice_id`` and ``.status`` say which."""

    voice_id: str = ""
    status: str = ""


class SampleRejectedError(BadRequestError):
    default_hint = "run `cosyclone check SAMPLE` to see why, and `--fix OUT.wav` to repair it"


class AuthenticationError(APIStatusError):
    default_hint = (
        "check the API key; Beijing (cn-beijing) and Singapore (ap-southeast-1) keys differ, "
        "so pick the region the key belongs to with --region or DASHSCOPE_API_REGION"
    )


class NotFoundError(APIStatusError):
    default_hint = "check the voice_id with `cosyclone voices list`; it may be deleted or belong to another account"


class VoiceQuotaExceededError(APIStatusError):
    default_hint = "the account holds its maximum of 1000 voices: delete unused ones with `cosyclone voices delete`"


class RateLimitError(APIStatusError):
    default_hint = "slow down (lower --concurrency) and try again shortly"


class InternalServerError(APIStatusError):
    default_hint = "the service failed; try again later (noisy or unreachable samples can cause this too)"


class SynthesisFailedError(APIStatusError):
    default_hint = "the synthesis task failed; check the text, voice and parameters, then try again"


#: What each code of ``schema/error_codes.py`` means, by code (checked before the status); a guard test keeps every
#: declared code here or under a prefix below.
CODE_CLASSES: dict[str, type[APIStatusError]] = {
    codes.RESOURCE_NOT_EXIST: NotFoundError,
    codes.ALLOCATION_QUOTA: VoiceQuotaExceededError,
    codes.UNSUPPORTED_FILE_FORMAT: SampleRejectedError,
    codes.INVALID_API_KEY: AuthenticationError,
    codes.NOT_AUTHORIZED: AuthenticationError,
}
#: Code families: every ``Audio.*`` code is a rejected sample, every ``Throttling.*`` a rate limit (quota aside).
CODE_PREFIX_CLASSES: tuple[tuple[str, type[APIStatusError]], ...] = (
    (codes.AUDIO_PREFIX, SampleRejectedError),
    (codes.THROTTLING, RateLimitError),
)
#: Codes whose class follows the HTTP status (400 → BadRequestError, 5xx → InternalServerError, a WebSocket
#: ``task-failed`` → SynthesisFailedError).
STATUS_CODES = frozenset(
    {codes.INVALID_PARAMETER, codes.DATA_INSPECTION, codes.INTERNAL_ERROR, codes.CLIENT_ERROR, codes.THROTTLING_RATE}
)


def _class_for(status_code: int | None, code: str, message: str) -> type[APIStatusError]:
    """The meaning of an error: the engine's 418 first, then the code, then the status."""
    if codes.ENGINE_418 in message and ("Engine" in message or "engine" in message):
        return ModelMismatchError
    by_code = _class_for_code(code)
    if by_code is not None:
        return by_code
    if status_code == 429 or "rate limit" in message.lower():
        return RateLimitError
    if status_code in (401, 403):
        return AuthenticationError
    if status_code is not None and status_code >= 500:
        return InternalServerError
    return SynthesisFailedError if status_code is None else BadRequestError


def _class_for_code(code: str) -> type[APIStatusError] | None:
    if code in CODE_CLASSES:
        return CODE_CLASSES[code]
    if codes.ACCESS_DENIED in code:
        return AuthenticationError
    return next((cls for prefix, cls in CODE_PREFIX_CLASSES if code.startswith(prefix)), None)


def error_for(
    *, status_code: int | None, code: str, message: str, request_id: str = "", retry_after_s: float | None = None
) -> APIStatusError:
    """Map a DashScope error (HTTP reply or WebSocket ``task-failed``) to the exception class for its meaning."""
    cls = _class_for(status_code, code, message)
    return cls(message, status_code=status_code, code=code, request_id=request_id, retry_after_s=retry_after_s)


def problems_from_validation_error(error: ValidationError) -> list[Problem]:
    """Turn a pydantic error into plain-words problems: field, value, rule."""
    problems = []
    for item in error.errors(include_url=False):
        loc = ".".join(str(part) for part in item["loc"]) or "request"
        kind = item["type"]
        if kind == "missing":
            rule = "is required"
            value: object = None
        elif kind == "extra_forbidden":
            rule = "is not a field of this request (check the spelling)"
            value = item.get("input")
        else:
            message = str(item["msg"])
            rule = message.removeprefix("Value error, ")
            rule = rule[0].lower() + rule[1:] if rule else rule
            value = item.get("input")
        problems.append(Problem(loc, value, rule))
    return problems
