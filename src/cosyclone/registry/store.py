"""SQLite store of voices: record, look up (by id, prefix or sample), claim an enrollment, mark deleted.

Safe with several processes at once: WAL journal, writes in ``BEGIN IMMEDIATE`` transactions (waiting for
another writer in short steps, so Ctrl-C is honoured), and *claims* — an OS lock on a per-claim file that says
"this process is enrolling this sample for this model/region/account" — so that concurrent clones of the same
sample wait for the first one instead of spending a second enrollment; a dead holder's claim is free at once.
*Intents* (``enroll_intents``) are recorded before a create is sent, so that a run killed between sending and
recording leaves a trace the next run reconciles with the service instead of creating a second voice.
The API key is never stored: accounts are told apart by :func:`account_fingerprint`.

A damaged file (truncated, overwritten, not a database) is never "repaired" by opening it: it is checked
read-only first and refused with :class:`~cosyclone._exceptions.RegistryDamagedError`, whose message says how to
recover (move it aside, ``cosyclone voices sync --adopt``).
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cosyclone._config import account_fingerprint, cosyclone_home
from cosyclone._exceptions import RegistryDamagedError
from cosyclone.registry.claims import ClaimTimeoutError, EnrollIntent, holder_of, try_lock, unlock
from cosyclone.registry.migrations import migrate

REGISTRY_FILE = "registry.sqlite3"
#: How long a clone waits for a *live* process enrolling the same sample (a dead one's claim is free at once).
CLAIM_WAIT_S = 600.0
#: Kept for callers of the old name: a claim is no longer presumed abandoned by age, only by its holder's death.
CLAIM_STALE_S = CLAIM_WAIT_S
CLAIM_POLL_S = 0.1
#: The folder (next to the registry) holding one lock file per claim.
CLAIMS_DIR = "claims"
#: How long a write waits for another process's write to finish, and in what steps (Ctrl-C between steps).
BUSY_WAIT_S = 30.0
BUSY_STEP_S = 0.1
BUSY_POLL_S = 0.02
#: Every SQLite database file starts with these 16 bytes.
SQLITE_MAGIC = b"SQLite format 3\x00"


def check_not_damaged(path: Path) -> None:
    """Raise :class:`RegistryDamagedError` when ``path`` exists but is not a sound SQLite database. Read-only:
    the file is opened with ``mode=ro`` and never changed. A missing file is a new registry; an empty one is a
    truncated registry (a new one never appears empty: :func:`create_registry_file` publishes it whole)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    except OSError as error:
        raise RegistryDamagedError(path, error.strerror or str(error)) from None
    if path.is_dir():
        raise RegistryDamagedError(path, "it is a directory")
    if size == 0:
        raise RegistryDamagedError(path, "the file is empty: it was truncated")
    with path.open("rb") as handle:
        head = handle.read(100)
    if not head.startswith(SQLITE_MAGIC) or len(head) < 100:
        raise RegistryDamagedError(path, "the file is not an SQLite database")
    try:
        probe = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30.0)
        try:
            verdict = probe.execute("PRAGMA quick_check(1)").fetchone()
        finally:
            probe.close()
    except sqlite3.OperationalError:
        return  # locked or unreadable for now: the normal open reports it
    except sqlite3.DatabaseError as error:
        raise RegistryDamagedError(path, str(error)) from None
    if verdict is None or verdict[0] != "ok":
        raise RegistryDamagedError(path, f"integrity check: {verdict[0] if verdict else 'no answer'}")


