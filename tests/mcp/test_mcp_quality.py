"""The MCP tools ``score_voice`` and ``compare_models`` over stdio, against the shared test emulator.

The test emulator speaks with its formant engine (no words), so a score measures everything and its verdict is
"not judged"; these tests check the fields, the storage (``get_voice`` shows the score), that ``compare_models``
spends nothing without ``confirm``, and that with it it enrolls and ranks.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import AUDIO_FIXTURES
from tests.mcp.stdio_agent import connect

pytestmark = pytest.mark.anyio

AWB = str(AUDIO_FIXTURES / "good" / "flite-awb.wav")
TWO_MODELS = ["cosyvoice-v2", "cosyvoice-v3-flash"]
EVIDENCE = Path("output") / "aliyun-cosyvoice-voice-clone"


async def test_the_quality_tools_are_listed_with_closed_schemas(tmp_path: Path, base_url: str) -> None:
    async with connect(tmp_path, "--base-url", base_url) as agent:
        listed = {tool.name: tool for tool in (await agent.session.list_tools()).tools}
    score, compare = listed["score_voice"], listed["compare_models"]
    assert score.title == "Score a cloned voice"
    assert score.input_schema["required"] == ["voice"] and score.input_schema["additionalProperties"] is False
    assert set(score.input_schema["properties"]) == {"voice", "sample", "language", "plot_path"}
    assert score.annotations is not None
    assert (score.annotations.read_only_hint, score.annotations.destructive_hint) == (False, False)
    assert score.annotations.idempotent_hint is True
    assert compare.input_schema["required"] == ["sample"] and compare.input_schema["additionalProperties"] is False
    assert {"sample", "target_models", "confirm", "keep"} <= set(compare.input_schema["properties"])
    assert compare.input_schema["properties"]["target_models"]["anyOf"][0]["items"]["enum"][0] == "cosyvoice-v3.5-plus"
    assert compare.annotations is not None and compare.annotations.destructive_hint is True
    for tool in (score, compare):
        assert all(prop.get("description") for prop in tool.input_schema["properties"].values()), tool.name


@pytest.mark.slow
async def test_score_voice_returns_a_verdict_stores_it_and_get_voice_shows_it(tmp_path: Path, base_url: str) -> None:
    async with connect(tmp_path, "--base-url", base_url) as agent:
        voice_id = (await agent.ok("clone_voice", sample=AWB, prefix="awb"))["voice_id"]
        unscored = await agent.ok("get_voice", voice=voice_id)
        # cloned from a local file on this machine: its path is remembered (issue 22 item 9), no sample needed
        remembered = await agent.ok("score_voice", voice=voice_id)
        bad_plot = await agent.error("score_voice", voice=voice_id, sample=AWB, plot_path="score.jpg")
        typo = await agent.error("score_voice", voice=voice_id, sampel=AWB)
        score = await agent.ok("score_voice", voice="awb", sample=AWB, plot_path="pictures/score.png")
        shown = await agent.ok("get_voice", voice=voice_id)

    assert "score" not in unscored
    assert remembered["reference"]["path"] == str(Path(AWB).resolve())
    assert "plot_path='score.jpg'" in bad_plot and ".png" in bad_plot and not (tmp_path / "score.jpg").exists()
    assert "sampel" in typo and "is not an argument of score_voice" in typo

    assert score["voice_id"] == voice_id and score["target_model"] == "cosyvoice-v3.5-plus"
    assert score["verdict"] == "not judged"  # the formant engine: see the notes
    assert score["engine"] == {"kind": "emulator", "engine": "formant", "judgeable": False}
    assert any("cannot be judged for resemblance" in note for note in score["notes"])
    assert 0.0 < score["similarity"]["score"] < 1.0
    assert score["similarity"]["band"] in ("same speaker", "inconclusive", "different")
    assert set(score["intelligibility"]) >= {"word_error_rate", "skipped"}
    assert isinstance(score["sanity"]["findings"], list) and score["probes"]["language"] == "en"
    assert score["cost"]["characters"] > 100
    plot = Path(score["plot"])
    assert plot == tmp_path / "pictures" / "score.png" and plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    stored = shown["score"]
    assert stored["verdict"] == "not judged" and stored["similarity"] == score["similarity"]["score"]
    assert stored["word_error_rate"] == score["intelligibility"]["word_error_rate"]
    assert stored["scored_at"].endswith("+00:00")
    assert json.loads((tmp_path / EVIDENCE / "score.json").read_text())["voice_id"] == voice_id


@pytest.mark.slow
async def test_compare_models_spends_nothing_without_confirm_then_enrolls_and_ranks(
    tmp_path: Path, base_url: str
) -> None:
    async with connect(tmp_path, "--base-url", base_url) as agent:
        planned = await agent.ok("compare_models", sample=AWB, target_models=TWO_MODELS)
        after_plan = await agent.ok("list_voices")
        unknown = await agent.error("compare_models", sample=AWB, target_models=["cosyvoice-v9"])
        ranked = await agent.ok("compare_models", sample=AWB, target_models=TWO_MODELS, confirm=True)
        after_run = await agent.ok("list_voices")
        again = await agent.ok("compare_models", sample=AWB, target_models=TWO_MODELS)  # all reused: runs

    assert planned["confirmed"] is False and "confirm=true" in planned["next"]
    assert planned["plan"]["enrollments"] == 2 and planned["plan"]["models"] == TWO_MODELS
    assert planned["plan"]["preflight_verdict"] == "pass"
    assert after_plan["count"] == 0  # the plan spent nothing
    assert "target_models" in unknown and "cosyvoice-v9" in unknown

    assert ranked["confirmed"] is True and ranked["enrollments_planned"] == 2
    assert {r["target_model"] for r in ranked["ranking"]} == set(TWO_MODELS)
    assert [r["rank"] for r in ranked["ranking"]] == [1, 2] and ranked["best"] == ranked["ranking"][0]
    assert all(r["verdict"] == "not judged" for r in ranked["ranking"])
    assert ranked["judged"] is False and ranked["recommendation"].startswith("not judged")
    assert ranked["deleted"] == []  # nothing is a loser when nothing can be judged
    assert after_run["count"] == 2
    assert {v["voice_id"] for v in after_run["voices"]} == {r["voice_id"] for r in ranked["ranking"]}

    assert again["confirmed"] is True and again["plan"]["enrollments"] == 0
    assert [r["voice_id"] for r in again["ranking"]] == [r["voice_id"] for r in ranked["ranking"]]
    assert json.loads((tmp_path / EVIDENCE / "compare.json").read_text())["ranking"]
