"""The backend's voice bindings (speech engine): a cloned voice's sample bound to an engine voice, off the request
path, cached by the sample's sha256, persisted with the state.

Create and update answer at once; the voice stays ``DEPLOYING`` until its binding is settled (see
:mod:`cosyclone.emulator.state.lifecycle`). The work runs in one background worker
(:class:`cosyclone.emulator.voice.binding_jobs.BindingJobs`); :meth:`BindingRules.close` (called by
``EmulatorServer.stop``) joins it. A sample waiting for its binding is kept in the storage so that a restart (or
another process on the same data directory) can bind it again.

Imported by the backend's later parts (uploads, voices) and the backend.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from cosyclone.emulator.config import EmulatorConfig
from cosyclone.emulator.state import lifecycle, sample_judge
from cosyclone.emulator.state.core import BackendCore
from cosyclone.emulator.state.lifecycle import StoredVoice
from cosyclone.emulator.voice.binding_jobs import BindingJobs, sample_hash
from cosyclone.emulator.voice.engine_choice import SPEECH


class BindingRules(BackendCore):
    """Bindings of accepted samples to engine voices, and the worker that makes them."""

    def __init__(self, config: EmulatorConfig | None = None, *, clock: Callable[[], float] = time.time) -> None:
        #: Speech-engine bindings, made by a background worker and cached by sample content.
        self._bindings = BindingJobs(_bind_bytes, self._settle_binding)
        super().__init__(config, clock=clock)

    def wait_for_bindings(self, timeout_s: float = 120.0) -> bool:
        """Block until no binding is queued or running (for tests and benchmarks); False on timeout."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self._lock:
                if not self._bindings.busy:
                    return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)

    def close(self) -> None:
        """Stop the binding worker (the running binding finishes; queued ones stay pending, and are made again
        when a persisted state is loaded; in memory they fall back to the pitch-only voice). Safe to call twice;
        the backend stays usable."""
        self._bindings.close()
        if self._storage.persistent:
            return
        with self._state(write=True):
            for voices in self._voices.values():
                for v in voices.values():
                    if v.binding_pending:
                        v.voice_print, v.binding_pending = self._bindings.cached(v.sample_sha256 or ""), False

    def _start_binding(self, record: StoredVoice, data: bytes, *, name: str) -> None:
        """Within a change: give an accepted sample its speech-engine binding, from the cache or in the background.
        With the formant engine, or for a sample rejected in review, there is none."""
        record.voice_print, record.sample_sha256, record.binding_pending = None, None, False
        if self.voice_engine != SPEECH or record.outcome != lifecycle.OK:
            return
        sha = sample_hash(data)
        record.sample_sha256 = sha
        languages = tuple(record.language_hints or ())
        record.voice_print = self._bindings.cached(sha)
        if record.voice_print is not None and "zh" in languages and "zh" not in record.voice_print:
            record.voice_print = None  # bound before without its Mandarin binding: bind again, with it
        if record.voice_print is None:
            record.binding_pending = True
            self._storage.put_blob(data)  # kept until bound, so that a restart can bind it again
            self._bindings.submit(sha, data, name=name, f0_hz=record.f0_hz, languages=languages)

    def _settle_binding(self, sha: str, voice_print: dict[str, Any] | None) -> None:
        """The worker's report: every voice waiting for this sample gets its print (None: pitch only)."""
        with self._state(write=True):
            self._bindings.done(sha, voice_print)
            for voices in self._voices.values():
                for v in voices.values():
                    if v.binding_pending and v.sample_sha256 == sha:
                        v.voice_print, v.binding_pending = voice_print, False
            self._release_sample(sha)

    def _release_sample(self, sha: str) -> None:
        """Drop a sample kept for binding once no pending voice and no uploaded object needs it."""
        if any(o.blob == sha for o in self._objects.values()) or self._binding_needs(sha):
            return
        self._storage.delete_blob(sha)

    def _binding_needs(self, sha: str) -> bool:
        return any(v.binding_pending and v.sample_sha256 == sha for vs in self._voices.values() for v in vs.values())

    def _resume_bindings(self) -> None:
        """After loading a state at start-up: bind again the samples whose binding was cut short (from the kept
        sample), or fall back to the pitch-only voice when the sample is gone."""
        for voices in self._voices.values():
            for v in voices.values():
                if not v.binding_pending or v.sample_sha256 is None:
                    continue
                cached = self._bindings.cached(v.sample_sha256)
                data = (
                    None
                    if cached is not None or self.voice_engine != SPEECH
                    else self._storage.get_blob(v.sample_sha256)
                )
                if data is None:
                    v.voice_print, v.binding_pending = cached, False
                    self._release_sample(v.sample_sha256)
                else:
                    self._bindings.submit(
                        v.sample_sha256, data, name="sample", f0_hz=v.f0_hz, languages=tuple(v.language_hints or ())
                    )

    def _dump_state(self) -> dict[str, Any]:
        return {**super()._dump_state(), "bindings": self._bindings.cache}

    def _restore_state(self, state: dict[str, Any]) -> None:
        super()._restore_state(state)
        bindings = state.get("bindings", {})
        if isinstance(bindings, dict):
            self._bindings.cache.update({k: v for k, v in bindings.items() if isinstance(v, dict)})


def _bind_bytes(data: bytes, name: str, f0_hz: float | None, languages: tuple[str, ...]) -> dict[str, Any] | None:
    """The binder the worker runs (looked up at call time, so that tests may replace the measurement)."""
    return sample_judge.bind_bytes(data, name, f0_hz, languages)
