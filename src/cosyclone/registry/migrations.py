"""Numbered, forward-only schema migrations; ``PRAGMA user_version`` holds the number applied."""

from __future__ import annotations

import sqlite3

MIGRATIONS: tuple[str, ...] = (
    # 1: voices
    """
    CREATE TABLE voices (
        voice_id      TEXT PRIMARY KEY,
        target_model  TEXT NOT NULL,
        region        TEXT NOT NULL,
        workspace     TEXT NOT NULL DEFAULT '',
        account       TEXT NOT NULL,
        prefix        TEXT NOT NULL DEFAULT '',
        sample_url    TEXT,
        sample_sha256 TEXT,
        language_hint TEXT,
        status        TEXT,
        request_id    TEXT,
        origin        TEXT NOT NULL DEFAULT 'created',
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL,
        deleted_at    TEXT
    );
    CREATE INDEX voices_by_sample ON voices (account, region, workspace, target_model, sample_sha256);
    CREATE INDEX voices_by_prefix ON voices (prefix);
    """,
    # 2: enrollment claims, so that two processes cloning the same sample make one voice
    """
    CREATE TABLE claims (
        claim_key  TEXT PRIMARY KEY,
        owner      TEXT NOT NULL,
        claimed_at REAL NOT NULL
    );
    """,
    # 3: quality scores (``cosyclone score``: the latest per voice) and ``cosyclone compare`` runs (to resume)
    """
    CREATE TABLE voice_scores (
        voice_id      TEXT PRIMARY KEY,
        scored_at     TEXT NOT NULL,
        verdict       TEXT NOT NULL,
        similarity    REAL,
        word_error_rate REAL,
        sample_path   TEXT,
        sample_sha256 TEXT,
        report_json   TEXT NOT NULL
    );
    CREATE TABLE compare_runs (
        run_key     TEXT PRIMARY KEY,
        updated_at  TEXT NOT NULL,
        state_json  TEXT NOT NULL
    );
    """,
    # 4: verified consent (``clone --consent``, the studio): who agreed, to which words, how sure we were
    """
    CREATE TABLE voice_consent (
        voice_id           TEXT PRIMARY KEY,
        verified           INTEGER NOT NULL,
        text               TEXT NOT NULL,
        speaker_similarity REAL,
        error_rate         REAL,
        sha256             TEXT NOT NULL,
        recording_path     TEXT,
        at                 TEXT NOT NULL,
        report_json        TEXT NOT NULL
    );
    """,
    # 5: designed voices (contract §11.1): what kind a voice is, and a designed voice's description, preview text
    # and the file its preview was saved to (the service returns the preview only once)
    """
    ALTER TABLE voices ADD COLUMN kind TEXT NOT NULL DEFAULT 'cloned';
    ALTER TABLE voices ADD COLUMN voice_prompt TEXT;
    ALTER TABLE voices ADD COLUMN preview_text TEXT;
    ALTER TABLE voices ADD COLUMN preview_file TEXT
    """,
    # 6: what a clone is about to send, recorded BEFORE the create request: a run interrupted (Ctrl-C, SIGKILL)
    # between sending and recording leaves its intent here, and the next run adopts the voice it made
    """
    CREATE TABLE enroll_intents (
        claim_key     TEXT PRIMARY KEY,
        account       TEXT NOT NULL,
        region        TEXT NOT NULL,
        workspace     TEXT NOT NULL DEFAULT '',
        target_model  TEXT NOT NULL,
        prefix        TEXT NOT NULL,
        sample_sha256 TEXT,
        sample_url    TEXT,
        pid           INTEGER NOT NULL,
        started_at    REAL NOT NULL
    );
    """,
    # 7: where a voice's local sample was (absolute path), so that `score` finds it without --sample (its
    # sample_sha256 says whether the file still holds the same audio)
    """
    ALTER TABLE voices ADD COLUMN sample_path TEXT;
    """,
)


def migrate(connection: sqlite3.Connection) -> int:
    """Apply every migration not yet applied, each in its own transaction; returns the resulting version."""
    version = int(connection.execute("PRAGMA user_version").fetchone()[0])
    for number, script in enumerate(MIGRATIONS, start=1):
        if number <= version:
            continue
        connection.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another process may have migrated meanwhile.
            if int(connection.execute("PRAGMA user_version").fetchone()[0]) >= number:
                connection.execute("COMMIT")
                continue
            for statement in script.split(";"):
                if statement.strip():
                    _apply(connection, statement, number)
            connection.execute(f"PRAGMA user_version = {number}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        version = number
    return version


#: What SQLite says when a migration's table or column is there already: the file's tables do not match its
#: ``user_version`` (it was written by another build of cosyclone, whose migrations were numbered otherwise).
_SCHEMA_CONFLICTS = ("duplicate column name", "already exists")


def _apply(connection: sqlite3.Connection, statement: str, number: int) -> None:
    """One statement of migration ``number``; a schema conflict is reported as damage (a DatabaseError, so that
    the caller refuses the file untouched with the way back) rather than as a lock or disk problem."""
    try:
        connection.execute(statement)
    except sqlite3.OperationalError as error:
        if not any(conflict in str(error) for conflict in _SCHEMA_CONFLICTS):
            raise
        raise sqlite3.DatabaseError(
            f"its tables do not match schema version {number - 1} ({error}): it was written by another build of "
            "cosyclone"
        ) from None
