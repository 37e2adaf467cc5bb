"""Chinese text as a Mandarin reader reads it: script runs, numbers in words, phrase breaks, dialect requests.

Who may import it: :mod:`cosyclone.emulator.voice.mandarin_engine` (the emulator's Mandarin speech engine),
the synthesis rules (for :func:`dialect_note`), tests and benchmarks. Pure Python; ``cn2an`` (MIT, part of the
``speech`` extra) is imported on first use of :func:`number_words`.

:func:`read_tokens` cuts a sentence into :class:`Token` s, each with its place in the text, so that every word
the engine speaks keeps its character span (word timestamps point into the text as written):

- ``han``: a run of Chinese characters, read by the Mandarin grapheme-to-phoneme path;
- ``latin``: a run of Latin words (with inner spaces, apostrophes, hyphens), read by the English frontend;
- ``number``: digits as a Chinese reader says them, already written out in characters (:func:`number_words`):
  ``2024年`` → 二零二四年 (a year is read digit by digit), ``3:30`` → 三点三十分, ``50%`` → 百分之五十,
  ``12.5`` → 十二点五, ``1/4`` → 四分之一, ``-5`` → 负五, a run of seven or more digits (a phone number)
  digit by digit, ``2`` before a measure word → 两 (两个, not 二个), and a date ``2024-03-05`` (or with
  ``/`` or ``.``) → 二零二四年三月五日;
- ``break``: punctuation that ends a phrase, ``,`` (a comma, 、；：) or ``.`` / ``?`` / ``!`` (sentence marks,
  Chinese or Latin).

Anything else (spaces, quotes, brackets, symbols) is skipped. Full-width Latin letters and digits count as their
ASCII forms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DIALECT_NOTE", "Token", "dialect_note", "has_han", "number_words", "read_tokens"]

#: Chinese characters: CJK Unified Ideographs, Extension A, Compatibility Ideographs.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_CHAR = re.compile(f"[{_HAN}]")
_TOKEN = re.compile(
    rf"(?P<han>[{_HAN}]+)"
    r"|(?P<date>\d{4}[-/.]\d{1,2}[-/.]\d{1,2})(?!\d)"
    r"|(?P<number>[-+]?\d+(?:[.:/]\d+)*%?)"
    r"|(?P<latin>[A-Za-z]+(?:['’\-][A-Za-z]+)*(?:\s+[A-Za-z]+(?:['’\-][A-Za-z]+)*)*)"
    r"|(?P<mark>[，、；：,;:。！？.!?…]+)"
)
_SENTENCE_MARKS = {"。": ".", "！": "!", "？": "?", ".": ".", "!": "!", "?": "?", "…": "."}
_DIGITS = "零一二三四五六七八九"
_MEASURE_WORDS = frozenset("个位只本条张件次天年岁名份家台辆双对句遍种点分块元斤")
_YEAR_AFTER = frozenset("年")
#: Dialects and languages other than Mandarin that a CosyVoice instruction may ask for (contract §10.11).
_DIALECTS = {
    "粤语": "Cantonese",
    "广东话": "Cantonese",
    "cantonese": "Cantonese",
    "四川话": "Sichuanese",
    "sichuan": "Sichuanese",
    "上海话": "Shanghainese",
    "shanghai": "Shanghainese",
    "闽南语": "Hokkien",
    "hokkien": "Hokkien",
    "台语": "Taiwanese Hokkien",
    "东北话": "Northeastern Mandarin",
    "天津话": "Tianjin dialect",
    "河南话": "Henan dialect",
    "山东话": "Shandong dialect",
    "陕西话": "Shaanxi dialect",
    "湖南话": "Hunanese",
    "客家话": "Hakka",
    "hakka": "Hakka",
    "方言": "a Chinese dialect",
    "dialect": "a Chinese dialect",
}
DIALECT_NOTE = "note: the emulator speaks {dialect} as standard Mandarin (the instruction is accepted, not performed)"


@dataclass(frozen=True)
class Token:
    """A piece of the sentence: its kind, what is read (``number``: in characters; ``break``: the mark), and its
    character span in the text as written (``end`` exclusive)."""

    kind: str
    text: str
    begin: int
    end: int


def has_han(text: str) -> bool:
    """Whether ``text`` holds a Chinese character."""
    return _HAN_CHAR.search(text) is not None


def _ascii_width(text: str) -> str:
    """Full-width ASCII forms (Ａ, １, ．…) as ASCII, one character for one, so spans stay the same."""
    return "".join(chr(ord(ch) - 0xFEE0) if "\uff10" <= ch <= "\uff5a" else ch for ch in text)


def _digit_by_digit(digits: str) -> str:
    return "".join(_DIGITS[int(d)] for d in digits if d.isdigit())


def _integer(digits: str) -> str:
    import cn2an

    return str(cn2an.an2cn(str(int(digits)), "low"))


def number_words(number: str, *, following: str = "") -> str:
    """``number`` (as matched in the text) in Chinese characters; ``following`` is the character after it."""
    sign = "负" if number.startswith("-") else ""
    body = number.lstrip("+-")
    if body.endswith("%"):
        return f"{sign}百分之{number_words(body[:-1])}"
    if ":" in body:
        hours, minutes, *rest = body.split(":")
        spoken = f"{_integer(hours)}点" + (f"{_integer(minutes)}分" if int(minutes) else "整")
        return sign + spoken + "".join(f"{_integer(r)}秒" for r in rest[:1])
    if "/" in body:
        top, bottom, *_ = body.split("/")
        return f"{sign}{_integer(bottom)}分之{_integer(top)}"
    if "." in body:
        whole, *fraction = body.split(".")
        return sign + ("点".join([_integer(whole), *(_digit_by_digit(f) for f in fraction)]))
    if following in _YEAR_AFTER and len(body) >= 2:
        return sign + _digit_by_digit(body)
    if len(body) >= 7 or (len(body) > 1 and body.startswith("0")):
        return sign + _digit_by_digit(body)
    if body == "2" and following in _MEASURE_WORDS:
        return sign + "两"
    return sign + _integer(body)


def read_tokens(text: str) -> list[Token]:
    """The sentence's tokens in order (see the module docstring); consecutive marks make one break."""
    plain = _ascii_width(text)
    tokens: list[Token] = []
    for match in _TOKEN.finditer(plain):
        kind = match.lastgroup or ""
        piece, begin, end = match.group(0), match.start(), match.end()
        if kind == "date":
            year, month, day = re.split(r"[-/.]", piece)
            spoken = f"{_digit_by_digit(year)}年{_integer(month)}月{_integer(day)}日"
            tokens.append(Token("number", spoken, begin, end))
        elif kind == "number":
            tokens.append(Token("number", number_words(piece, following=plain[end : end + 1]), begin, end))
        elif kind == "mark":
            mark = next((_SENTENCE_MARKS[ch] for ch in reversed(piece) if ch in _SENTENCE_MARKS), ",")
            tokens.append(Token("break", mark, begin, end))
        else:
            tokens.append(Token(kind, piece, begin, end))
    return tokens


def dialect_note(instruction: str | None) -> str | None:
    """A note to show when a synthesis ``instruction`` asks for a Chinese dialect (contract §10.11), else None."""
    if not instruction:
        return None
    lowered = instruction.lower()
    for word, dialect in _DIALECTS.items():
        if word in lowered:
            return DIALECT_NOTE.format(dialect=dialect)
    return None
