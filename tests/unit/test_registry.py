"""The SQLite voice registry: migrations, records, dedupe lookups, claims across processes."""

from __future__ import annotations

import itertools
import multiprocessing
import sqlite3
import time
from pathlib import Path

from cosyclone.registry import VoiceRecord, VoiceRegistry, account_fingerprint
from cosyclone.registry.migrations import MIGRATIONS
from tests.conftest import PLANTED_KEY


def make(voice_id: str, **fields: object) -> VoiceRecord:
    base: dict[str, object] = {
        "voice_id": voice_id,
        "target_model": "cosyvoice-v3.5-plus",
        "region": "cn-beijing",
        "account": account_fingerprint(PLANTED_KEY),
        "prefix": "demo",
        "sample_sha256": "abc",
    }
    base.update(fields)
    return VoiceRecord(**base)  # type: ignore[arg-type]


def test_migrations_are_numbered_and_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    VoiceRegistry(path).close()
    VoiceRegistry(path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_record_get_list_resolve_delete(tmp_path: Path) -> None:
    with VoiceRegistry(tmp_path / "r.sqlite3") as registry:
        first = registry.record(make("cosyvoice-v3.5-plus-demo-1", status="DEPLOYING"))
        assert first.created_at and first.updated_at
        registry.record(make("cosyvoice-v3.5-plus-other-2", prefix="other", sample_sha256="def"))
        registry.set_status(first.voice_id, "OK")
        assert registry.get(first.voice_id).status == "OK"  # type: ignore[union-attr]
        assert [r.voice_id for r in registry.resolve("demo")] == [first.voice_id]
        assert registry.resolve(first.voice_id)[0].voice_id == first.voice_id
        found = registry.find_by_sample(
            account=first.account,
            region="cn-beijing",
            workspace="",
            target_model="cosyvoice-v3.5-plus",
            sample_sha256="abc",
        )
        assert found is not None and found.voice_id == first.voice_id
        registry.mark_deleted(first.voice_id)
        assert registry.get(first.voice_id) is None
        assert registry.get(first.voice_id, include_deleted=True) is not None
        assert [r.voice_id for r in registry.list()] == ["cosyvoice-v3.5-plus-other-2"]


def test_fingerprint_is_not_the_key(tmp_path: Path) -> None:
    fingerprint = account_fingerprint(PLANTED_KEY)
    assert PLANTED_KEY not in fingerprint and fingerprint == account_fingerprint(PLANTED_KEY)
    path = tmp_path / "r.sqlite3"
    with VoiceRegistry(path) as registry:
        registry.record(make("v1"))
    assert PLANTED_KEY.encode() not in path.read_bytes()


def _claim_and_record(path: str, hold_s: float, out: multiprocessing.Queue[tuple[str, float, float]]) -> None:
    with VoiceRegistry(path) as registry, registry.claim("k"):
        entered = time.monotonic()
        time.sleep(hold_s)
        out.put((str(multiprocessing.current_process().pid), entered, time.monotonic()))


def test_claims_serialise_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "r.sqlite3")
    VoiceRegistry(path).close()
    ctx = multiprocessing.get_context("spawn")
    out: multiprocessing.Queue[tuple[str, float, float]] = ctx.Queue()
    procs = [ctx.Process(target=_claim_and_record, args=(path, 0.3, out)) for _ in range(3)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(30)
    spans = sorted(out.get(timeout=5)[1:] for _ in procs)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start >= end - 0.01, "two processes held the same claim at once"