def create_registry_file(path: Path) -> None:
    """Create a new registry at ``path`` so that it appears whole (tables written) or not at all: built under a
    temporary name and linked into place without replacing anything. Another process opening the registry at the
    same moment then never meets an empty file, which :func:`check_not_damaged` rightly calls truncated."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}-{uuid.uuid4().hex}.new")
    try:
        db = sqlite3.connect(temporary, isolation_level=None)
        try:
            migrate(db)
        finally:
            db.close()
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process published one first: that one is used
        except OSError:
            if not path.exists():  # a file system without hard links
                os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


@contextlib.contextmanager
def _damage_reported(path: Path) -> Iterator[None]:
    """A database error met while working (not a lock: that is an OperationalError) as RegistryDamagedError."""
    try:
        yield
    except sqlite3.OperationalError:
        raise
    except sqlite3.DatabaseError as error:
        raise RegistryDamagedError(path, str(error)) from None


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class VoiceRecord:
    voice_id: str
    target_model: str
    region: str
    account: str
    workspace: str = ""
    prefix: str = ""
    sample_url: str | None = None
    sample_sha256: str | None = None
    language_hint: str | None = None
    status: str | None = None
    request_id: str | None = None
    origin: str = "created"
    created_at: str = ""
    updated_at: str = ""
    deleted_at: str | None = None
    #: ``cloned`` (from a sample) or ``designed`` (from a description, contract §11.1).
    kind: str = "cloned"
    voice_prompt: str | None = None
    preview_text: str | None = None
    preview_file: str | None = None
    #: The local file the voice was cloned from (absolute), when it was cloned from one on this machine.
    sample_path: str | None = None

    @property
    def is_designed(self) -> bool:
        return self.kind == "designed"

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


_COLUMNS = [f.name for f in dataclasses.fields(VoiceRecord)]


__all__ = ["ClaimTimeoutError", "EnrollIntent", "VoiceRecord", "VoiceRegistry", "account_fingerprint", "claim_key"]


def claim_key(*, account: str, region: str, workspace: str, target_model: str, sample: str) -> str:
    return "|".join((account, region, workspace, target_model, sample))


class VoiceRegistry:
    """The registry file (default ``$COSYCLONE_HOME/registry.sqlite3`` or the platform's user data dir)."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else cosyclone_home() / REGISTRY_FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        if not self.path.exists():
            create_registry_file(self.path)
        check_not_damaged(self.path)
        with _damage_reported(self.path):
            self._db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
            self._db.row_factory = sqlite3.Row
            self._db.execute(f"PRAGMA busy_timeout = {int(BUSY_STEP_S * 1000)}")
            with contextlib.suppress(sqlite3.OperationalError):
                self._db.execute("PRAGMA journal_mode = WAL")
            migrate(self._db)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> VoiceRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock, _damage_reported(self.path):
            self._begin_immediate()
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _begin_immediate(self) -> None:
        """``BEGIN IMMEDIATE``, waiting up to :data:`BUSY_WAIT_S` for another process's write — in short
        SQLite waits with Python sleeps between them, so that Ctrl-C interrupts the wait at once."""
        deadline = time.monotonic() + BUSY_WAIT_S
        while True:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) and "busy" not in str(error):
                    raise
                if time.monotonic() > deadline:
                    raise
            time.sleep(BUSY_POLL_S)

    # ----- voices ------------------------------------------------------------------------------------------

    def record(self, record: VoiceRecord) -> VoiceRecord:
        """Insert or update a voice (keeps the first created_at); returns what is stored."""
        with self._write() as db:
            self._upsert(db, record)
        found = self.get(record.voice_id, include_deleted=True)
        assert found is not None
        return found

    @staticmethod
    def _upsert(db: sqlite3.Connection, record: VoiceRecord) -> VoiceRecord:
        now = _now()
        stored = dataclasses.replace(record, created_at=record.created_at or now, updated_at=now)
        values = stored.to_dict()
        kept = ("voice_id", "created_at")
        # A remembered sample path is never forgotten by a record that does not know it (an import, a sync).
        updates = ", ".join(
            f"{c} = COALESCE(excluded.{c}, {c})" if c == "sample_path" else f"{c} = excluded.{c}"
            for c in _COLUMNS
            if c not in kept
        )
        db.execute(
            f"INSERT INTO voices ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)}) "
            f"ON CONFLICT (voice_id) DO UPDATE SET {updates}",
            [values[c] for c in _COLUMNS],
        )
        return stored

    def get(self, voice_id: str, *, include_deleted: bool = False) -> VoiceRecord | None:
        with self._lock, _damage_reported(self.path):
            row = self._db.execute("SELECT * FROM voices WHERE voice_id = ?", (voice_id,)).fetchone()
        record = _record(row) if row else None
        if record is not None and record.deleted_at and not include_deleted:
            return None
        return record

    def list(
        self, *, account: str | None = None, prefix: str | None = None, include_deleted: bool = False
    ) -> list[VoiceRecord]:
        """Live voices (and deleted ones with ``include_deleted``), newest first, optionally of one account and/or
        prefix."""
        query = (
            "SELECT * FROM voices WHERE 1 = 1" if include_deleted else "SELECT * FROM voices WHERE deleted_at IS NULL"
        )
        args: list[str] = []
        if account:
            query += " AND account = ?"
            args.append(account)
        if prefix:
            query += " AND prefix = ?"
            args.append(prefix)
        with self._lock, _damage_reported(self.path):
            rows = self._db.execute(query + " ORDER BY created_at DESC, voice_id", args).fetchall()
        return [_record(r) for r in rows]

    def find_by_sample(
        self, *, account: str, region: str, workspace: str, target_model: str, sample_sha256: str
    ) -> VoiceRecord | None:
        """A live voice already enrolled from these sample bytes for this model, region and account."""
        with self._lock, _damage_reported(self.path):
            row = self._db.execute(
                "SELECT * FROM voices WHERE account = ? AND region = ? AND workspace = ? AND target_model = ? "
                "AND sample_sha256 = ? AND deleted_at IS NULL AND (status IS NULL OR status != 'UNDEPLOYED') "
                "ORDER BY created_at DESC LIMIT 1",
                (account, region, workspace, target_model, sample_sha256),
            ).fetchone()
        return _record(row) if row else None

    def resolve(self, name: str, *, account: str | None = None) -> builtins.list[VoiceRecord]:
        """Voices a user may mean by ``name``: the voice_id itself, else every live voice with that prefix."""
        exact = self.get(name)
        if exact is not None:
            return [exact]
        return self.list(account=account, prefix=name)

    def set_status(self, voice_id: str, status: str | None) -> None:
        with self._write() as db:
            db.execute("UPDATE voices SET status = ?, updated_at = ? WHERE voice_id = ?", (status, _now(), voice_id))

    def mark_deleted(self, voice_id: str) -> None:
        now = _now()
        with self._write() as db:
            db.execute(
                "UPDATE voices SET deleted_at = ?, updated_at = ? WHERE voice_id = ? AND deleted_at IS NULL",
                (now, now, voice_id),
            )

    # ----- quality scores and compare runs (cosyclone.quality) ----------------------------------------------

    def save_score(self, voice_id: str, report: dict[str, Any]) -> None:
        """Keep ``report`` (a ``VoiceScore.to_dict()``) as the voice's latest score."""
        similarity = report.get("similarity") or {}
        intelligibility = report.get("intelligibility") or {}
        reference = report.get("reference") or {}
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO voice_scores (voice_id, scored_at, verdict, similarity, word_error_rate, "
                "sample_path, sample_sha256, report_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    voice_id,
                    _now(),
                    str(report.get("verdict", "")),
                    similarity.get("score"),
                    intelligibility.get("word_error_rate"),
                    reference.get("path"),
                    reference.get("sha256"),
                    json.dumps(report, ensure_ascii=False),
                ),
            )

    def latest_score(self, voice_id: str) -> dict[str, Any] | None:
        """The voice's latest stored score (with ``scored_at``), or None."""
        with self._lock, _damage_reported(self.path):
            row = self._db.execute(
                "SELECT scored_at, report_json FROM voice_scores WHERE voice_id = ?", (voice_id,)
            ).fetchone()
        if row is None:
            return None
        report: dict[str, Any] = json.loads(row["report_json"])
        report["scored_at"] = row["scored_at"]
        return report

    def save_compare_run(self, run_key: str, state: dict[str, Any]) -> None:
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO compare_runs (run_key, updated_at, state_json) VALUES (?, ?, ?)",
                (run_key, _now(), json.dumps(state, ensure_ascii=False)),
            )

    def compare_run(self, run_key: str) -> dict[str, Any] | None:
        with self._lock, _damage_reported(self.path):
            row = self._db.execute("SELECT state_json FROM compare_runs WHERE run_key = ?", (run_key,)).fetchone()
        return json.loads(row["state_json"]) if row else None

    # ----- consent (cosyclone.ops.consent) ---------------------------------------------------------------------

    def save_consent(self, voice_id: str, consent: dict[str, Any]) -> None:
        """Keep the voice's consent provenance (``verified``, ``text``, ``speaker_similarity``, ``sha256``, ``at``,
        and whatever else the caller measured); a later consent for the same voice replaces it."""
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO voice_consent (voice_id, verified, text, speaker_similarity, error_rate, "
                "sha256, recording_path, at, report_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    voice_id,
                    1 if consent.get("verified") else 0,
                    str(consent["text"]),
                    consent.get("speaker_similarity"),
                    consent.get("error_rate"),
                    str(consent["sha256"]),
                    consent.get("recording"),
                    str(consent["at"]),
                    json.dumps(consent, ensure_ascii=False),
                ),
            )

    def forget_consent(self, voice_id: str) -> None:
        """Drop the voice's consent provenance (its sample was replaced; the recording itself stays in the home)."""
        with self._write() as db:
            db.execute("DELETE FROM voice_consent WHERE voice_id = ?", (voice_id,))

    def consent(self, voice_id: str) -> dict[str, Any] | None:
        """The voice's stored consent provenance, or None (cloned without ``--consent``)."""
        with self._lock, _damage_reported(self.path):
            row = self._db.execute("SELECT report_json FROM voice_consent WHERE voice_id = ?", (voice_id,)).fetchone()
        return json.loads(row["report_json"]) if row else None

    # ----- claims --------------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def claim(
        self, key: str, *, wait_s: float = CLAIM_WAIT_S, on_wait: Callable[[str], None] | None = None
    ) -> Iterator[None]:
        """Hold the enrollment claim ``key`` for the duration of the block, waiting while another *live* process
        holds it. The claim is an OS lock on a per-claim file (``claims/`` next to the registry) that names its
        holder's pid: a process that dies, even by SIGKILL, lets go of it at once. The wait sleeps in short
        steps, so Ctrl-C is honoured; ``on_wait(holder)`` is told once that we wait. Whoever enters next should
        look for the voice the previous holder recorded, and for an intent it left (:meth:`pending_intent`)."""
        lock_path = self.path.parent / CLAIMS_DIR / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.lock"
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + wait_s
            told = False
            while not try_lock(fd):
                holder = holder_of(fd)
                if time.monotonic() > deadline:
                    raise ClaimTimeoutError(
                        f"another process ({holder}) has been enrolling the same sample for over {wait_s:.0f} s"
                    )
                if on_wait is not None and not told:
                    on_wait(holder)
                    told = True
                time.sleep(CLAIM_POLL_S)
            try:
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"pid {os.getpid()}\n".encode(), 0)
                yield
            finally:
                unlock(fd)
        finally:
            os.close(fd)

    # ----- enrollment intents ---------------------------------------------------------------------------------

    def record_intent(self, intent: EnrollIntent) -> None:
        """Record what a clone is about to send (before sending it): see :class:`EnrollIntent`."""
        values = dataclasses.asdict(intent)
        marks = ", ".join("?" for _ in values)
        with self._write() as db:
            db.execute(
                f"INSERT OR REPLACE INTO enroll_intents ({', '.join(values)}) VALUES ({marks})", list(values.values())
            )

    def pending_intent(self, key: str) -> EnrollIntent | None:
        """The intent an earlier, interrupted run left for claim ``key`` (None when every run finished)."""
        with self._lock, _damage_reported(self.path):
            row = self._db.execute("SELECT * FROM enroll_intents WHERE claim_key = ?", (key,)).fetchone()
        return EnrollIntent(**{f.name: row[f.name] for f in dataclasses.fields(EnrollIntent)}) if row else None

    def settle_intent(self, key: str, record: VoiceRecord | None = None) -> VoiceRecord | None:
        """Drop the intent ``key``, recording ``record`` (the voice it made) in the same transaction."""
        stored: VoiceRecord | None = None
        with self._write() as db:
            if record is not None:
                stored = self._upsert(db, record)
            db.execute("DELETE FROM enroll_intents WHERE claim_key = ?", (key,))
        return stored if record is None else self.get(record.voice_id, include_deleted=True)


def _record(row: sqlite3.Row) -> VoiceRecord:
    return VoiceRecord(**{c: row[c] for c in _COLUMNS})
