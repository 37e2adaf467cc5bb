"""Voice names in the registry: a voice_id from a voice_id or an unambiguous prefix, and why a name names no voice.

No I/O beyond the registry. Who may import it: the library layer (:mod:`cosyclone.ops.voices`) and ``quality/``
(which resolves the voice it scores).
"""

from __future__ import annotations

from cosyclone._exceptions import InvalidRequestError, Problem
from cosyclone.registry.store import VoiceRegistry

__all__ = ["close_names", "resolve_voice_name"]


def resolve_voice_name(registry: VoiceRegistry, name: str, *, account: str, system_voice_ok: bool = False) -> str:
    """A voice_id from a voice_id or an unambiguous prefix of ``account``'s voices in ``registry``.

    Raises:
        InvalidRequestError: the name matches nothing (and system voices are not allowed here), or several voices.
    """
    if "-" in name:
        return name
    matches = registry.resolve(name, account=account)
    if len(matches) == 1:
        return matches[0].voice_id
    if not matches:
        why = _why_unknown(registry, name, account)
        close = close_names(registry, name, account=account)
        # A name the registry never saw, and not a typo of one it knows, may be a system voice.
        if system_voice_ok and why.rule == _NEITHER and not close:
            return name
        if close and why.rule == _NEITHER:
            why = Problem("voice", name, f"is no voice of yours; did you mean {' or '.join(close)}?")
        raise InvalidRequestError([why], hint=_UNKNOWN_HINT)
    ids = ", ".join(m.voice_id for m in matches)
    raise InvalidRequestError([Problem("voice", name, f"matches several voices ({ids}); give the voice_id")])


def close_names(registry: VoiceRegistry, name: str, *, account: str, limit: int = 3) -> list[str]:
    """The prefixes and voice_ids of ``account``'s live voices that look like ``name`` (a typo of one of them)."""
    import difflib

    records = registry.list(account=account)
    names = sorted({r.prefix for r in records if r.prefix} | {r.voice_id for r in records})
    lowered = {n.lower(): n for n in names}
    found = difflib.get_close_matches(name.lower(), list(lowered), n=limit, cutoff=0.6)
    return [lowered[f] for f in found]


_NEITHER = "is neither a voice_id nor a prefix in the registry"
_UNKNOWN_HINT = "see the voices with `cosyclone voices list` (or `voices list --local`), and give a voice_id or prefix"


def _why_unknown(registry: VoiceRegistry, name: str, account: str) -> Problem:
    """Why ``name`` names no live voice of this account: deleted, another account's, or simply unknown."""
    records = registry.list(prefix=name, include_deleted=True)
    mine = [r for r in records if r.account == account]
    if mine:
        latest = mine[0]
        when = (latest.deleted_at or "")[:10]
        return Problem("voice", name, f"names {latest.voice_id}, which was deleted on {when}; clone it again")
    if records:
        return Problem(
            "voice", name, f"is a prefix of {len(records)} voice(s) of another account (cloned with another API key)"
        )
    return Problem("voice", name, _NEITHER)
