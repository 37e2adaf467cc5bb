"""The whole mission end to end, for a first run: check a real speech sample → clone it → wait until ready →
speak a sentence with it, leaving the preflight picture, the audio and an evidence JSON behind.

Who may import it: the CLI (``cosyclone demo``). Runs against whatever client it is given (the embedded
emulator when no key is configured, the real service otherwise).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cosyclone._exceptions import SamplePreflightError
from cosyclone.client import Client
from cosyclone.ops.enrollment import clone_voice
from cosyclone.ops.evidence import Evidence
from cosyclone.registry import VoiceRegistry
from cosyclone.schema.clone import DEFAULT_TARGET_MODEL

if TYPE_CHECKING:
    from cosyclone.audio.preflight import PreflightReport
    from cosyclone.ops.session import Session

DEMO_PREFIX = "demo"
DEMO_TEXT = "Hello! This voice was cloned with cosyclone from fifteen seconds of a public domain recording."
BUNDLED_SAMPLE = "librivox-reader-15s.wav"
#: The Mandarin tour (``--language zh``): a real Mandarin reader (AISHELL-1, Apache-2.0) and a Chinese sentence.
DEMO_TEXT_ZH = "你好！这个声音是用cosyclone从十四秒的普通话录音克隆出来的，今天是2024年3月5日。"
BUNDLED_SAMPLE_ZH = "aishell1-s0002-14s.wav"
DEMO_LANGUAGES = ("en", "zh")


def bundled_sample(language: str = "en") -> Path:
    """The sample shipped with the package for ``language`` (see cosyclone/data/README.md)."""
    name = BUNDLED_SAMPLE_ZH if language == "zh" else BUNDLED_SAMPLE
    return Path(str(resources.files("cosyclone.data").joinpath(name)))


@dataclass
class DemoResult:
    voice_id: str
    audio_path: Path
    picture_path: Path | None
    evidence_path: Path | None
    summary: dict[str, Any] = field(default_factory=dict)


def _check_sample(
    source: Path, evidence: Evidence, out_dir: Path, step: Callable[[str], None]
) -> tuple[PreflightReport, Path | None]:
    """The demo's step 1: the preflight of ``source``, its picture and ``preflight.json``; raises when it fails."""
    from cosyclone.audio.plot import plot_report
    from cosyclone.audio.preflight import load_and_check

    report, decoded = load_and_check(source)
    picture = None
    if decoded is not None:
        picture = plot_report(report, decoded, out_dir / "preflight.png")
    evidence.write_json("preflight.json", report.to_dict())
    step(f"          verdict {report.verdict}" + (f" — picture {picture}" if picture else ""))
    if report.verdict == "fail":
        raise SamplePreflightError("the demo sample fails the preflight", report=report)
    return report, picture


