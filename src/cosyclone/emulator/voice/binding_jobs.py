"""Voice bindings off the request path: a cache by sample content and one background worker that fills it.

Binding a sample to a speech-engine voice (:func:`cosyclone.emulator.state.sample_judge.bind_bytes`) takes seconds of
CPU, so ``create_voice``/``update_voice`` answer at once with the voice ``DEPLOYING`` and hand the sample to
:class:`BindingJobs`; the voice leaves ``DEPLOYING`` once its binding is settled (see
:mod:`cosyclone.emulator.state.lifecycle`). Bindings are deterministic, so they are cached by the sha256 of the sample's
bytes: the same sample binds once, whatever the model or tenant, and a sample already in the queue is not queued
again.

Not thread-safe by itself: the backend calls every method but :meth:`close` under its own lock, and the worker
reports through the ``settle`` callback, which takes that lock. The worker is a single thread, started on the
first job (the formant engine never starts it) and joined by :meth:`close`.

Imported by the backend's bindings part (:mod:`cosyclone.emulator.state.bindings`) only.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)

#: Binds a sample: its bytes, a name (for the decoder's messages), its median pitch and the voice's language hints
#: (``zh`` adds a Mandarin binding) → the voice print or None.
Binder = Callable[[bytes, str, float | None, tuple[str, ...]], dict[str, Any] | None]
#: Called by the worker when a binding is done: the sample's hash and its print (None: it could not be made).
Settle = Callable[[str, dict[str, Any] | None], None]

THREAD_NAME = "cosyclone-voice-binding"


def sample_hash(data: bytes) -> str:
    """The cache key of a sample: the sha256 of its bytes, in hex (also its blob name in the storage)."""
    return hashlib.sha256(data).hexdigest()


class BindingJobs:
    """The binding cache (``sha256 → voice print``), the samples being bound, and the worker that binds them."""

    def __init__(self, binder: Binder, settle: Settle) -> None:
        self._binder = binder
        self._settle = settle
        self.cache: dict[str, dict[str, Any]] = {}
        self._in_flight: dict[str, Future[None]] = {}
        self._executor: ThreadPoolExecutor | None = None

    def cached(self, sha: str) -> dict[str, Any] | None:
        return self.cache.get(sha)

    @property
    def busy(self) -> bool:
        """Whether a binding is queued or running."""
        return bool(self._in_flight)

    def submit(self, sha: str, data: bytes, *, name: str, f0_hz: float | None, languages: tuple[str, ...] = ()) -> None:
        """Queue a sample for binding, unless it is already queued."""
        if sha in self._in_flight:
            return
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=THREAD_NAME)
        self._in_flight[sha] = self._executor.submit(self._run, sha, data, name, f0_hz, languages)

    def done(self, sha: str, voice_print: dict[str, Any] | None) -> None:
        """Record a finished binding (from ``settle``, under the backend's lock). Failures are not cached."""
        self._in_flight.pop(sha, None)
        if voice_print is not None:
            self.cache[sha] = voice_print

    def close(self) -> None:
        """Drop the queued bindings, wait for the running one, and join the worker (call without the lock).
        Voices whose binding was dropped stay pending; a later :meth:`submit` starts a new worker."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        self._in_flight.clear()

    def _run(self, sha: str, data: bytes, name: str, f0_hz: float | None, languages: tuple[str, ...]) -> None:
        try:
            voice_print = self._binder(data, name, f0_hz, languages)
        except Exception as error:  # a binding that fails leaves the voice speaking from its pitch
            log.warning("voice binding failed, the voice will speak from its pitch only: %s", error)
            voice_print = None
        self._settle(sha, voice_print)
