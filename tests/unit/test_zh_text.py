"""The Mandarin engine's reading of text: script runs, numbers as a Chinese reader says them, dialect notes."""

from __future__ import annotations

import pytest

from cosyclone.emulator.voice.zh_text import dialect_note, has_han, number_words, read_tokens

cn2an = pytest.importorskip("cn2an", reason="the speech extra is not installed")


def _kinds(text: str) -> list[tuple[str, str, str]]:
    return [(t.kind, t.text, text[t.begin : t.end]) for t in read_tokens(text)]


def test_mixed_text_is_cut_by_script_and_keeps_every_span() -> None:
    text = "我们用 Python 和 GitHub 写代码，好吗？"
    assert _kinds(text) == [
        ("han", "我们用", "我们用"),
        ("latin", "Python", "Python"),
        ("han", "和", "和"),
        ("latin", "GitHub", "GitHub"),
        ("han", "写代码", "写代码"),
        ("break", ",", "，"),
        ("han", "好吗", "好吗"),
        ("break", "?", "？"),
    ]


def test_a_run_of_english_words_stays_one_run() -> None:
    assert _kinds("请说 good morning everyone。")[1] == ("latin", "good morning everyone", "good morning everyone")


@pytest.mark.parametrize(
    ("written", "following", "spoken"),
    [
        ("2024", "年", "二零二四"),
        ("3", "月", "三"),
        ("12.5", "元", "十二点五"),
        ("50%", "", "百分之五十"),
        ("3:30", "", "三点三十分"),
        ("8:00", "", "八点整"),
        ("1/4", "", "四分之一"),
        ("-5", "度", "负五"),
        ("13812345678", "", "一三八一二三四五六七八"),
        ("2", "个", "两"),
        ("2", "", "二"),
        ("105", "", "一百零五"),
        ("0571", "", "零五七一"),
    ],
)
def test_numbers_are_read_as_a_chinese_reader_reads_them(written: str, following: str, spoken: str) -> None:
    assert number_words(written, following=following) == spoken


def test_dates_times_and_full_width_digits_in_a_sentence() -> None:
    text = "会议在2024-03-05下午3:30开始，第３名。"
    numbers = [(t.text, text[t.begin : t.end]) for t in read_tokens(text) if t.kind == "number"]
    assert numbers == [("二零二四年三月五日", "2024-03-05"), ("三点三十分", "3:30"), ("三", "３")]


def test_punctuation_makes_phrase_breaks() -> None:
    marks = [t.text for t in read_tokens("你好，世界；真的吗？好！再见。……") if t.kind == "break"]
    assert marks == [",", ",", "?", "!", "."]  # "。……" together: one break


def test_han_detection() -> None:
    assert has_han("hello 世界") and not has_han("hello") and not has_han("こんにちは")


def test_dialect_instructions_are_noted() -> None:
    assert dialect_note("请用粤语说这句话") is not None and "Cantonese" in (dialect_note("请用粤语说这句话") or "")
    assert "Sichuanese" in (dialect_note("用四川话") or "")
    assert "Mandarin" in (dialect_note("speak in Cantonese please") or "")
    assert dialect_note("speak slowly") is None and dialect_note(None) is None