def run_demo(
    client: Client,
    registry: VoiceRegistry,
    evidence: Evidence,
    *,
    sample: Path | None = None,
    target_model: str = DEFAULT_TARGET_MODEL,
    text: str | None = None,
    language: str = "en",
    out_dir: Path,
    step: Callable[[str], None] = lambda _message: None,
) -> DemoResult:
    """Run the demo; ``step`` is told what happens (one line per step). ``language`` ``zh`` clones the bundled
    Mandarin reader with the ``zh`` language hint and speaks Chinese (unless ``sample``/``text`` are given).
    Refused when consent is required (the bundled reader gave none)."""
    from cosyclone.ops.consent import refuse_unconsented

    refuse_unconsented("demo")

    started = time.perf_counter()
    timings: dict[str, float] = {}
    source = sample or bundled_sample(language)
    text = text or (DEMO_TEXT_ZH if language == "zh" else DEMO_TEXT)
    hints = [language] if language != "en" else None

    step(f"1/4 check   {source.name}")
    report, picture = _check_sample(source, evidence, out_dir, step)
    timings["check_s"] = time.perf_counter() - started

    step(f"2/4 clone   prefix {DEMO_PREFIX!r} for {target_model}")
    outcome = clone_voice(
        client, registry, sample=source, prefix=DEMO_PREFIX, target_model=target_model, language_hints=hints, wait=False
    )
    timings["clone_s"] = outcome.timings_s.get("total", 0.0)
    step(f"          {'reused' if outcome.reused else 'created'} {outcome.voice_id}")

    step("3/4 wait    until the voice is OK")
    wait_started = time.perf_counter()
    ready = client.voices.wait_until_ready(outcome.voice_id, timeout=300)
    registry.set_status(outcome.voice_id, ready.status)
    timings["wait_s"] = time.perf_counter() - wait_started

    step(f"4/4 speak   “{text[:48]}…”")
    audio_path = out_dir / "demo.mp3"
    speech = client.speech.to_file(text, audio_path, voice=outcome.voice_id, format="mp3")
    timings["speak_s"] = speech.elapsed_s
    timings["first_audio_s"] = speech.first_audio_s or 0.0
    timings["total_s"] = time.perf_counter() - started

    summary: dict[str, Any] = {
        "ok": True,
        "base_url": client.endpoints.http_base_url,
        "region": client.region,
        "target_model": target_model,
        "language": language,
        "prefix": DEMO_PREFIX,
        "sample": str(source),
        "sample_url": outcome.record.sample_url,
        "preflight_verdict": report.verdict,
        "voice_id": outcome.voice_id,
        "reused_voice": outcome.reused,
        "request_ids": {
            "clone": outcome.created.request_id if outcome.created else outcome.record.request_id,
            "ready": ready.request_id,
            "speak": speech.request_ids,
        },
        "audio": str(audio_path),
        "audio_bytes": speech.bytes_written,
        "characters": speech.characters,
        "picture": str(picture) if picture else None,
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
    }
    evidence_path = evidence.write_json("demo.json", summary)
    return DemoResult(outcome.voice_id, audio_path, picture, evidence_path, summary)


def demo(
    session: Session,
    *,
    sample: Path | None = None,
    target_model: str = DEFAULT_TARGET_MODEL,
    language: str = "en",
    step: Callable[[str], None] = lambda _message: None,
) -> DemoResult:
    """:func:`run_demo` for a front end: without a key (and no ``--emulator``) the session switches to the
    embedded emulator; the files go to the session's evidence folder (default ``DEFAULT_EVIDENCE_DIR``).

    Raises:
        InvalidRequestError: ``language`` is not a demo language, ``sample`` is not a file; errors of
            :func:`run_demo`.
    """
    from cosyclone._exceptions import InvalidRequestError, Problem
    from cosyclone.ops.evidence import DEFAULT_EVIDENCE_DIR

    if language not in DEMO_LANGUAGES:
        raise InvalidRequestError(
            [Problem("--language", language, f"must be one of {', '.join(DEMO_LANGUAGES)}")],
            hint="leave --language out for English, or pass --language zh for the Mandarin tour",
        )

    if sample is not None and not sample.is_file():
        reason = "is a directory, not an audio file" if sample.is_dir() else "no such file"
        raise InvalidRequestError(
            [Problem("--sample", str(sample), reason)],
            hint="give the path of a recording (10–20 s of one speaker), or leave --sample out for the bundled one",
        )
    if not session.use_emulator and not session.service_configured():
        session.use_emulator = True
        step("no DASHSCOPE_API_KEY: running on the embedded emulator (offline, no quota)")
    elif not session.use_emulator:
        step(f"using the service at region {session.resolved_region()} with model {target_model}")
    out_dir = session.evidence_dir or DEFAULT_EVIDENCE_DIR
    evidence = session.evidence()
    return run_demo(
        session.client(),
        session.registry(),
        evidence,
        sample=sample,
        target_model=target_model,
        language=language,
        out_dir=out_dir,
        step=step,
    )
