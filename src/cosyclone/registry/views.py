"""How a voice is named and shown, the same way in the CLI and the MCP server: a name a user gives resolved to a
voice_id, and a voice as the service reports it merged with what the registry remembers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cosyclone._exceptions import InvalidRequestError, Problem
from cosyclone.registry.store import VoiceRecord, VoiceRegistry

if TYPE_CHECKING:
    from cosyclone.client.types import Voice


def resolve_voice_name(registry: VoiceRegistry, name: str, *, account: str, system_voice_ok: bool = False) -> str:
    """A voice_id from a voice_id or an unambiguous registry prefix (or, for synthesis, a system voice name).

    Raises:
        InvalidRequestError: the name matches nothing (and system voices are not allowed here), or several voices.
    """
    if "-" in name:
        return name
    matches = registry.resolve(name, account=account)
    if len(matches) == 1:
        return matches[0].voice_id
    if not matches:
        if system_voice_ok:
            return name
        raise InvalidRequestError([Problem("voice", name, "is neither a voice_id nor a prefix in the registry")])
    ids = ", ".join(m.voice_id for m in matches)
    raise InvalidRequestError([Problem("voice", name, f"matches several voices ({ids}); give the voice_id")])


def describe_voice(voice: Voice, record: VoiceRecord | None = None) -> dict[str, Any]:
    """JSON-ready view of a voice: the service's facts, plus the registry's (prefix, sample hash, origin)."""
    data: dict[str, Any] = {
        "voice_id": voice.voice_id,
        "status": voice.status,
        "target_model": voice.target_model or (record.target_model if record else None),
        "resource_link": voice.resource_link,
        "created_at": voice.created_at.isoformat() if voice.created_at else None,
        "modified_at": voice.modified_at.isoformat() if voice.modified_at else None,
        "request_id": voice.request_id,
    }
    if record is not None:
        data["registry"] = {"prefix": record.prefix, "sample_sha256": record.sample_sha256, "origin": record.origin}
    return data
