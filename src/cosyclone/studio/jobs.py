"""The studio's long actions (a clone that waits for its voice to deploy, a score) run in a worker thread; the page
polls ``GET /api/jobs/{id}`` for the stage, the seconds spent, and the result or the error.

Who may import it: :mod:`cosyclone.studio`.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

logger = logging.getLogger("cosyclone.studio")

State = Literal["running", "done", "failed"]
#: Finished jobs kept for the page to read (the oldest are forgotten beyond this).
_KEEP = 64


@dataclass
class Job:
    """One action: what it is, where it has got to, and how it ended."""

    kind: str
    stage: str
    started: float = field(default_factory=time.monotonic)
    state: State = "running"
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    job_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def view(self) -> dict[str, Any]:
        return {
            "job": self.job_id,
            "kind": self.kind,
            "state": self.state,
            "stage": self.stage,
            "elapsed_s": round(time.monotonic() - self.started, 1),
            "result": self.result,
            "error": self.error,
        }


class Jobs:
    """Jobs by id; each runs ``work(job)`` in its own daemon thread, and ``describe(error)`` shapes a failure."""

    def __init__(self, describe: Callable[[BaseException], dict[str, Any]]) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._describe = describe
        self._threads: list[threading.Thread] = []

    def start(self, kind: str, stage: str, work: Callable[[Job], dict[str, Any]]) -> Job:
        job = Job(kind=kind, stage=stage)
        with self._lock:
            self._jobs[job.job_id] = job
            finished = [j for j in self._jobs.values() if j.state != "running"]
            for old in finished[: max(0, len(finished) - _KEEP)]:
                del self._jobs[old.job_id]
        thread = threading.Thread(target=self._run, args=(job, work), name=f"studio-{kind}", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        return job

    def _run(self, job: Job, work: Callable[[Job], dict[str, Any]]) -> None:
        try:
            job.result = work(job)
            job.state = "done"
        except Exception as error:  # the page shows it; the server goes on
            logger.debug("studio %s failed", job.kind, exc_info=True)
            job.error = self._describe(error)
            job.state = "failed"

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def join(self, timeout_s: float = 5.0) -> None:
        """Wait a little for running jobs (the server is stopping)."""
        for thread in self._threads:
            thread.join(timeout_s)
