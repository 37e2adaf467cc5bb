"""Sentence splitting and billed-size chunking (schema/sentences.py): where sentences end, what stays buffered."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cosyclone.schema.sentences import chunk_text, complete_sentences, split_sentences
from cosyclone.schema.synthesis import billed_characters


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello world. How are you?", ["Hello world.", "How are you?"]),
        ("你好。世界！真的吗？是的；好", ["你好。", "世界！", "真的吗？", "是的；", "好"]),
        ("Wait... what?! Yes.", ["Wait...", "what?!", "Yes."]),
        ("Pi is 3.14 today. OK", ["Pi is 3.14 today.", "OK"]),
        ("See example.com now", ["See example.com now"]),
        ("line one\nline two\r\n\nline three", ["line one", "line two", "line three"]),
        ('He said "stop." Then left.', ['He said "stop."', "Then left."]),
        ("她说：“走吧。”然后走了。", ["她说：“走吧。”", "然后走了。"]),
        ("  ", []),
        ("", []),
        ("no end mark", ["no end mark"]),
        ("a;b; c", ["a;b;", "c"]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_complete_sentences_keeps_the_unfinished_rest_verbatim() -> None:
    assert complete_sentences("Hello world. How are") == (["Hello world."], " How are")
    assert complete_sentences("你好。世界") == (["你好。"], "世界")
    assert complete_sentences("no mark yet ") == ([], "no mark yet ")


def test_a_mark_at_the_end_of_the_buffer_ends_the_sentence() -> None:
    assert complete_sentences("Done.") == (["Done."], "")
    assert complete_sentences("Really?") == (["Really?"], "")
    assert complete_sentences("好。") == (["好。"], "")


def test_a_dot_after_a_digit_at_the_end_waits_for_more_text() -> None:
    sentences, rest = complete_sentences("It costs 3.")
    assert sentences == []
    assert rest == "It costs 3."
    assert complete_sentences(rest + "50 dollars. And") == (["It costs 3.50 dollars."], " And")


def test_a_newline_always_ends_a_sentence() -> None:
    assert complete_sentences("first line\nsecond") == (["first line"], "second")


def test_streaming_pieces_give_the_same_sentences_as_the_whole_text() -> None:
    text = "Hello there. 今天天气很好。It is 3.5 degrees! Is it? Yes; fine\nend"
    buffer, streamed = "", []
    for i in range(0, len(text), 3):
        buffer += text[i : i + 3]
        done, buffer = complete_sentences(buffer)
        streamed.extend(done)
    streamed.extend(split_sentences(buffer))
    assert streamed == split_sentences(text)


def test_chunk_text_packs_sentences_within_the_billed_limit() -> None:
    text = "One two three. Four five six. Seven eight nine. Ten."
    chunks = chunk_text(text, max_chars=30)
    assert chunks == ["One two three. Four five six.", "Seven eight nine. Ten."]
    assert all(billed_characters(c) <= 30 for c in chunks)


def test_chunk_text_counts_cjk_twice() -> None:
    chunks = chunk_text("你好世界。" * 4, max_chars=20)
    assert chunks == ["你好世界。你好世界。"] * 2  # 10 characters = 20 billed


def test_chunk_text_cuts_a_long_sentence_at_spaces_then_inside_words() -> None:
    chunks = chunk_text("alpha beta gamma delta " + "x" * 25, max_chars=12)
    assert chunks == ["alpha beta", "gamma delta", "x" * 12, "x" * 12, "x"]
    assert chunk_text("好" * 7, max_chars=5) == ["好好", "好好", "好好", "好"]


def test_chunk_text_refuses_a_limit_too_small_for_cjk() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        chunk_text("hi", max_chars=1)


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("ab 你好.。!?？\n3")), max_size=80),
    st.integers(min_value=2, max_value=25),
)
def test_chunks_respect_the_limit_and_keep_every_character(text: str, limit: int) -> None:
    chunks = chunk_text(text, max_chars=limit)
    assert all(0 < billed_characters(c) <= limit for c in chunks)
    squeeze = lambda s: "".join(s.split())  # noqa: E731
    assert squeeze("".join(chunks)) == squeeze(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .。!?\n1")), max_size=60))
def test_complete_sentences_plus_rest_loses_nothing(text: str) -> None:
    sentences, rest = complete_sentences(text)
    squeeze = lambda s: "".join(s.split())  # noqa: E731
    assert squeeze("".join(sentences) + rest) == squeeze(text)
    assert all(s == s.strip() and s for s in sentences)
