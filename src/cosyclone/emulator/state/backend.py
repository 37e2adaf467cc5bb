"""The emulator's backend: one object for the handlers, the control plane and tests, joined from per-resource parts.

=================================  ==============================================================================
part (module)                      what it holds and decides
=================================  ==============================================================================
:mod:`.core`                       settings, clock, faults, the records; reading and changing them safely across
                                   threads and processes (``_state``), persistence hooks
:mod:`.bindings`                   speech-engine bindings of samples, their background worker, ``close``
:mod:`.upload_store`               ``getPolicy``, the upload form, ``oss://`` resolution
:mod:`.voices`                     the five enrollment actions, sample download and judging, voices for synthesis
:mod:`.steering`                   accounts, synthesized results, reset, seeding, forced statuses, snapshots
=================================  ==============================================================================

Every API key is a tenant of its own; its voices and uploads are invisible to other keys. State lives in memory,
or under ``--data-dir`` (see :mod:`cosyclone.emulator.state.storage`), saved after every change and reloaded when
another process sharing the directory changed it. Methods are thread-safe: the HTTP handlers call the slow ones
(sample download and judging) from worker threads, and tests steer the same object in-process
(``EmulatorServer.backend``) while uvicorn serves from its own thread.

Rules refuse with :class:`cosyclone.emulator.errors.EmulatorApiError`, which the handlers render as the DashScope
envelope. Implements :class:`cosyclone.emulator.ports.SynthesisBackend` and
:class:`~cosyclone.emulator.ports.EnrollmentBackend`.

A new kind of resource (voice designs, say): a part ``state/<resource>.py`` with a class over the part it needs
(``class DesignRules(VoiceRules)``), its records and the ``_dump_state``/``_restore_state`` hooks, and
:class:`EmulatorBackend` deriving from it instead (or beside ``Steering``, cooperatively).

Imported by the app, the control plane, the server runner and tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from cosyclone.emulator.config import EmulatorConfig
from cosyclone.emulator.state.steering import Steering

__all__ = ["EmulatorBackend"]


class EmulatorBackend(Steering):
    """State and rules of one emulator instance. ``config`` holds the start-up settings; the runtime knobs
    (``ready_delay_s``, ``voice_quota``, ``idle_timeout_s``, ``sentence_latency_s``) are plain attributes that
    tests may set, and :meth:`reset` puts back."""

    def __init__(self, config: EmulatorConfig | None = None, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__(config, clock=clock)
        with self._lock:
            self._load()
            self._resume_bindings()
