"""Verified consent through the real CLI (``clone --consent``, ``consent-text``, ``voices show``) and the library
(``cosyclone.verify_consent``), against the emulator.

The consent recordings are honest fixtures (``tests/fixtures/audio/consent``): flite's synthetic speaker *awb* —
the speaker of ``good/flite-awb.wav`` — reading the consent sentence (verified: WER 0.00, similarity 0.94), and
flite's *slt* reading it (the wrong speaker for awb's sample: similarity 0.54). Wrong words: awb's own other
recording (``good/flite-awb-other-text.wav``), the right speaker saying something else.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

import cosyclone
from cosyclone.audio.recognize import recognizer_available
from tests.conftest import AUDIO_FIXTURES, CLIResult

CLI = Callable[..., CLIResult]
SAMPLE = str(AUDIO_FIXTURES / "good" / "flite-awb.wav")
CONSENT = str(AUDIO_FIXTURES / "consent" / "flite-awb-consent.wav")
WRONG_SPEAKER = str(AUDIO_FIXTURES / "consent" / "flite-slt-consent.wav")
WRONG_WORDS = str(AUDIO_FIXTURES / "good" / "flite-awb-other-text.wav")
SENTENCE = "I agree that this tool may clone my voice and speak new words with it."

pytestmark = pytest.mark.skipif(not recognizer_available(), reason="needs the offline recogniser (cosyclone[quality])")


def nothing_was_sent(cli: CLI) -> None:
    assert cli("voices", "list", "--json").json() == []
    assert cli("voices", "list", "--local", "--json").json() == []


def test_consent_text_prints_the_sentence_in_each_language(cli: CLI) -> None:
    assert cli("consent-text").stdout.strip() == SENTENCE
    mandarin = cli("consent-text", "--language", "zh")
    assert mandarin.returncode == 0 and "克隆" in mandarin.stdout
    wrong = cli("consent-text", "--language", "fr")
    assert wrong.returncode == 2 and "--language" in wrong.stderr


def test_a_verified_consent_clones_and_is_kept_with_the_voice(cli: CLI) -> None:
    cloned = cli("clone", SAMPLE, "--prefix", "awb", "--consent", CONSENT, "--json", timeout=300)
    assert cloned.returncode == 0, cloned.stderr
    voice_id = cloned.json()["voice_id"]
    shown = cli("voices", "show", voice_id, "--json")
    consent = shown.json()["consent"]
    assert consent["verified"] is True
    assert consent["text"] == SENTENCE
    assert consent["speaker_similarity"] >= 0.80
    assert consent["sha256"] == hashlib.sha256(Path(CONSENT).read_bytes()).hexdigest()
    assert consent["at"].endswith("Z") and consent["at"][:4].isdigit() and "T" in consent["at"]
    kept = Path(consent["recording"])
    assert kept.read_bytes() == Path(CONSENT).read_bytes()
    human = cli("voices", "show", voice_id)
    assert "consent verified" in human.stdout and "consent speaker_similarity" in human.stdout


def test_without_consent_the_voice_shows_consent_null(cli: CLI) -> None:
    cloned = cli("clone", SAMPLE, "--prefix", "plain", "--json", timeout=300)
    assert cloned.returncode == 0, cloned.stderr
    assert cli("voices", "show", cloned.json()["voice_id"], "--json").json()["consent"] is None


def test_the_wrong_speaker_is_refused_before_anything_is_sent(cli: CLI) -> None:
    refused = cli("clone", SAMPLE, "--prefix", "awb", "--consent", WRONG_SPEAKER)
    assert refused.returncode == 2
    message = refused.stderr.split("error: ", 1)[1]
    assert message.startswith("consent refused:")
    assert "speaker: similarity to the sample" in message and "< 0.80" in message
    assert "words:" not in message
    nothing_was_sent(cli)


def test_the_wrong_words_are_refused_with_the_figure_and_threshold(cli: CLI) -> None:
    refused = cli("clone", SAMPLE, "--prefix", "awb", "--consent", WRONG_WORDS, "--json")
    assert refused.returncode == 2
    payload = refused.json()
    assert payload["message"].startswith("consent refused: words: word error rate")
    assert "> 0.30" in payload["message"] and "speaker:" not in payload["message"]
    nothing_was_sent(cli)


def test_an_organisations_own_wording_is_checked(cli: CLI) -> None:
    refused = cli("clone", SAMPLE, "--prefix", "awb", "--consent", CONSENT, "--consent-text", "We, Acme, agree.")
    assert refused.returncode == 2 and "consent refused: words:" in refused.stderr
    nothing_was_sent(cli)


@pytest.mark.parametrize("how", ["env", "config"])
def test_require_consent_refuses_a_clone_without_one(cli: CLI, how: str, tmp_path: Path) -> None:
    env: dict[str, str] = {}
    if how == "env":
        env["COSYCLONE_REQUIRE_CONSENT"] = "1"
    else:
        home = tmp_path / "cosyclone-home"  # the run_cli fixture's COSYCLONE_HOME
        home.mkdir(exist_ok=True)
        (home / "config.toml").write_text("require_consent = true\n", encoding="utf-8")
    refused = cli("clone", SAMPLE, "--prefix", "awb", env=env)
    assert refused.returncode == 2
    assert "consent refused:" in refused.stderr and "--consent" in refused.stderr
    nothing_was_sent(cli)
    allowed = cli("clone", SAMPLE, "--prefix", "awb", "--consent", CONSENT, "--json", env=env, timeout=300)
    assert allowed.returncode == 0, allowed.stderr


def test_the_library_returns_the_verdict_with_its_figures() -> None:
    good = cosyclone.verify_consent(CONSENT, SAMPLE)
    assert good.verified and good.text == SENTENCE
    assert good.speaker_similarity is not None and good.speaker_similarity >= 0.80
    assert good.error_rate is not None and good.error_rate <= 0.3
    wrong = cosyclone.verify_consent(WRONG_SPEAKER, SAMPLE)
    assert not wrong.verified and [c.name for c in wrong.failures()] == ["speaker"]
    both = cosyclone.verify_consent(WRONG_SPEAKER, SAMPLE, text="Something else entirely, said by nobody here.")
    assert [c.name for c in both.failures()] == ["words", "speaker"]
    assert json.loads(json.dumps(both.to_dict()))["failed"] == ["words", "speaker"]


def test_numbers_count_as_digits_or_words() -> None:
    from cosyclone.quality.consent import spell_numbers

    assert spell_numbers("I have 3 voices and 1,200 words") == "I have three voices and one thousand two hundred words"
    assert spell_numbers("第2个", "zh") == "第二个"


def test_required_consent_also_stops_the_enrollments_that_take_none(cli: CLI) -> None:
    env = {"COSYCLONE_REQUIRE_CONSENT": "1"}
    for command in (("compare", SAMPLE, "--yes"), ("--emulator", "demo")):
        refused = cli(*command, env=env)
        assert refused.returncode == 2, (command, refused.stderr)
        assert "consent refused:" in refused.stderr and "--consent" in refused.stderr
    nothing_was_sent(cli)
    voice_id = cli("clone", SAMPLE, "--prefix", "awb", "--consent", CONSENT, "--json", env=env, timeout=300).json()
    update = cli("voices", "update", voice_id["voice_id"], WRONG_WORDS, env=env)
    assert update.returncode == 2 and "`voices update` enrolls a voice without one" in update.stderr


def test_a_new_sample_forgets_the_old_speakers_consent(cli: CLI) -> None:
    voice_id = cli("clone", SAMPLE, "--prefix", "awb", "--consent", CONSENT, "--json", timeout=300).json()["voice_id"]
    assert cli("voices", "show", voice_id, "--json").json()["consent"]["verified"] is True
    other = str(AUDIO_FIXTURES / "good" / "flite-slt.wav")  # another speaker's sample
    assert cli("voices", "update", voice_id, other, timeout=300).returncode == 0
    assert cli("voices", "show", voice_id, "--json").json()["consent"] is None


def test_bad_consent_input_is_named_before_anything_is_sent(cli: CLI) -> None:
    not_audio = str(AUDIO_FIXTURES / "bad" / "not-audio.wav")
    cases = [
        (("--consent", not_audio), "consent="),
        (("--consent", "missing.wav"), "no such file"),
        (("--consent-text", "I agree."), "needs a consent recording (--consent)"),
    ]
    for extra, named in cases:
        refused = cli("clone", SAMPLE, "--prefix", "awb", *extra)
        assert refused.returncode == 2 and named in refused.stderr, refused.stderr
    remote = cli("clone", "https://example.com/voice.wav", "--prefix", "awb", "--consent", CONSENT)
    assert remote.returncode == 2 and "consent is checked on local files" in remote.stderr
    nothing_was_sent(cli)
