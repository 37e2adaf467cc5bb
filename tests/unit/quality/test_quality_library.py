"""The quality library: bands, probes, sanity, the registry's score storage, and compare's judged path.

Compare's ranking and clean-up need an emulator whose speech can be judged; today's emulator has only the
formant engine, so ``detect_engine`` is replaced here by one that says "judgeable" (everything else is real:
the emulator over sockets, the enrollment workflow, the scoring).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from cosyclone.audio.io import decode
from cosyclone.client import Client
from cosyclone.emulator.server import EmulatorServer
from cosyclone.ops.compare import CompareOptions, compare_with
from cosyclone.ops.score import ScoreOptions, score_with
from cosyclone.ops.voices import stored_score_view
from cosyclone.quality import scoring
from cosyclone.quality.bands import DEFAULT_BANDS, SimilarityBands, verdict_for
from cosyclone.quality.compare import compare_models, default_models, plan_compare
from cosyclone.quality.probes import PROBE_SETS, probe_set_for
from cosyclone.quality.sanity import compare_speech, measure_speech
from cosyclone.registry import VoiceRegistry
from cosyclone.registry.migrations import MIGRATIONS, migrate
from tests.conftest import AUDIO_FIXTURES
from tests.helpers.emulator_fixtures import EMULATOR_API_KEY, emulator  # noqa: F401

AWB = str(AUDIO_FIXTURES / "good" / "flite-awb.wav")


def test_bands_follow_the_calibrated_thresholds() -> None:
    assert verdict_for(0.93) == "same speaker" and verdict_for(0.80) == "same speaker"
    assert verdict_for(0.78) == "inconclusive"
    assert verdict_for(0.76) == "different" and verdict_for(0.5) == "different"
    assert verdict_for(None) == "not judged"
    assert SimilarityBands(same_min=0.9, different_max=0.7).band(0.85) == "inconclusive"
    assert DEFAULT_BANDS.different_max < DEFAULT_BANDS.same_min


def test_probe_sets_are_short_and_have_no_digits() -> None:
    assert probe_set_for("zh-CN").language == "zh" and probe_set_for(None).language == "en"
    for probes in PROBE_SETS.values():
        assert 40 <= len(probes.text) <= 220
        assert not any(ch.isdigit() for ch in probes.text)


def test_sanity_flags_a_loud_clipped_fast_high_clone_and_nothing_for_the_sample_itself() -> None:
    audio = decode(AWB)
    x = audio.samples[:, 0]
    sample = measure_speech(x, sample_rate_hz=audio.sample_rate)
    assert compare_speech(sample, sample).findings == []
    assert sample.syllables_per_s is not None and 2.0 < sample.syllables_per_s < 7.0
    clipped = np.clip(x * 20.0, -1.0, 1.0)
    findings = " ".join(compare_speech(measure_speech(clipped, sample_rate_hz=audio.sample_rate), sample).findings)
    assert "loudness" in findings and "clipping" in findings
    # the same samples played twice as fast: an octave higher, faster speech
    quick = measure_speech(x, sample_rate_hz=audio.sample_rate * 2)
    findings = " ".join(compare_speech(quick, sample).findings)
    assert "speaking rate" in findings and "pitch" in findings


def test_migration_3_upgrades_an_existing_registry_and_stores_scores(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path, isolation_level=None) as db:
        for script in MIGRATIONS[:2]:
            for statement in script.split(";"):
                if statement.strip():
                    db.execute(statement)
        db.execute("PRAGMA user_version = 2")
    with VoiceRegistry(path) as registry:
        assert registry.latest_score("v-1") is None
        registry.save_score("v-1", {"verdict": "inconclusive", "similarity": {"score": 0.78}, "reference": {}})
        registry.save_score("v-1", {"verdict": "same speaker", "similarity": {"score": 0.9}, "reference": {}})
        stored = registry.latest_score("v-1")
        assert stored is not None and stored["verdict"] == "same speaker" and stored["scored_at"]
        assert stored_score_view(registry, "v-1") == {
            "verdict": "same speaker",
            "similarity": 0.9,
            "word_error_rate": None,
            "character_error_rate": None,
            "sanity": [],
            "scored_at": stored["scored_at"],
            "summary": None,
        }
        registry.save_compare_run("k", {"made": {"m": "v-1"}})
        assert registry.compare_run("k") == {"made": {"m": "v-1"}} and registry.compare_run("x") is None
    with sqlite3.connect(path) as db:
        assert migrate(db) == len(MIGRATIONS) >= 3  # later migrations apply on top of 3


def test_default_models_are_the_regions_cloning_models() -> None:
    assert "cosyvoice-v3.5-plus" in default_models("cn-beijing") and "cosyvoice-v1" not in default_models("cn-beijing")
    assert default_models("ap-southeast-1") == []


@pytest.fixture
def client_and_registry(emulator: EmulatorServer, tmp_path: Path) -> Iterator[tuple[Client, VoiceRegistry]]:  # noqa: F811
    registry = VoiceRegistry(tmp_path / "registry.sqlite3")
    client = Client(api_key=EMULATOR_API_KEY, base_url=emulator.http_base_url, registry=registry)
    yield client, registry
    client.close()
    registry.close()


@pytest.mark.slow
def test_compare_deletes_the_losers_it_made_and_keeps_older_voices(
    client_and_registry: tuple[Client, VoiceRegistry], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, registry = client_and_registry
    monkeypatch.setattr(scoring, "detect_engine", lambda *_a, **_k: scoring.EngineInfo("emulator", "speech", True))
    models = ["cosyvoice-v2", "cosyvoice-v3-flash", "cosyvoice-v3.5-flash"]
    from cosyclone.ops.enrollment import clone_voice

    existing = clone_voice(client, registry, sample=AWB, prefix="mine", target_model="cosyvoice-v2").voice_id
    options = CompareOptions(sample=AWB, target_models=models)
    unconfirmed = compare_with(client, registry, options, confirm=lambda plan: not plan.enrollments).to_dict()
    assert unconfirmed["confirmed"] is False and unconfirmed["plan"]["enrollments"] == 2
    assert unconfirmed["plan"]["reuse"] == {"cosyvoice-v2": existing}

    plan = plan_compare(client, registry, sample=AWB, target_models=models)
    outcome = compare_models(client, registry, plan, tie_margin=0.0)  # strict: only the best is kept
    assert outcome.judged and len(outcome.ranking) == 3
    winner = outcome.ranking[0]["voice_id"]
    assert outcome.ranking[0]["tied_with_best"] is True
    made_losers = {r["voice_id"] for r in outcome.ranking if r["made_by_compare"] and not r["tied_with_best"]}
    # Scores are rounded: voices can tie exactly (the formant engine's voices differ only slightly), and a tie is
    # never deleted. The invariants below hold either way: exactly the made voices that lost are deleted, an older
    # voice never is, the winner stays.
    assert set(outcome.deleted) == made_losers and existing not in outcome.deleted
    live = {v.voice_id for v in client.voices.iter_all()}
    assert winner in live and existing in live and not (made_losers & live)
    assert outcome.recommendation.startswith(("use ", "no model reproduced", "cosyvoice"))
    assert registry.latest_score(winner) is not None


@pytest.mark.slow
def test_score_voice_tool_scores_stores_and_draws(
    client_and_registry: tuple[Client, VoiceRegistry], tmp_path: Path
) -> None:
    client, registry = client_and_registry
    from cosyclone.ops.enrollment import clone_voice

    voice_id = clone_voice(client, registry, sample=AWB, prefix="tool").voice_id
    options = ScoreOptions(voice="tool", sample=AWB, plot_path=str(tmp_path / "s.png"))
    data = score_with(client, registry, options).payload
    assert data["voice_id"] == voice_id and data["verdict"] == "not judged"  # today's emulator: formant engine
    assert Path(data["plot"]).read_bytes()[:4] == b"\x89PNG"
    view = stored_score_view(registry, voice_id)
    assert view is not None and view["similarity"] == data["similarity"]["score"] and view["verdict"] == "not judged"
