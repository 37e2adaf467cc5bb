"""CosyVoice voice design in the emulator (contract §11.1): check a design request, make its voice from the
description, keep it, and render the preview.

A design request is a ``create_voice`` whose ``input`` carries ``voice_prompt`` / ``preview_text`` (and no
``url`` / ``audio``). The checks answer 400 ``InvalidParameter`` "Required parameter(field) missing or invalid…"
naming the field, never the clone's "url missing". The voice is ``OK`` at once, has no ``resource_link``, counts
against the voice quota and refuses ``update_voice`` (§11.1: undocumented; the emulator's pick).

**From words to a voice** (:func:`voice_traits`): the description is read for gender, age, pitch, pace and
energy words (English and Chinese); each moves the voice's pitch, formant scale, pace or brightness by a fixed
step, and a small jitter from a hash of the whole description separates descriptions that use the same words.
The same description always gives the same voice. With the speech engine the voice is an engine preset moved to
that pitch and formant scale with a brightness tilt (:class:`~cosyclone.emulator.voice_binding.SpeechVoice`); with
the formant engine, its pitch and formant scale.

Imported by the enrollment handlers (:mod:`cosyclone.emulator.enrollment_http`). No network I/O.
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np

from cosyclone.audio.io import EncodeFormat, encode
from cosyclone.emulator import errors
from cosyclone.emulator.engine_choice import SPEECH
from cosyclone.emulator.lifecycle import StoredVoice
from cosyclone.emulator.ports import DesignBackend
from cosyclone.emulator.voice_binding import SpeechVoice, nearest_preset
from cosyclone.emulator.voice_engine import VoiceTimbre, render_sentence
from cosyclone.schema.clone import PREFIX_MAX_LENGTH, PREFIX_PATTERN
from cosyclone.schema.design import (
    DEFAULT_PREVIEW_FORMAT,
    DEFAULT_PREVIEW_SAMPLE_RATE,
    DESIGN_LANGUAGES,
    DESIGN_TARGET_MODELS,
    DESIGNED_ID_MARK,
    MAX_PREVIEW_TEXT_CHARS,
    MAX_VOICE_PROMPT_CHARS,
    PREVIEW_FORMATS,
    PREVIEW_SAMPLE_RATES,
    DesignVoiceOutput,
    PreviewAudio,
    check_description,
)

__all__ = ["VoiceTraits", "create_designed_voice", "voice_traits"]

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


@dataclass(frozen=True)
class _Checked:
    target_model: str
    prefix: str
    voice_prompt: str
    preview_text: str
    language_hints: list[str] | None
    sample_rate: int
    response_format: str


def _check(data: dict[str, Any], parameters: dict[str, Any]) -> _Checked:
    if data.get("url") or data.get("audio"):
        raise errors.invalid_parameter("voice_prompt", detail="a design carries no url/audio; a clone no voice_prompt")
    target = data.get("target_model")
    if not isinstance(target, str) or target not in DESIGN_TARGET_MODELS:
        raise errors.invalid_parameter("target_model", detail=f"voices are designed for {DESIGN_TARGET_MODELS}")
    prefix = data.get("prefix")
    if not isinstance(prefix, str) or not prefix or len(prefix) > PREFIX_MAX_LENGTH or not PREFIX_PATTERN.match(prefix):
        raise errors.invalid_parameter("prefix", detail="1 to 10 ASCII letters or digits")
    texts = {}
    for field, limit in (("voice_prompt", MAX_VOICE_PROMPT_CHARS), ("preview_text", MAX_PREVIEW_TEXT_CHARS)):
        value = data.get(field)
        try:
            texts[field] = check_description(value, limit=limit, what=field) if isinstance(value, str) else None
        except ValueError as error:
            raise errors.invalid_parameter(field, detail=str(error)) from None
        if texts[field] is None:
            raise errors.invalid_parameter(field, detail="a string is required")
    hints = data.get("language_hints")
    if hints is not None and (not isinstance(hints, list) or not hints or hints[0] not in DESIGN_LANGUAGES):
        raise errors.invalid_parameter("language_hints", detail="zh or en")
    rate = parameters.get("sample_rate", DEFAULT_PREVIEW_SAMPLE_RATE)
    if rate not in PREVIEW_SAMPLE_RATES or isinstance(rate, bool):
        raise errors.invalid_parameter("parameters.sample_rate", detail=f"one of {PREVIEW_SAMPLE_RATES}")
    fmt = parameters.get("response_format", DEFAULT_PREVIEW_FORMAT)
    if not isinstance(fmt, str) or fmt.lower() not in PREVIEW_FORMATS:
        raise errors.invalid_parameter("parameters.response_format", detail=f"one of {PREVIEW_FORMATS}")
    return _Checked(
        target, prefix, str(texts["voice_prompt"]), str(texts["preview_text"]), hints, int(rate), fmt.lower()
    )


def create_designed_voice(
    backend: DesignBackend, tenant: str, data: dict[str, Any], parameters: dict[str, Any]
) -> DesignVoiceOutput:
    """Check a design request, keep its voice (``OK`` at once) and render its preview. Raises EmulatorApiError."""
    checked = _check(data, parameters)
    traits = voice_traits(checked.voice_prompt)
    engine = backend.voice_engine
    now = backend.clock()
    record = StoredVoice(
        voice_id=f"{checked.target_model}{DESIGNED_ID_MARK}{checked.prefix}-{uuid.uuid4().hex}",
        target_model=checked.target_model,
        prefix=checked.prefix,
        resource_link="",
        created_at=now,
        modified_at=now,
        ready_at=now,
        f0_hz=traits.f0_hz,
        language_hints=checked.language_hints,
        voice_print=traits.speech_voice().to_dict() if engine == SPEECH else None,
        voice_prompt=checked.voice_prompt,
        preview_text=checked.preview_text,
        pace=traits.pace,
    )
    audio = render_preview(traits.timbre(engine), checked.preview_text, checked.sample_rate, checked.response_format)
    stored = backend.enroll_designed(tenant, record)
    return DesignVoiceOutput(
        voice_id=stored.voice_id,
        status=stored.status_at(now),
        target_model=stored.target_model,
        preview_audio=PreviewAudio(
            data=base64.b64encode(audio).decode("ascii"),
            sample_rate=checked.sample_rate,
            response_format=checked.response_format,
        ),
    )


def render_preview(voice: VoiceTimbre, text: str, sample_rate: int, fmt: str) -> bytes:
    """The preview: ``text`` read by ``voice`` at its pace, encoded whole as ``fmt`` (wav, mp3 or pcm)."""
    rendered = render_sentence(text, voice=voice, sample_rate=sample_rate, rate=min(max(voice.pace, 0.5), 2.0))
    formats: dict[str, EncodeFormat] = {"wav": "wav", "mp3": "mp3", "pcm": "pcm"}
    return encode(rendered.samples, sample_rate, formats[fmt])
