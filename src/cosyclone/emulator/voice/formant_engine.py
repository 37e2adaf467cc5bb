"""The formant engine: deterministic audio that behaves like speech (no words), rendered far faster than real time.

Who may import it: :mod:`cosyclone.emulator.voice.engines` (the seam that picks an engine), tests and benchmarks.
Pure numpy (its filters run in FFmpeg through ``cosyclone.audio.dsp``), no I/O.

How a sentence becomes sound:

- **Timing.** The text is read character by character. A run of Latin letters or digits is a word lasting
  ``len / 14`` s and split into syllables of about three characters; each CJK character is a one-syllable word of
  ``1 / 4.5`` s; a space is a ``1 / 14`` s pause, a comma-like mark a 0.18 s pause, a sentence mark a 0.25 s pause.
  Everything is divided by ``rate``. So duration is proportional to the text, and words carry timestamps.
- **Sound.** Each syllable is a slice of a pre-rendered *syllable bank* shaped by a raised-cosine envelope. The
  bank holds, per voice and sample rate, a few consonant onsets × vowels × intonation levels: a Rosenberg
  glottal pulse train at the voice's pitch (slight fall and vibrato, its derivative as the radiated source),
  shaped by four formant resonators for the vowel, the formants scaled per voice. A sentence starts high and
  falls (rises at the end of a question). Rendering is thus one multiply-add per output sample, which is why a
  200 000-character task renders in seconds.
- **VoiceTimbre.** ``f0_hz`` is the enrolled sample's median pitch; a system voice gets one derived from a hash of its
  name (:func:`cosyclone.emulator.voice.rendering.system_voice_f0_hz`). ``pitch`` multiplies it, ``volume``
  (0–100) scales the level linearly (50 → peak 0.45), ``rate`` (0.5–2.0) divides durations.
- **Determinism.** The same (voice, text, seed, parameters) gives the same samples: syllable choices come from a
  generator seeded with a stable hash of the text and ``seed``.

It is also the fallback of the speech engine for text no speech engine reads
(see :mod:`cosyclone.emulator.voice.engines`).
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from typing_extensions import Unpack

from cosyclone.audio.dsp import sos_filter_mono
from cosyclone.emulator.voice.rendering import (
    RenderedSentence,
    RenderOptions,
    RenderSettings,
    VoiceTimbre,
    WordTiming,
    stable_hash,
)

__all__ = ["CJK_CHARS_PER_S", "LATIN_CHARS_PER_S", "render_formant", "sentence_duration_s"]

LATIN_CHARS_PER_S = 14.0
CJK_CHARS_PER_S = 4.5
_SPACE_S = 1.0 / LATIN_CHARS_PER_S
_COMMA_PAUSE_S = 0.18
_SENTENCE_PAUSE_S = 0.25
_MIN_SENTENCE_S = 0.1
_CHARS_PER_SYLLABLE = 3.0
_BANK_SECONDS = 0.6
_COMMAS = frozenset(",，、:：")
_SENTENCE_MARKS = frozenset("。！？；.!?;")
_QUESTION_MARKS = frozenset("?？")
_INTONATION = (1.08, 1.0, 0.93)  # start of sentence, middle, end
#: Vowel formants F1–F4 in Hz (a, e, i, o, u, schwa), after Peterson & Barney, rounded.
_VOWELS = (
    (730.0, 1090.0, 2440.0, 3400.0),
    (530.0, 1840.0, 2480.0, 3500.0),
    (300.0, 2250.0, 3000.0, 3700.0),
    (570.0, 840.0, 2410.0, 3300.0),
    (320.0, 870.0, 2240.0, 3300.0),
    (500.0, 1500.0, 2500.0, 3500.0),
)
_BANDWIDTHS = (80.0, 100.0, 140.0, 200.0)
_ONSETS = 2  # none, noisy consonant


@dataclass(frozen=True)
class _Unit:
    kind: str  # "word" or "pause"
    begin_index: int
    end_index: int
    seconds: float
    syllables: int


def _char_kind(ch: str) -> str:
    if ch.isspace():
        return "space"
    category = unicodedata.category(ch)
    if category[0] in "LN":
        return "cjk" if unicodedata.east_asian_width(ch) in "WF" else "latin"
    return "mark"


def _plan(text: str) -> list[_Unit]:
    units: list[_Unit] = []
    i = 0
    while i < len(text):
        kind = _char_kind(text[i])
        if kind == "latin":
            j = i + 1
            while j < len(text) and (
                _char_kind(text[j]) == "latin"
                or (text[j] in "'’-" and j + 1 < len(text) and _char_kind(text[j + 1]) == "latin")
            ):
                j += 1
            length = j - i
            syllables = max(1, round(length / _CHARS_PER_SYLLABLE))
            units.append(_Unit("word", i, j, length / LATIN_CHARS_PER_S, syllables))
            i = j
            continue
        if kind == "cjk":
            units.append(_Unit("word", i, i + 1, 1.0 / CJK_CHARS_PER_S, 1))
        elif kind == "space":
            units.append(_Unit("pause", i, i + 1, _SPACE_S, 0))
        elif text[i] in _SENTENCE_MARKS:
            units.append(_Unit("pause", i, i + 1, _SENTENCE_PAUSE_S, 0))
        elif text[i] in _COMMAS:
            units.append(_Unit("pause", i, i + 1, _COMMA_PAUSE_S, 0))
        else:
            units.append(_Unit("pause", i, i + 1, _SPACE_S, 0))
        i += 1
    return units


def sentence_duration_s(text: str, *, rate: float = 1.0) -> float:
    """How long :func:`render_sentence` will make ``text`` last at ``rate``, before rounding to samples."""
    return max(_MIN_SENTENCE_S, sum(u.seconds for u in _plan(text)) / rate)


def _glottal_source(f0_contour: NDArray[np.float64], sample_rate: int) -> NDArray[np.float64]:
    """The derivative of a Rosenberg glottal pulse train following ``f0_contour`` (Hz per sample)."""
    phase = np.cumsum(f0_contour / sample_rate) % 1.0
    opening, closing = 0.4, 0.24
    flow = np.where(
        phase < opening,
        0.5 * (1.0 - np.cos(np.pi * phase / opening)),
        np.where(phase < opening + closing, np.cos(np.pi * (phase - opening) / (2.0 * closing)), 0.0),
    )
    return np.diff(flow, prepend=0.0)


def _formant_sos(formants: tuple[float, ...], scale: float, sample_rate: int) -> NDArray[np.float64]:
    sections = []
    for formant, bandwidth in zip(formants, _BANDWIDTHS, strict=True):
        freq = formant * scale
        if freq >= 0.45 * sample_rate:
            continue
        radius = np.exp(-np.pi * bandwidth / sample_rate)
        theta = 2.0 * np.pi * freq / sample_rate
        a = [1.0, -2.0 * radius * np.cos(theta), radius * radius]
        sections.append([sum(a), 0.0, 0.0, *a])  # unity gain at DC
    return np.asarray(sections if sections else [[1.0, 0.0, 0.0, 1.0, 0.0, 0.0]], dtype=np.float64)


def _highpass_sos(cutoff_hz: float, sample_rate: int) -> NDArray[np.float64]:
    """A second-order Butterworth high-pass (Q = 1/√2) as one biquad section (RBJ cookbook)."""
    w0 = 2.0 * np.pi * cutoff_hz / sample_rate
    alpha = np.sin(w0) / np.sqrt(2.0)
    cos_w0 = np.cos(w0)
    b = [(1.0 + cos_w0) / 2.0, -(1.0 + cos_w0), (1.0 + cos_w0) / 2.0]
    a = [1.0 + alpha, -2.0 * cos_w0, 1.0 - alpha]
    return np.asarray([[*b, *a]], dtype=np.float64)


@functools.lru_cache(maxsize=16)
def _syllable_bank(f0_hz: float, formant_scale: float, sample_rate: int) -> NDArray[np.float32]:
    """Waveforms indexed [onset, vowel, intonation level, sample], each peaking at 1."""
    length = int(_BANK_SECONDS * sample_rate)
    t = np.arange(length) / sample_rate
    rng = np.random.default_rng(stable_hash("bank", f0_hz, formant_scale, sample_rate))
    noise = rng.standard_normal(length)
    hp = _highpass_sos(min(2500.0, 0.4 * sample_rate), sample_rate)
    hiss = sos_filter_mono(noise, hp, rate_hz=sample_rate).astype(np.float64) * np.exp(-t / 0.025)
    bank = np.empty((_ONSETS, len(_VOWELS), len(_INTONATION), length), dtype=np.float32)
    for level, factor in enumerate(_INTONATION):
        vibrato = 1.0 + 0.006 * np.sin(2.0 * np.pi * 5.0 * t)
        contour = f0_hz * factor * (1.0 + 0.04 * (0.2 - t / _BANK_SECONDS)) * vibrato
        source = _glottal_source(contour, sample_rate)
        for vowel, formants in enumerate(_VOWELS):
            sos = _formant_sos(formants, formant_scale, sample_rate)
            voiced = sos_filter_mono(source, sos, rate_hz=sample_rate).astype(np.float64)
            voiced /= np.max(np.abs(voiced)) or 1.0
            bank[0, vowel, level] = voiced
            mixed = voiced + 0.6 * hiss
            bank[1, vowel, level] = mixed / (np.max(np.abs(mixed)) or 1.0)
    return bank


@functools.lru_cache(maxsize=4096)
def _envelope(n: int) -> NDArray[np.float32]:
    """A syllable's amplitude: quick raised-cosine attack, sustain, slower release."""
    env = np.ones(n, dtype=np.float32)
    attack = max(1, int(n * 0.15))
    release = max(1, int(n * 0.35))
    env[:attack] = 0.5 - 0.5 * np.cos(np.pi * np.arange(attack) / attack)
    env[n - release :] *= 0.5 + 0.5 * np.cos(np.pi * np.arange(1, release + 1) / release)
    return env


