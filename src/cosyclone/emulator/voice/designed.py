"""A designed voice's sound, from its description (contract §11.1): gender, age, pitch, pace and energy words
(English and Chinese) each move the voice's pitch, formant scale, pace or brightness by a fixed step, and a small
jitter from a hash of the whole description separates descriptions that use the same words. The same description
always gives the same voice. With the speech engine the voice is an engine preset moved to that pitch and formant
scale with a brightness tilt (:class:`~cosyclone.emulator.voice.rendering.SpeechVoice`); with the formant engine,
its pitch and formant scale. :func:`render_preview` reads the preview text with it.

Imported by :mod:`cosyclone.emulator.api.design` and tests. No I/O.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np

from cosyclone.audio.io import EncodeFormat, encode
from cosyclone.emulator.voice.binding import nearest_preset
from cosyclone.emulator.voice.engine_choice import SPEECH
from cosyclone.emulator.voice.engines import render_sentence
from cosyclone.emulator.voice.rendering import SpeechVoice, VoiceTimbre

__all__ = ["VoiceTraits", "render_preview", "voice_traits"]

_EQ_BANDS = 40
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)?")
#: word → (trait, step). Pitch steps multiply f0; pace steps multiply the speaking rate; energy adds brightness.
_ENGLISH: dict[str, tuple[str, float]] = {
    **dict.fromkeys(("male", "man", "men", "masculine", "gentleman", "boy", "father", "grandfather"), ("gender", -1)),
    **dict.fromkeys(("female", "woman", "women", "feminine", "lady", "girl", "mother", "grandmother"), ("gender", 1)),
    **dict.fromkeys(("child", "kid", "children", "toddler", "little"), ("age", -2)),
    **dict.fromkeys(("young", "youthful", "teen", "teenage", "teenager"), ("age", -1)),
    **dict.fromkeys(("middle-aged", "mature", "adult"), ("age", 1)),
    **dict.fromkeys(("old", "elderly", "aged", "senior"), ("age", 2)),
    **dict.fromkeys(("low", "deep", "bass", "baritone", "husky", "low-pitched", "gravelly"), ("pitch", -1)),
    **dict.fromkeys(("high", "high-pitched", "bright", "shrill", "squeaky", "soprano"), ("pitch", 1)),
    **dict.fromkeys(("slow", "slowly", "leisurely", "unhurried", "measured", "deliberate"), ("pace", -1)),
    **dict.fromkeys(("fast", "quick", "quickly", "rapid", "brisk", "hurried"), ("pace", 1)),
    **dict.fromkeys(("calm", "soft", "gentle", "quiet", "warm", "soothing", "relaxed", "mellow"), ("energy", -1)),
    **dict.fromkeys(("energetic", "lively", "excited", "cheerful", "loud", "vibrant", "enthusiastic"), ("energy", 1)),
}
_CHINESE: dict[str, tuple[str, float]] = {
    **dict.fromkeys(("男",), ("gender", -1)),
    **dict.fromkeys(("女",), ("gender", 1)),
    **dict.fromkeys(("儿童", "孩子", "小孩", "童"), ("age", -2)),
    **dict.fromkeys(("年轻", "青年", "少年", "少女"), ("age", -1)),
    **dict.fromkeys(("中年", "成熟"), ("age", 1)),
    **dict.fromkeys(("老年", "老人", "年迈", "苍老"), ("age", 2)),
    **dict.fromkeys(("低沉", "浑厚", "深沉", "沙哑", "磁性"), ("pitch", -1)),
    **dict.fromkeys(("高亢", "尖细", "清亮", "明亮"), ("pitch", 1)),
    **dict.fromkeys(("缓慢", "慢", "从容"), ("pace", -1)),
    **dict.fromkeys(("快速", "语速快", "急促", "轻快"), ("pace", 1)),
    **dict.fromkeys(("沉稳", "温柔", "平静", "柔和", "温暖", "安静"), ("energy", -1)),
    **dict.fromkeys(("活泼", "激昂", "热情", "兴奋", "欢快", "有活力"), ("energy", 1)),
}
_GENDER_F0 = {-1: 120.0, 0: 160.0, 1: 215.0}
_AGE_F0 = {-2: 1.4, -1: 1.06, 0: 1.0, 1: 0.95, 2: 0.9}
_AGE_FORMANT = {-2: 0.14, -1: 0.03, 0: 0.0, 1: -0.01, 2: -0.03}


@dataclass(frozen=True)
class VoiceTraits:
    """What a description makes of a voice: pitch, formant scale, pace (multiplies the rate), brightness."""

    f0_hz: float
    formant: float
    pace: float
    energy: float

    def speech_voice(self) -> SpeechVoice:
        tilt = tuple(round(float(v), 2) for v in np.linspace(-3.0, 3.0, _EQ_BANDS) * self.energy)
        return SpeechVoice(nearest_preset(self.formant), round(self.f0_hz, 1), round(self.formant, 3), tilt)

    def timbre(self, engine: str) -> VoiceTimbre:
        speech = self.speech_voice() if engine == SPEECH else None
        return VoiceTimbre(
            f0_hz=self.f0_hz,
            formant_scale=round(min(max(self.formant, 0.85), 1.2), 3),
            engine=engine,
            speech=speech,
            pace=self.pace,
        )


def voice_traits(description: str) -> VoiceTraits:
    """The voice a description asks for (stable: the same text, the same traits)."""
    found: dict[str, float] = {}
    lowered = description.lower()
    for word in _WORD.findall(lowered):
        trait = _ENGLISH.get(word)
        if trait is not None:
            found[trait[0]] = found.get(trait[0], 0.0) + trait[1]
    for word, trait in _CHINESE.items():
        if word in description:
            found[trait[0]] = found.get(trait[0], 0.0) + trait[1]
    gender = int(np.sign(found.get("gender", 0.0)))
    age = int(np.clip(round(found.get("age", 0.0)), -2, 2))
    pitch = float(np.clip(found.get("pitch", 0.0), -2, 2))
    pace = float(np.clip(found.get("pace", 0.0), -2, 2))
    energy = float(np.clip(found.get("energy", 0.0), -1, 1))
    jitter = _fraction(description) - 0.5
    f0 = _GENDER_F0[gender] * _AGE_F0[age] * (1.18**pitch) * (1.0 + 0.04 * energy) * (1.0 + 0.06 * jitter)
    formant = (f0 / 120.0) ** 0.3 + _AGE_FORMANT[age] + 0.04 * jitter
    return VoiceTraits(
        f0_hz=round(float(np.clip(f0, 70.0, 400.0)), 1),
        formant=round(float(np.clip(formant, 0.88, 1.4)), 3),
        pace=round(float(np.clip(1.0 + 0.15 * pace + 0.05 * energy, 0.7, 1.35)), 3),
        energy=energy,
    )


def _fraction(text: str) -> float:
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / float(1 << 64)


def render_preview(voice: VoiceTimbre, text: str, sample_rate: int, fmt: str) -> bytes:
    """The preview: ``text`` read by ``voice`` at its pace, encoded whole as ``fmt`` (wav, mp3 or pcm)."""
    rendered = render_sentence(text, voice=voice, sample_rate=sample_rate, rate=min(max(voice.pace, 0.5), 2.0))
    formats: dict[str, EncodeFormat] = {"wav": "wav", "mp3": "mp3", "pcm": "pcm"}
    return encode(rendered.samples, sample_rate, formats[fmt])
