"""``cosyclone score`` and ``compare`` on Mandarin voices, through the real CLI against the emulator.

The emulator's Mandarin speech may still be poor (a buzz where the speech engine does not read Chinese), so these
check that a character error rate is measured and reported as a number, how the probe language is chosen
(``--language`` over the script of ``--text`` over the voice's language hint), and that bad input is refused —
not how well the emulator speaks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from platformdirs import user_cache_path

from tests.conftest import AUDIO_FIXTURES, CLIResult

CLI = Callable[..., CLIResult]
ZH = str(AUDIO_FIXTURES / "zh" / "aishell1-s0002-14s.wav")
AWB = str(AUDIO_FIXTURES / "good" / "flite-awb.wav")
#: The joined Whisper base model is kept in the user cache; the tests' HOME is a temporary one, so point the
#: subprocesses at the real cache instead of joining 145 MB again in every test.
CACHE_ENV = {"XDG_CACHE_HOME": str(user_cache_path("cosyclone", appauthor=False).parent)}


def clone(cli: CLI, sample: str, prefix: str, *hint: str) -> str:
    result = cli("clone", sample, "--prefix", prefix, *hint, "--json")
    assert result.returncode == 0, result.stderr
    voice_id: str = result.json()["voice_id"]
    return voice_id


def score(cli: CLI, *args: str) -> dict[str, Any]:
    result = cli("score", *args, "--json", env=CACHE_ENV)
    assert result.returncode == 0, result.stderr
    assert "terminate called" not in result.stderr
    payload: dict[str, Any] = result.json()
    return payload


def assert_character_error_rate(payload: dict[str, Any]) -> None:
    heard = payload["intelligibility"]
    assert heard["skipped"] is None
    cer = heard["character_error_rate"]
    assert isinstance(cer, float) and 0.0 <= cer < math.inf
    assert heard["word_error_rate"] is None
    assert heard["recognizer"].startswith("whisper-base")
    assert f"CER {cer:.2f}" in payload["summary"]


@pytest.mark.slow
def test_score_a_mandarin_sample_with_language_zh_gives_a_character_error_rate(cli: CLI) -> None:
    voice_id = clone(cli, ZH, "zh")
    payload = score(cli, voice_id, "--language", "zh")  # no --sample: the file it was cloned from
    assert payload["reference"]["path"] == str(Path(ZH).resolve())
    assert payload["probes"]["language"] == "zh" and payload["probes"]["set"] == "zh-2"
    assert payload["probes"]["language_source"] == "--language"
    assert_character_error_rate(payload)
    assert 0.0 < payload["similarity"]["score"] < 1.0


@pytest.mark.slow
def test_probe_language_comes_from_the_hint_the_text_script_and_language_overrides(cli: CLI) -> None:
    hinted = clone(cli, ZH, "zhhint", "--language-hint", "zh")
    by_hint = score(cli, hinted, "--sample", ZH)
    assert (by_hint["probes"]["language"], by_hint["probes"]["language_source"]) == (
        "zh",
        "the voice's language hint",
    )
    assert_character_error_rate(by_hint)

    overridden = score(cli, hinted, "--sample", ZH, "--language", "en")
    assert (overridden["probes"]["language"], overridden["probes"]["language_source"]) == ("en", "--language")
    assert overridden["intelligibility"]["character_error_rate"] is None
    assert overridden["intelligibility"]["word_error_rate"] is not None

    english = clone(cli, AWB, "awb")
    text = "春天来了，花都开了。"
    by_script = score(cli, english, "--sample", AWB, "--text", text)
    assert (by_script["probes"]["language"], by_script["probes"]["language_source"]) == ("zh", "the text's script")
    assert by_script["probes"]["text"] == text and by_script["probes"]["set"].startswith("text-")
    assert_character_error_rate(by_script)


def test_score_refuses_a_language_without_probes_and_an_empty_text(cli: CLI) -> None:
    voice_id = clone(cli, AWB, "awb")
    french = cli("score", voice_id, "--sample", AWB, "--language", "fr", "--json")
    assert french.returncode == 2
    assert french.json()["problems"][0]["field"] == "language" and "en, zh" in french.stdout
    empty = cli("score", voice_id, "--sample", AWB, "--text", "  ", "--json")
    assert empty.returncode == 2 and empty.json()["problems"][0]["field"] == "text"
    long = cli("score", voice_id, "--sample", AWB, "--text", "字" * 301, "--json")
    assert long.returncode == 2 and "at most 300 characters" in long.stdout


@pytest.mark.slow
def test_compare_on_a_mandarin_sample_scores_in_mandarin(cli: CLI) -> None:
    result = cli("compare", ZH, "--target-model", "cosyvoice-v2", "--yes", "--json", env=CACHE_ENV)
    assert result.returncode == 0, result.stderr
    assert "terminate called" not in result.stderr
    outcome = result.json()
    assert any("Mandarin probes" in note for note in outcome["notes"])  # heard in the sample, no --language
    (row,) = outcome["ranking"]
    assert isinstance(row["character_error_rate"], float) and row["character_error_rate"] >= 0.0
    assert row["word_error_rate"] is None
