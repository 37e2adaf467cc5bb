"""SSML as the emulator reads it (contract §10.5): tags do not speak, ``<break time="…"/>`` is silence, malformed
markup is a 400 ``InvalidParameter``.

:func:`speakable_ssml` turns the markup into the text that is spoken (and billed: tags count 0, contract §5.2),
with each break written as a run of :data:`BREAK_MARK` characters, one per 10 ms — invisible, billed 0 (see
:func:`cosyclone.schema.synthesis_params.billed_characters`), and carried through sentence splitting like any
character. :func:`split_breaks` cuts a sentence at those runs so that the renderer can put real silence there,
whatever engine speaks the words.

Choices on points the contract leaves open: a text with no ``<`` at all is plain text (the 1.x SDK's ``call()``
turns SSML on for every text, "Tom & Jerry" included); a text without a ``<speak>`` root is read as if wrapped in one;
``<break>`` without ``time`` follows ``strength`` (``medium``, 0.5 s, by default); a break is at most 10 s;
the documented elements (contract §11.4: ``speak`` with its ``bgm`` … attributes, ``break``, ``sub`` — its
``alias`` is read —, ``phoneme``, ``soundEvent`` — a sound, nothing read —, ``say-as``) are accepted; any other
element (``prosody``, ``audio``, …) is refused as malformed; a DOCTYPE or entity declaration is refused. LaTeX
(``$…$``, ``\\(…\\)``) is plain text: its characters are read as written.

Imported by the synthesis rules only.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from cosyclone.emulator.errors import EmulatorApiError
from cosyclone.schema import errors as codes
from cosyclone.schema.synthesis_params import SSML_BREAK_MARK as BREAK_MARK

__all__ = ["BREAK_MARK", "speakable_ssml", "split_breaks"]

MARK_S = 0.01
MAX_BREAK_S = 10.0
_STRENGTH_S = {"none": 0.0, "x-weak": 0.1, "weak": 0.25, "medium": 0.5, "strong": 0.75, "x-strong": 1.2}
_TIME = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*$")
_MARKS = re.compile(f"{BREAK_MARK}+")
#: The documented element set (contract §11.4, D-SSML): ``speak`` is the root only; ``bgm`` is an attribute of it.
ELEMENTS = ("speak", "break", "sub", "phoneme", "soundEvent", "say-as")


def malformed(detail: str) -> EmulatorApiError:
    """400 ``InvalidParameter`` whose message says what is wrong (the service's wording is not documented)."""
    return EmulatorApiError(400, codes.INVALID_PARAMETER, f"Parameter invalid: text is not well-formed SSML: {detail}")


def speakable_ssml(text: str) -> str:
    """The spoken text of an SSML document, breaks as :data:`BREAK_MARK` runs. Raises EmulatorApiError (400)."""
    if "<" not in text:  # no markup at all: the 1.x SDK's call() turns SSML on for every text (contract §5.5)
        return text
    if "<!" in text:
        raise malformed("DOCTYPE, entity declarations and CDATA are not accepted")
    source = text.strip()
    if not source.startswith("<speak"):
        source = f"<speak>{source}</speak>"
    try:
        root = ET.fromstring(source)
    except ET.ParseError as error:
        raise malformed(str(error)) from None
    if root.tag != "speak":
        raise malformed(f"the root element must be <speak>, not <{root.tag}>")
    return "".join(_spoken(root))


def _spoken(element: ET.Element) -> list[str]:
    parts = [element.text or ""]
    for child in element:
        if child.tag not in ELEMENTS or child.tag == "speak":
            raise malformed(f"<{child.tag}> is not one of the elements the service reads ({', '.join(ELEMENTS)})")
        if child.tag == "break":
            parts.append(BREAK_MARK * round(_break_s(child) / MARK_S))
        elif child.tag == "sub" and child.get("alias") is not None:
            parts.append(str(child.get("alias")))  # read the alias instead of the text
        elif child.tag != "soundEvent":  # a sound file inserted: nothing to read
            parts.extend(_spoken(child))
        parts.append(child.tail or "")
    return parts


def _break_s(element: ET.Element) -> float:
    time = element.get("time")
    if time is None:
        strength = element.get("strength", "medium")
        if strength not in _STRENGTH_S:
            raise malformed(f"<break strength={strength!r}>: use one of {', '.join(_STRENGTH_S)}")
        return _STRENGTH_S[strength]
    match = _TIME.match(time)
    if match is None:
        raise malformed(f"<break time={time!r}>: write it as e.g. 500ms or 1.5s")
    seconds = float(match.group(1)) / (1000.0 if match.group(2) == "ms" else 1.0)
    if seconds > MAX_BREAK_S:
        raise malformed(f"<break time={time!r}>: at most {MAX_BREAK_S:g} s")
    return seconds


def split_breaks(sentence: str) -> list[tuple[int, str, float]]:
    """``sentence`` as ``(start_index, text, silence_after_s)`` pieces, cut at every break run."""
    pieces: list[tuple[int, str, float]] = []
    start = 0
    for run in _MARKS.finditer(sentence):
        pieces.append((start, sentence[start : run.start()], len(run.group()) * MARK_S))
        start = run.end()
    pieces.append((start, sentence[start:], 0.0))
    return pieces
