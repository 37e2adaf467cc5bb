"""Sentence splitting and billed-size chunking of text to be spoken, the way CosyVoice treats it.

Pure functions, no I/O. Imported by the client (to cut long text into requests that respect the service's limits)
and by the emulator (to synthesize complete sentences as they arrive and buffer the rest, contract §5.2), so both
sides agree on where a sentence ends.

Sentence ends:

- CJK ``。！？；`` and a newline end a sentence wherever they are.
- Latin ``. ! ? ;`` end a sentence when followed by whitespace or the end of the text, so ``3.14``, ``e.g.x`` and
  ``example.com`` stay whole. At the very end of a streaming buffer a Latin mark still ends the sentence, except
  ``.`` right after a digit (``"costs 3."`` may continue as ``"3.5"``), which waits for more text.
- A run of marks (``"?!"``, ``"..."``, ``"。」"``) and the closing quotes or brackets after it belong to the sentence.
"""

from __future__ import annotations

from cosyclone.schema.synthesis import billed_characters

__all__ = ["chunk_text", "complete_sentences", "split_sentences"]

_CJK_ENDS = frozenset("。！？；")
_LATIN_ENDS = frozenset(".!?;")
_NEWLINES = frozenset("\n\r")
_CLOSERS = frozenset("\"')]}”’」』）】》〉")


def _sentence_spans(text: str, *, final: bool) -> tuple[list[tuple[int, int]], int]:
    """(start, end) of every complete sentence, and where the unfinished rest starts.

    ``final`` says no more text will come, so a mark at the very end is a sentence end for sure.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in _NEWLINES:
            spans.append((start, i))
            i += 1
            start = i
            continue
        if ch not in _CJK_ENDS and ch not in _LATIN_ENDS:
            i += 1
            continue
        j = i
        while j < n and (text[j] in _CJK_ENDS or text[j] in _LATIN_ENDS or text[j] in _CLOSERS):
            j += 1
        run = text[i:j]
        if any(c in _CJK_ENDS for c in run):
            ends = True
        elif j < n:
            ends = text[j].isspace()
        else:
            ends = final or not (run[0] == "." and i > 0 and text[i - 1].isdigit())
        if ends:
            spans.append((start, j))
            start = j
        i = j
    return spans, start


def _strip_span(text: str, span: tuple[int, int]) -> str:
    return text[span[0] : span[1]].strip()


def complete_sentences(buffer: str) -> tuple[list[str], str]:
    """The complete sentences at the head of a streaming ``buffer``, and the unfinished remainder to keep.

    Sentences come back stripped of surrounding whitespace; blank ones are dropped. The remainder is returned
    unstripped so that text arriving later continues it exactly (``"Hel"`` + ``"lo."``).
    """
    spans, rest = _sentence_spans(buffer, final=False)
    sentences = [s for s in (_strip_span(buffer, span) for span in spans) if s]
    return sentences, buffer[rest:]


def split_sentences(text: str) -> list[str]:
    """Every sentence of a finished ``text``, stripped, blank ones dropped; a trailing fragment is a sentence."""
    spans, rest = _sentence_spans(text, final=True)
    sentences = [_strip_span(text, span) for span in spans]
    sentences.append(text[rest:].strip())
    return [s for s in sentences if s]


def chunk_text(text: str, *, max_chars: int) -> list[str]:
    """Cut ``text`` into pieces of at most ``max_chars`` billed characters (CJK counts 2), at sentence ends.

    Sentences are packed greedily into each piece. A single sentence longer than the limit is cut at
    whitespace, and a word longer than the limit is cut between characters. Pieces are stripped; joined with a
    space (or nothing, for CJK) they read as the original text.

    Raises:
        ValueError: ``max_chars`` is smaller than 2 (a CJK character alone would not fit).
    """
    if max_chars < 2:
        raise ValueError("max_chars must be at least 2")
    pieces: list[str] = []
    current = ""
    current_size = 0
    for sentence in split_sentences(text):
        for part in _fit(sentence, max_chars):
            size = billed_characters(part)
            joiner = "" if not current or _is_cjk_boundary(current, part) else " "
            if current and current_size + billed_characters(joiner) + size <= max_chars:
                current += joiner + part
                current_size += billed_characters(joiner) + size
            else:
                if current:
                    pieces.append(current)
                current, current_size = part, size
    if current:
        pieces.append(current)
    return pieces


def _is_cjk_boundary(left: str, right: str) -> bool:
    return billed_characters(left[-1]) == 2 or billed_characters(right[0]) == 2


def _fit(sentence: str, max_chars: int) -> list[str]:
    """``sentence`` as parts of at most ``max_chars`` billed characters, cut at whitespace when possible."""
    if billed_characters(sentence) <= max_chars:
        return [sentence]
    parts: list[str] = []
    current = ""
    for word in sentence.split():
        for piece in _cut_word(word, max_chars):
            candidate = f"{current} {piece}" if current else piece
            if billed_characters(candidate) <= max_chars:
                current = candidate
            else:
                parts.append(current)
                current = piece
    if current:
        parts.append(current)
    return parts


def _cut_word(word: str, max_chars: int) -> list[str]:
    pieces: list[str] = []
    current = ""
    size = 0
    for ch in word:
        width = billed_characters(ch)
        if current and size + width > max_chars:
            pieces.append(current)
            current, size = "", 0
        current += ch
        size += width
    if current:
        pieces.append(current)
    return pieces
