"""The consent measurement's rules on known answers (no audio): thresholds, the inconclusive band, numbers as words,
the refusal text naming every failed check with its figure and threshold."""

from __future__ import annotations

import pytest

from cosyclone.quality.bands import DEFAULT_BANDS
from cosyclone.quality.consent import (
    CONSENT_SENTENCES,
    MAX_ERROR_RATE,
    ConsentVerdict,
    _speaker_check,
    _words_check,
    consent_sentence,
    spell_numbers,
)


def test_the_thresholds_are_the_issues() -> None:
    assert MAX_ERROR_RATE == 0.3
    assert _speaker_check(0.80, "").threshold == DEFAULT_BANDS.same_min == 0.80


@pytest.mark.parametrize(
    ("similarity", "passed", "detail"),
    [
        (0.95, True, ""),
        (0.80, True, ""),
        (0.79, False, "inconclusive"),
        (0.77, False, "inconclusive"),
        (0.5, False, "a different speaker"),
    ],
)
def test_the_speaker_must_be_the_same_and_inconclusive_is_refused(similarity: float, passed: bool, detail: str) -> None:
    check = _speaker_check(similarity, "")
    assert check.passed is passed and check.detail == detail


def test_a_check_that_cannot_be_measured_fails_with_its_reason() -> None:
    check = _speaker_check(None, "no speech in the recording")
    assert (
        not check.passed
        and check.describe() == "speaker: similarity to the sample not measured (no speech in the recording)"
    )


def test_words_are_compared_without_case_punctuation_or_digit_spelling() -> None:
    text = "I agree, at 3 pm, that this tool may clone my voice."
    assert _words_check("i agree at three PM that this tool may clone my voice", text, "en", "").measured == 0.0
    wrong = _words_check("nothing like it at all", text, "en", "")
    assert not wrong.passed and wrong.describe().startswith("words: word error rate 1.00 > 0.30")
    chinese = _words_check("我同意这个工具克隆我的声音", CONSENT_SENTENCES["zh"], "zh", "")
    assert chinese.metric == "character error rate" and chinese.measured is not None


def test_the_refusal_names_every_failed_check() -> None:
    checks = (_words_check("something else", "I agree.", "en", ""), _speaker_check(0.5, ""))
    verdict = ConsentVerdict(verified=False, text="I agree.", language="en", heard="something else", checks=checks)
    reason = verdict.reason()
    assert reason.startswith("words: word error rate") and "; speaker: similarity to the sample 0.50 < 0.80" in reason
    assert verdict.to_dict()["failed"] == ["words", "speaker"]


def test_sentences_and_numbers() -> None:
    assert consent_sentence("zh-CN") == CONSENT_SENTENCES["zh"] and consent_sentence("fr") == CONSENT_SENTENCES["en"]
    assert spell_numbers("21 and 1,000,000 and 105") == "twenty one and one million and one hundred five"
    assert spell_numbers("2024年", "zh") == "二零二四年"
