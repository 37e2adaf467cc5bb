"""Speak into a file for a front end: the summary of a synthesis (what was written, billed and how fast) and its
evidence (``speak.json``), the same for ``cosyclone speak -o`` and the MCP ``synthesize`` tool.

Who may import it: the front ends (``cli/``, ``mcp_server.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cosyclone.client.speech import SpeechResult
    from cosyclone.session import Session


def speech_summary(result: SpeechResult, *, voice_id: str, file: Path | str) -> dict[str, Any]:
    """JSON-ready facts of one synthesis written to ``file`` (shown as given)."""
    return {
        "ok": True,
        "file": str(file),
        "voice": voice_id,
        "model": result.model,
        "format": result.format,
        "sample_rate": result.sample_rate,
        "bytes": result.bytes_written,
        "characters": result.characters,
        "request_id": result.request_id,
        "request_ids": result.request_ids,
        "sentences": len(result.sentences),
        "first_audio_s": round(result.first_audio_s or 0.0, 4),
        "elapsed_s": round(result.elapsed_s, 4),
    }


def record_speech(
    session: Session, result: SpeechResult, *, voice_id: str, file: Path | str | None = None
) -> dict[str, Any]:
    """The summary of ``result`` (``file`` defaults to the path written), also written to ``speak.json``."""
    summary = speech_summary(result, voice_id=voice_id, file=file if file is not None else (result.path or ""))
    session.write_evidence("speak.json", dict(summary), summary)
    return summary