def render_formant(text: str, *, voice: VoiceTimbre, **options: Unpack[RenderOptions]) -> RenderedSentence:
    """Speech-like audio (a buzz with syllables, no words) for one sentence of ``text`` in ``voice``.

    Args:
        text: the sentence (any language; CJK and Latin timing differ).
        voice: pitch and timbre, see :func:`cosyclone.emulator.voice.engines.voice_for`.
        options: as :class:`~cosyclone.emulator.voice.rendering.RenderSettings`; ``seed`` varies syllable choices.

    Returns:
        The samples (float32, mono) and each word's timing. Never empty: at least 0.1 s.
    """
    settings = RenderSettings(**options)
    sample_rate, volume, rate, pitch, seed = (
        settings.sample_rate,
        settings.volume,
        settings.rate,
        settings.pitch,
        settings.seed,
    )
    units = _plan(text)
    rng = np.random.default_rng(stable_hash("sentence", text, seed))
    bank = _syllable_bank(round(voice.f0_hz * pitch, 1), voice.formant_scale, sample_rate)
    total_syllables = sum(u.syllables for u in units)
    onsets = rng.integers(0, _ONSETS, size=max(1, total_syllables))
    vowels = rng.integers(0, len(_VOWELS), size=max(1, total_syllables))
    rising = any(ch in _QUESTION_MARKS for ch in text[-3:])
    total_s = sentence_duration_s(text, rate=rate)
    out = np.zeros(max(1, round(total_s * sample_rate)), dtype=np.float32)
    gain = np.float32(0.9 * min(max(volume, 0), 100) / 100.0)
    words: list[WordTiming] = []
    cursor = 0
    syllable = 0
    for unit in units:
        n_unit = round(unit.seconds / rate * sample_rate)
        if unit.kind == "word":
            begin = cursor
            per = n_unit // unit.syllables
            for k in range(unit.syllables):
                n = min(per if k < unit.syllables - 1 else n_unit - per * k, len(out) - cursor)
                if n > 0:
                    position = syllable / max(1, total_syllables - 1)
                    level = 0 if position < 0.3 else (2 if position > 0.7 else 1)
                    if rising and position > 0.8:
                        level = 0
                    wave = bank[onsets[syllable], vowels[syllable], level]
                    if n > wave.shape[0]:
                        wave = np.resize(wave, n)
                    out[cursor : cursor + n] = wave[:n] * _envelope(n) * gain
                    cursor += n
                syllable += 1
            words.append(
                WordTiming(
                    text[unit.begin_index : unit.end_index],
                    unit.begin_index,
                    unit.end_index,
                    begin / sample_rate,
                    cursor / sample_rate,
                )
            )
        else:
            cursor += n_unit
    return RenderedSentence(samples=out, sample_rate=sample_rate, words=tuple(words))
