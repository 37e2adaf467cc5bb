"""Adopt the voice an interrupted clone made, instead of making a second one.

A clone records its *intent* (:class:`cosyclone.registry.claims.EnrollIntent`: prefix, model, sample, time)
before sending the create request, and drops it once the voice is recorded. An intent still there when the next
clone of the same sample takes the claim means the earlier run was interrupted (Ctrl-C, SIGKILL, power loss)
somewhere between sending and recording: the service may hold a voice the registry does not know. This module
looks for it the way the service allows — list the voices by prefix, keep those created since the intent (with
room for clock skew), of the intent's model, not already in the registry, and of the intent's sample when the
service echoes its URL — and returns it when exactly one fits. Two that fit would be a guess: the error names them.

Limits, said plainly: a sample sent inline (a local file) has no link the service echoes, so a voice made under
the same prefix and model by someone else (another machine, unknown to this registry) since the interrupted run
would look like ours — then two fit and nothing is guessed, or, if ours was never made, that one would be
adopted. And a create the service is *still* processing when the re-run looks is not seen yet (the re-run then
makes its own); the tests wait for the service to finish before re-running.

Who may import it: :mod:`cosyclone.ops.enrollment`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from cosyclone._exceptions import CosycloneError
from cosyclone.client import Client
from cosyclone.client.types import Voice
from cosyclone.registry.claims import EnrollIntent

#: Voices created this long before the intent still count (the service's clock may differ from ours).
ADOPT_CLOCK_SKEW = dt.timedelta(minutes=10)


class AmbiguousAdoptionError(CosycloneError):
    """An interrupted clone may have made any of several voices: we do not guess which."""

    def __init__(self, intent: EnrollIntent, candidates: list[str]) -> None:
        self.candidates = candidates
        super().__init__(
            f"an earlier run of this clone was interrupted after sending its create request, and {len(candidates)} "
            f"voices with prefix {intent.prefix!r} and model {intent.target_model} made since then are not in the "
            f"registry: {', '.join(candidates)}",
            hint="delete the ones that are not this sample's voice (`cosyclone voices delete ID`) and run the same "
            "clone again: it adopts the one left",
        )


def find_interrupted_voice(client: Client, intent: EnrollIntent, *, exclude: Iterable[str]) -> Voice | None:
    """The voice the interrupted run of ``intent`` made, or None if the service holds none (see the module doc)."""
    known = set(exclude)
    since = dt.datetime.fromtimestamp(intent.started_at, dt.timezone.utc) - ADOPT_CLOCK_SKEW
    fits: list[Voice] = []
    for summary in client.voices.iter_all(prefix=intent.prefix):
        if summary.voice_id in known:
            continue
        if summary.created_at is not None and summary.created_at < since:
            continue
        voice = client.voices.get(summary.voice_id)
        if voice.target_model not in (None, intent.target_model):
            continue
        if intent.sample_url and voice.resource_link:
            if voice.resource_link == intent.sample_url:
                return voice
            continue
        fits.append(voice)
    if len(fits) > 1:
        raise AmbiguousAdoptionError(intent, [v.voice_id for v in fits])
    return fits[0] if fits else None
