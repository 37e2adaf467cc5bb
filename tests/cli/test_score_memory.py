"""``score`` remembers the sample a voice was cloned from, and never loses it (issue 22 items 2 and 9).

- right after cloning a local file (as ``demo`` does), ``score VOICE`` needs no ``--sample``;
- ``score VOICE --sample OTHER`` for a voice cloned from other bytes says so (by hash), keeps the stored score
  and the remembered sample unless ``--replace-score``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from tests.conftest import AUDIO_FIXTURES, CLIResult

CLI = Callable[..., CLIResult]
AWB = AUDIO_FIXTURES / "good" / "flite-awb.wav"
SLT = AUDIO_FIXTURES / "good" / "flite-slt.wav"


def _stored_reference(tmp_path: Path, voice_id: str) -> str:
    with sqlite3.connect(tmp_path / "cosyclone-home" / "registry.sqlite3") as db:
        row = db.execute("SELECT sample_sha256 FROM voice_scores WHERE voice_id = ?", (voice_id,)).fetchone()
    return str(row[0])


def test_score_right_after_cloning_a_local_file_needs_no_sample(cli: CLI, tmp_path: Path) -> None:
    mine = tmp_path / "my voice.wav"
    mine.write_bytes(AWB.read_bytes())
    cloned = cli("clone", str(mine), "--prefix", "mine", "--json")
    assert cloned.returncode == 0, cloned.stderr
    scored = cli("score", "mine", "--json")
    assert scored.returncode == 0, scored.stderr
    assert scored.json()["reference"]["path"] == str(mine.resolve())


def test_score_with_another_sample_keeps_the_stored_score_and_the_sample(cli: CLI, tmp_path: Path) -> None:
    voice_id = cli("clone", str(AWB), "--prefix", "awb", "--json").json()["voice_id"]
    first = cli("score", voice_id, "--json")
    assert first.returncode == 0, first.stderr
    own = _stored_reference(tmp_path, voice_id)

    other = cli("score", voice_id, "--sample", str(SLT), "--json")
    assert other.returncode == 0, other.stderr
    assert any("is not this voice's sample" in n and "--replace-score" in n for n in other.json()["notes"])
    assert "is not this voice's sample" in other.stderr
    assert _stored_reference(tmp_path, voice_id) == own, "the stored score was overwritten"

    again = cli("score", voice_id, "--json")  # the remembered sample is still the voice's own
    assert again.returncode == 0, again.stderr
    assert again.json()["reference"]["sha256"] == own

    replaced = cli("score", voice_id, "--sample", str(SLT), "--replace-score", "--json")
    assert replaced.returncode == 0, replaced.stderr
    assert _stored_reference(tmp_path, voice_id) != own
    after = cli("score", voice_id, "--json")  # asked to store another sample's score: the own sample is still found
    assert after.returncode == 0 and after.json()["reference"]["sha256"] == own
