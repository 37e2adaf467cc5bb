"""Word error rate and the offline recogniser (faster-whisper tiny.en from a wheel) on real speech."""

from __future__ import annotations

import time

import pytest

from cosyclone.audio import recognize
from cosyclone.audio.io import decode
from tests.conftest import AUDIO_FIXTURES


def test_word_error_rate_counts_edits_over_reference_words() -> None:
    assert recognize.word_error_rate("the cat sat on the mat", "the cat sat on the mat") == 0.0
    assert recognize.word_error_rate("the cat sat on the mat", "the cat sat on mat") == pytest.approx(1 / 6)
    assert recognize.word_error_rate("the cat sat", "a cat sat down") == pytest.approx(2 / 3)
    assert recognize.word_error_rate("", "") == 0.0 and recognize.word_error_rate("", "words") == 1.0
    assert recognize.word_error_rate("one two", "three four five six") == pytest.approx(2.0)


def test_normalisation_ignores_case_punctuation_hyphens_and_abbreviations() -> None:
    assert recognize.normalize_words("Mr. Dashwood's cold-hearted, SELFISH!") == [
        "mister",
        "dashwood's",
        "cold",
        "hearted",
        "selfish",
    ]
    assert recognize.normalize_words("你好，世界") == ["你", "好", "世", "界"]
    assert recognize.word_error_rate("Cold-hearted, yes.", "cold hearted yes") == 0.0


def test_recogniser_is_the_packaged_whisper() -> None:
    assert recognize.recognizer_available()
    assert recognize.recognizer_languages() == ("en",)
    with pytest.raises(ValueError, match="only transcribes English"):
        recognize.transcribe(
            decode(AUDIO_FIXTURES / "good" / "flite-slt.wav").samples, sample_rate_hz=16000, language="zh"
        )


@pytest.mark.slow
def test_recogniser_hears_a_synthetic_voice_nearly_word_for_word() -> None:
    audio = decode(AUDIO_FIXTURES / "good" / "flite-slt-other-text.wav")
    started = time.process_time()
    heard = recognize.transcribe(audio.samples, sample_rate_hz=audio.sample_rate)
    reference = (
        "The weather report for tomorrow calls for light rain in the morning and clear skies by the afternoon, "
        "with a gentle breeze from the west and temperatures near twenty degrees."
    )
    assert recognize.word_error_rate(reference, heard.text) <= 0.1, heard.text
    assert time.process_time() - started < 15
