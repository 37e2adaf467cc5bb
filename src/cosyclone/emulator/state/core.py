"""The core every resource of the emulator's backend stands on: settings, clock, faults, the records, and one way
to read and change them safely — across threads and across processes sharing a data directory.

The backend (:class:`cosyclone.emulator.state.backend.EmulatorBackend`) is a chain of per-resource parts over this
core: bindings (:mod:`.bindings`), uploads (:mod:`.upload_store`), voices (:mod:`.voices`) and steering
(:mod:`.steering`). Each part keeps its rules in its own module and its records here, and persists them through two
cooperative hooks, :meth:`BackendCore._dump_state` and :meth:`BackendCore._restore_state` (each part adds its own
keys and calls ``super()``). A new kind of resource (voice designs, say) is one more part: a module with a class
over the core (or over the part it needs), its records, the two hooks, and its place in the backend's bases.

Every read of the records goes through ``with self._state():`` and every change through
``with self._state(write=True):``. Both take the thread lock and reload the persisted state if another process
wrote it; a change also holds the data directory's file lock (:meth:`cosyclone.emulator.state.storage.Storage.locked`)
and saves before releasing it. So two CLI commands with the embedded emulator on one ``COSYCLONE_HOME`` see each
other's voices, and neither's save drops the other's.

Imported by the backend's parts only.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from cosyclone.emulator.config import EmulatorConfig
from cosyclone.emulator.faults import FaultPlan
from cosyclone.emulator.state.lifecycle import StoredVoice
from cosyclone.emulator.state.results import ResultStore
from cosyclone.emulator.state.storage import Storage
from cosyclone.emulator.state.uploads import UploadedObject, UploadSigner
from cosyclone.emulator.voice.engine_choice import EngineContext, choose_engine


class BackendCore:
    """State of one emulator instance. ``config`` holds the start-up settings; the runtime knobs
    (``ready_delay_s``, ``voice_quota``, ``idle_timeout_s``, ``sentence_latency_s``) are plain attributes that
    tests may set, and ``reset`` puts back."""

    def __init__(self, config: EmulatorConfig | None = None, *, clock: Callable[[], float] = time.time) -> None:
        self.config = config or EmulatorConfig()
        self.clock = clock
        self._initial_clock = clock
        self.faults = FaultPlan()
        self.ready_delay_s = self.config.ready_delay_s
        self.voice_quota = self.config.voice_quota
        self.idle_timeout_s = self.config.idle_timeout_s
        self.sentence_latency_s = self.config.sentence_latency_s
        self._lock = threading.RLock()
        self._storage = Storage(self.config.data_dir)
        self._voices: dict[str, dict[str, StoredVoice]] = {}
        self._objects: dict[str, UploadedObject] = {}
        self._results = ResultStore()
        self._signer = UploadSigner()
        self._serial = 0
        #: The voice engine (``speech`` or ``formant``) and the note to show when speech was wanted but missing.
        self.voice_engine, self.voice_engine_note = choose_engine(self.config.voice_engine)
        self.engine_context = EngineContext(self.voice_engine, self.voice_print)

    def voice_print(self, voice_id: str) -> dict[str, Any] | None:
        """The speech engine's binding of a cloned voice (any tenant: voice ids are unique), or None."""
        with self._state():
            for voices in self._voices.values():
                if voice_id in voices:
                    return voices[voice_id].voice_print
        return None

    # ----- reading and changing the records ------------------------------------------------------------------

    @contextlib.contextmanager
    def _state(self, *, write: bool = False) -> Iterator[None]:
        """Hold the records: up to date with the data directory, and (``write``) saved when the block ends
        without an error. Re-entrant."""
        with self._lock:
            if not write:
                if self._storage.changed():
                    self._reload()
                yield
                return
            with self._storage.locked():
                if self._storage.changed():
                    self._reload()
                yield
                self._save()

    def _save(self) -> None:
        if self._storage.persistent:
            self._storage.save_state(self._dump_state())

    def _reload(self) -> None:
        """Replace the records by the persisted ones (another process changed them)."""
        state = self._storage.load_state()
        self._voices.clear()
        self._objects.clear()
        if state is not None:
            self._restore_state(state)

    def _load(self) -> None:
        """At start-up: the persisted records, if any."""
        state = self._storage.load_state()
        if state is not None:
            self._restore_state(state)

    def _dump_state(self) -> dict[str, Any]:
        """The persisted document; each part adds its keys (and calls ``super()``)."""
        return {"voices": {t: [v.to_dict() for v in vs.values()] for t, vs in self._voices.items() if vs}}

    def _restore_state(self, state: dict[str, Any]) -> None:
        """Take the records from a persisted document; each part takes its keys (and calls ``super()``)."""
        for tenant, voices in state.get("voices", {}).items():
            for data in voices:
                record = StoredVoice.from_dict(data)
                self._voices.setdefault(tenant, {})[record.voice_id] = record
                self._serial = max(self._serial, record.serial)
