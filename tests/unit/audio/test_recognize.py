"""Word and character error rates, and the offline recognisers (Whisper tiny.en and base from wheels) on real
speech, English and Mandarin."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cosyclone.audio import recognize, whisper_models
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
    assert recognize.recognizer_languages() == ("en", "zh")
    with pytest.raises(ValueError, match="transcribes en and zh"):
        recognize.transcribe(
            decode(AUDIO_FIXTURES / "good" / "flite-slt.wav").samples, sample_rate_hz=16000, language="fr"
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


def test_character_error_rate_counts_characters_without_punctuation_or_spaces() -> None:
    cer = recognize.character_error_rate
    assert cer("今天天气很好。", "今天 天气很好") == 0.0
    assert cer("今天天气很好", "今天天器很好") == pytest.approx(1 / 6)  # one substitution
    assert cer("你好", "你好吗") == pytest.approx(1 / 2)  # one insertion
    assert cer("你好世界", "") == 1.0 and cer("", "") == 0.0 and cer("，。", "好") == 1.0
    assert cer("我用GPT写代码", "我用 gpt 写代码！") == 0.0  # a Latin word is one unit, case-free
    assert recognize.normalize_characters("“你好”，World!") == ["你", "好", "world"]


def test_character_error_rate_reads_traditional_as_simplified_and_digits_as_numerals() -> None:
    cer = recognize.character_error_rate
    assert cer("限购后的城市", "限購後的城市") == 0.0  # Whisper base often answers in traditional characters
    assert cer("自六月底", "自6月底") == 0.0
    assert cer("一二线城市", "12线城市") == 0.0  # digit by digit
    assert cer("二零二四年", "2024年") == 0.0
    assert cer("十五个人", "15个人") == 0.0  # by place value
    assert cer("一百零五页", "105页") == 0.0
    assert cer("十五个人", "51个人") == pytest.approx(2 / 4)
    assert recognize.error_rate("你好世界", "你好", language="zh") == 0.5
    assert recognize.error_rate("hello big world", "hello world", language="en") == pytest.approx(1 / 3)


def test_language_of_text_follows_the_script() -> None:
    assert recognize.language_of_text("今天天气很好") == "zh"
    assert recognize.language_of_text("我用GPT写代码") == "zh"
    assert recognize.language_of_text("The quick brown fox, 你好") == "en"
    assert recognize.language_of_text("1234 !!") == "en"


def test_the_base_model_is_joined_once_atomically_and_verified_by_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = whisper_models.joined_base_model()
    assert folder.is_relative_to(tmp_path)
    parts, _ = whisper_models._parts()
    model = folder / "model.bin"
    assert model.stat().st_size == sum(p.stat().st_size for p in parts) > 140_000_000
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.bin", "tokenizer.json", "vocabulary.json"]
    joined_at = model.stat().st_mtime_ns
    assert whisper_models.joined_base_model() == folder and model.stat().st_mtime_ns == joined_at  # not again
    with model.open("r+b") as damaged:
        damaged.truncate(1000)  # an interrupted copy by hand: the size tells, and it is joined again
    assert whisper_models.joined_base_model() == folder
    assert model.stat().st_size == sum(p.stat().st_size for p in parts)
    assert not list(folder.glob("*.part"))


@pytest.mark.slow
def test_whisper_base_hears_the_mandarin_readers_as_people_are_heard() -> None:
    # The fixtures' corpus transcripts (tests/fixtures/audio/zh/README.md); measured 0.159 and 0.233.
    references = {
        "aishell1-s0002-14s.wav": "而对楼市成交抑制作用最大的限购也成为地方政府的眼中钉"
        "自六月底呼和浩特市率先宣布取消限购后",
        "thchs30-d4-8s.wav": "东北军的一些爱国将士马占山李杜唐聚伍苏炳艾邓铁梅等也奋起抗战",
    }
    for name, reference in references.items():
        audio = decode(AUDIO_FIXTURES / "zh" / name)
        heard = recognize.transcribe(audio.samples, sample_rate_hz=audio.sample_rate, language="zh")
        assert heard.recognizer.startswith("whisper-base") and heard.language == "zh"
        assert heard.text == recognize._to_simplified().convert(heard.text)  # simplified characters only
        assert recognize.character_error_rate(reference, heard.text) <= 0.3, heard.text
        assert recognize.detect_language(audio.samples, sample_rate_hz=audio.sample_rate) == "zh"
