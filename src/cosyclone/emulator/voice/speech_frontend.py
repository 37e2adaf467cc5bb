"""The speech engine's reading of a sentence: phrases of words, each word's phonemes and its place in the text.

Who may import it: :mod:`cosyclone.emulator.voice.speech_engine`. Uses ``gruut`` (MIT) with its English lexicon and
grapheme-to-phoneme model from ``gruut-lang-en`` (MIT), both imported on first use. gruut expands numbers,
abbreviations and currency ("$5" → "five dollars") and gives IPA phonemes in the style eSpeak NG writes them,
which is what Piper voices were trained on, without eSpeak NG (GPL-3) itself.

gruut looks words up in an SQLite lexicon that has no index on the word column (a full scan per word, ~40 ms);
the lexicon is copied into memory once with an index, which makes a sentence take a few milliseconds, and a few
words of this domain are added to it (:data:`LEXICON_ADDITIONS`: "cosyclone" is said "cozy clone").
"""

from __future__ import annotations

import re
import sqlite3
import threading
from dataclasses import dataclass
from typing import Any

__all__ = ["Phrase", "SpokenWord", "read_sentence"]

_SOURCE_WORD = re.compile(r"[^\W_]+(?:['’\-.][^\W_]+)*")
_NORMAL = re.compile(r"[^\w]+")
_LOCK = threading.Lock()
_PROCESSOR: Any = None
#: Words of this domain the lexicon does not know (its guesses would be unintelligible), in its own notation.
LEXICON_ADDITIONS = {
    "cosyclone": "k ˈoʊ z i k l ˌoʊ n",
    "cosyvoice": "k ˈoʊ z i v ˌɔɪ s",
    "dashscope": "d ˈæ ʃ s k ˌoʊ p",
}


@dataclass(frozen=True)
class SpokenWord:
    """One spoken word: its IPA phonemes, and which source word (by index) it belongs to (-1: none)."""

    phonemes: str
    source: int


@dataclass(frozen=True)
class Phrase:
    """Words spoken in one breath, and the mark that ends the phrase (``,``, ``.``, ``?``, ``!`` or none)."""

    words: tuple[SpokenWord, ...]
    end_mark: str


@dataclass(frozen=True)
class SourceWord:
    text: str
    begin_index: int
    end_index: int


def _processor() -> Any:
    global _PROCESSOR
    with _LOCK:
        if _PROCESSOR is None:
            from importlib import resources

            from gruut import TextProcessor
            from gruut.lang import get_settings
            from gruut.phonemize import SqlitePhonemizer
            from gruut.utils import remove_non_word_chars

            path = resources.files("gruut_lang_en") / "lexicon.db"
            disk = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            memory = sqlite3.connect(":memory:", check_same_thread=False)
            disk.backup(memory)
            disk.close()
            memory.execute("CREATE INDEX IF NOT EXISTS word_phonemes_word ON word_phonemes(word)")
            memory.executemany(
                "INSERT INTO word_phonemes (word, pron_order, phonemes, role) VALUES (?, 0, ?, '')",
                LEXICON_ADDITIONS.items(),
            )
            lookup = SqlitePhonemizer(
                db_conn=memory,
                word_transform_funcs=[
                    str.lower,
                    remove_non_word_chars,
                    lambda s: remove_non_word_chars(s.lower()),
                ],
            )
            settings = get_settings("en_US", load_pos_tagger=False, lookup_phonemes=lookup)
            _PROCESSOR = TextProcessor(default_lang="en_US", settings={"en_US": settings})
        return _PROCESSOR


def warm_up() -> None:
    """Load gruut and its lexicon now (about a second) rather than on the first sentence."""
    read_sentence("Ready.")


def source_words(text: str) -> list[SourceWord]:
    return [SourceWord(m.group(0), m.start(), m.end()) for m in _SOURCE_WORD.finditer(text)]


def _normal(word: str) -> str:
    return _NORMAL.sub("", word.lower())


def _gruut_words(text: str) -> list[tuple[str, str, bool]]:
    """(text, IPA, is_break) for every word and break gruut finds, in order."""
    processor = _processor()
    with _LOCK:  # gruut's processor keeps per-call state in its graph; one sentence at a time
        graph, root = processor(text, lang="en_US", pos=False)
        found = []
        for sentence in processor.sentences(graph, root, pos=False):
            for word in sentence:
                is_break = bool(word.is_major_break or word.is_minor_break)
                if is_break or (word.is_spoken and word.phonemes):
                    found.append((str(word.text), "".join(word.phonemes or []), is_break))
            found.append((".", "", True))
        return found


def _assign(gruut_text: str, sources: list[SourceWord], cursor: int, owner: list[int]) -> tuple[int, int]:
    """Which source word a gruut word belongs to, and the new cursor (see :func:`read_sentence`)."""
    key = _normal(gruut_text)
    for j in range(cursor, min(cursor + 3, len(sources))):
        if key and _normal(sources[j].text) == key:
            return j, j + 1
    if cursor < len(sources) and owner[cursor] == 0:
        return cursor, cursor  # an expansion ("2024" → "twenty twenty four") starts at an unmatched word
    last = next((j for j in range(min(cursor, len(sources) - 1), -1, -1) if owner[j] > 0), -1)
    return last, cursor


def read_sentence(text: str) -> tuple[list[Phrase], list[SourceWord]]:
    """The phrases to speak and the source words (with character spans) their words belong to.

    gruut's words are matched to the text's words in order: equal words pair up; words gruut made up by
    expanding one ("Dr." → "Doctor", "2024" → "twenty twenty four") belong to the unmatched text word at the
    cursor, until a later word matches again.
    """
    sources = source_words(text)
    owner = [0] * len(sources)
    phrases: list[Phrase] = []
    current: list[SpokenWord] = []
    cursor = 0
    for word_text, ipa, is_break in _gruut_words(text):
        if is_break:
            if current:
                mark = word_text if word_text in {",", ".", "?", "!"} else ("," if word_text in ";:" else ".")
                phrases.append(Phrase(tuple(current), mark))
                current = []
            continue
        index, cursor = _assign(word_text, sources, cursor, owner)
        if index >= 0:
            owner[index] += 1
        current.append(SpokenWord(ipa, index))
    if current:
        phrases.append(Phrase(tuple(current), ""))
    return phrases, sources
