"""Verified consent, the action: read the recording and the sample, measure them
(:mod:`cosyclone.quality.consent`), refuse before anything is sent, and keep the provenance with the voice.

- :func:`verify_consent` — the public library call (``cosyclone.verify_consent``): the verdict with its figures.
- :func:`consent_for_clone` — what a clone runs first: ``None`` without a recording (unless consent is required:
  ``require_consent = true`` in ``$COSYCLONE_HOME/config.toml`` or ``COSYCLONE_REQUIRE_CONSENT=1``), the verified
  verdict, or :class:`~cosyclone.ConsentRefusedError` (exit 2).
- :func:`refuse_unconsented` — what the other enrollments (``compare``, ``voices update``, ``demo``) run first when
  consent is required: they take no consent recording, so they are refused.
- :func:`keep_consent` — after the clone: the provenance stored in the registry (``voices show`` → ``consent``); the
  verified bytes were already copied into ``$COSYCLONE_HOME/consent/`` (named by their SHA-256, never in a
  temporary place) by :func:`consent_for_clone`.

Who may import it: the library layer (:mod:`cosyclone.ops.clone`), the front ends (``cli/``, ``mcp/``,
``studio/``) and the public surface. It uses ``audio``, ``quality.consent`` and the registry;
no client, nothing is sent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cosyclone._config import cosyclone_home
from cosyclone._exceptions import ConsentRefusedError, InvalidRequestError, Problem

if TYPE_CHECKING:
    from cosyclone.quality.consent import ConsentVerdict
    from cosyclone.registry import VoiceRegistry

__all__ = [
    "REQUIRE_CONSENT_ENV",
    "consent_for_clone",
    "consent_required",
    "default_consent_text",
    "keep_consent",
    "refuse_unconsented",
    "verify_consent",
]

REQUIRE_CONSENT_ENV = "COSYCLONE_REQUIRE_CONSENT"
#: A consent recording is a sentence or two: far below this.
MAX_RECORDING_BYTES = 20 * 1024 * 1024
_TRUE = ("1", "true", "yes", "on")


def default_consent_text(language: str | None = None) -> str:
    """The default consent sentence in ``language`` (``en`` when None; ``zh`` has its own)."""
    from cosyclone.quality.consent import consent_sentence

    return consent_sentence(language or "en")


def consent_languages() -> tuple[str, ...]:
    """The languages that have their own consent sentence."""
    from cosyclone.quality.consent import CONSENT_SENTENCES

    return tuple(CONSENT_SENTENCES)


def _home_config() -> tuple[Path, dict[str, Any]]:
    path = cosyclone_home() / "config.toml"
    if not path.is_file():
        return path, {}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        return path, tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise InvalidRequestError([Problem(str(path), None, f"is not a readable TOML config file: {error}")]) from None


def consent_required() -> str | None:
    """Where consent is made mandatory (``COSYCLONE_REQUIRE_CONSENT=1``, or the home's ``config.toml`` with
    ``require_consent = true``), or None when it is optional."""
    value = os.environ.get(REQUIRE_CONSENT_ENV, "").strip().lower()
    if value in _TRUE:
        return f"{REQUIRE_CONSENT_ENV}={os.environ[REQUIRE_CONSENT_ENV]}"
    path, config = _home_config()
    if config.get("require_consent") is True:
        return f"require_consent = true in {path}"
    return None


def refuse_unconsented(action: str) -> None:
    """Refuse ``action`` (``compare``, ``voices update``, ``demo``: enrollments that take no consent recording) when
    consent is required; nothing has been sent.

    Raises:
        ConsentRefusedError: consent is required (naming where, and ``clone --consent``).
    """
    where = consent_required()
    if where is not None:
        raise ConsentRefusedError(
            f"a consent recording is required ({where}) and `{action}` enrolls a voice without one",
            hint="clone the voice with `cosyclone clone SAMPLE --consent RECORDING` instead",
        )


def _read(path: str | os.PathLike[str], field: str) -> bytes:
    from cosyclone.audio.io import is_url

    if is_url(str(path)) or str(path).startswith("oss://"):
        raise InvalidRequestError([Problem(field, str(path), "consent is checked on local files: download it first")])
    file = Path(path)
    if not file.is_file():
        raise InvalidRequestError([Problem(field, str(path), "no such file")])
    if file.stat().st_size > MAX_RECORDING_BYTES:
        raise InvalidRequestError([Problem(field, str(path), f"is larger than {MAX_RECORDING_BYTES >> 20} MB")])
    return file.read_bytes()


def _decoded(data: bytes, field: str, path: str | os.PathLike[str]) -> Any:
    from cosyclone.audio.io import AudioDecodeError, decode

    try:
        return decode(data)
    except AudioDecodeError as error:
        raise InvalidRequestError([Problem(field, str(path), f"is not usable audio: {error.message}")]) from None


def verify_consent(
    recording: str | os.PathLike[str],
    sample: str | os.PathLike[str],
    text: str | None = None,
    *,
    language: str | None = None,
) -> ConsentVerdict:
    """Does ``recording`` hold the speaker of ``sample`` reading ``text``? Nothing is sent anywhere.

    Args:
        recording: the consent recording (a local audio file, any format ``cosyclone check`` reads).
        sample: the voice sample to be cloned (a local file).
        text: the words the speaker was asked to read; default: the default sentence in ``language``.
        language: ``en`` or ``zh`` (compared by characters); default: the script of ``text``, or without ``text``
            the language the recogniser hears in the sample (``en`` when it cannot tell).

    Returns:
        The :class:`~cosyclone.ConsentVerdict`: ``verified``, the text, what was heard, the error rate and the
        speaker similarity with their thresholds, and the recording's ``sha256``.

    Raises:
        InvalidRequestError: a file is missing, remote, too large or not audio, or the text is empty.
    """
    return _verify(_read(recording, "consent"), recording, sample, text, language)


def _verify(
    recorded_bytes: bytes,
    recording: str | os.PathLike[str],
    sample: str | os.PathLike[str],
    text: str | None,
    language: str | None,
) -> ConsentVerdict:
    import dataclasses

    from cosyclone.quality.consent import measure_consent

    heard = _decoded(recorded_bytes, "consent", recording)
    voice = _decoded(_read(sample, "sample"), "sample", sample)
    if language is None:
        language = _language_of(text, voice)
    language = language.split("-")[0].lower()
    wanted = default_consent_text(language) if text is None else text
    if not wanted.strip():
        raise InvalidRequestError([Problem("consent_text", text, "must not be empty")])
    verdict = measure_consent(
        heard.samples, heard.sample_rate, voice.samples, voice.sample_rate, text=wanted, language=language
    )
    return dataclasses.replace(
        verdict, sha256=hashlib.sha256(recorded_bytes).hexdigest(), recording=str(Path(recording).resolve())
    )


def _language_of(text: str | None, voice: Any) -> str:
    """The language to hold the recording to: own wording's script (Chinese characters: ``zh``), else the language
    the multilingual recogniser hears in the sample (``zh`` or ``en``; ``en`` when it cannot tell)."""
    from cosyclone.audio.recognize import detect_language, language_of_text

    if text is not None:
        return language_of_text(text)
    heard = detect_language(voice.samples, sample_rate_hz=voice.sample_rate)
    return heard if heard in consent_languages() else "en"


def consent_for_clone(
    *,
    sample: str | os.PathLike[str],
    consent: str | os.PathLike[str] | None,
    consent_text: str | None = None,
    language_hints: list[str] | None = None,
) -> ConsentVerdict | None:
    """Run before a clone sends anything: None without ``consent`` (when consent is optional), else the verified
    verdict.

    Raises:
        ConsentRefusedError: the recording is not verified (every failed check named with its figure and
            threshold), or consent is required and no recording was given (naming ``--consent``).
        InvalidRequestError: ``consent_text`` without ``consent``, or a file problem.
    """
    if consent is None:
        if consent_text is not None:
            raise InvalidRequestError([Problem("consent_text", consent_text, "needs a consent recording (--consent)")])
        where = consent_required()
        if where is not None:
            raise ConsentRefusedError(
                f"a consent recording is required ({where}) and none was given: pass --consent RECORDING",
                hint="record the speaker reading `cosyclone consent-text` and pass it with --consent RECORDING",
            )
        return None
    import dataclasses

    language = next((hint for hint in language_hints or [] if hint), None)
    recorded_bytes = _read(consent, "consent")
    verdict = _verify(recorded_bytes, consent, sample, consent_text, language)
    if not verdict.verified:
        raise ConsentRefusedError(verdict.reason(), verdict=verdict)
    # The very bytes that were verified are kept now, before the clone: a file changed meanwhile cannot slip in.
    kept = _keep_recording(recorded_bytes, Path(consent).suffix, verdict.sha256 or "")
    return dataclasses.replace(verdict, recording=str(kept))


def _keep_recording(data: bytes, suffix: str, sha256: str) -> Path:
    """``data`` written to ``$COSYCLONE_HOME/consent/SHA256.EXT`` (``.part`` then renamed; kept if already there)."""
    folder = cosyclone_home() / "consent"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{sha256}{suffix.lower() or '.audio'}"
    if not target.exists():
        part = target.with_name(target.name + ".part")
        part.write_bytes(data)
        os.replace(part, target)
    return target


def keep_consent(registry: VoiceRegistry, voice_id: str, verdict: ConsentVerdict) -> dict[str, Any]:
    """Store the provenance of a verified consent (from :func:`consent_for_clone`, whose ``recording`` is the copy
    kept in the home) with ``voice_id``; returns it as ``voices show`` shows it:
    ``{verified, text, speaker_similarity, sha256, at, error_rate, error_metric, language, heard, recording}``."""
    measured = verdict.to_dict()
    provenance: dict[str, Any] = {
        "verified": verdict.verified,
        "text": verdict.text,
        "speaker_similarity": measured["speaker_similarity"],
        "sha256": verdict.sha256,
        "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "error_rate": measured["error_rate"],
        "error_metric": measured["error_metric"],
        "language": verdict.language,
        "heard": verdict.heard,
        "recording": verdict.recording,
    }
    registry.save_consent(voice_id, provenance)
    return provenance
