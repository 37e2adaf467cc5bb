"""What WebSocket and HTTP synthesis share: parameter and voice rules, text limits, which encoder a task gets.

Imported only by :mod:`cosyclone.emulator.api.synthesis_ws` and :mod:`cosyclone.emulator.api.synthesis_http`. Rules
raise :class:`~cosyclone.emulator.errors.EmulatorApiError`; the WebSocket side turns one into ``task-failed``
(code and message), the HTTP side into the DashScope envelope (status too).

Voice rules (contract §4, §5.3), in order:

1. ``model`` must be a known CosyVoice model (HTTP: not ``cosyvoice-v1``), else 400 ``InvalidParameter``
   "Model not exist.".
2. A voice id that starts with a known ``{target_model}-`` is a cloned voice and must belong to the tenant, be
   ``OK`` and have been enrolled for ``model``. Any other name is a system voice, allowed only for models that
   have system voices (not v3.5). Every breach answers ``InvalidParameter``
   "[cosyvoice:]Engine return error code: 418": the real engine reports an unknown voice, a voice still
   ``DEPLOYING`` or ``UNDEPLOYED`` and a model mismatch alike, as far as anyone has seen, so the emulator does
   not promise a distinction the service may not make (the reason goes to the log and ``X-Emulator-Detail``).
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray
from pydantic import ValidationError

from cosyclone.audio.io import EncodeFormat, encode
from cosyclone.catalog import (
    SSML_NOT_SUPPORTED_MESSAGE,
    TARGET_MODELS,
    VOICE_GENERATION_MESSAGE,
    check_system_voice,
    model_from_voice_id,
    supports_ssml,
)
from cosyclone.emulator.api.ssml import speakable_ssml, split_breaks
from cosyclone.emulator.api.stream_encoder import StreamEncoder
from cosyclone.emulator.errors import EmulatorApiError, invalid_parameter, model_not_exist
from cosyclone.emulator.ports import SynthesisBackend
from cosyclone.emulator.voice.engines import render_sentence, voice_for
from cosyclone.emulator.voice.rendering import RenderedSentence, VoiceTimbre, WordTiming
from cosyclone.emulator.voice.zh_text import dialect_note
from cosyclone.schema import errors as codes
from cosyclone.schema.synthesis import (
    ENGINE_418_MESSAGE,
    MAX_CHARS_PER_MESSAGE,
    MAX_CHARS_PER_TASK,
    SDK_DEFAULT_FORMAT,
    ServerSynthesisParameters,
    Word,
    billed_characters,
)
from cosyclone.schema.synthesis_params import (
    DEFAULT_FORMAT,
    DEFAULT_SAMPLE_RATE,
    OPUS_DEFAULT_SAMPLE_RATE,
    PLAIN_TEXT_TYPE,
    SSML_TEXT_TYPE,
    SynthesisOptions,
    synthesis_param,
    synthesis_params,
)

#: Models the HTTP endpoint serves (contract §6): every model but the legacy v1.
HTTP_MODELS = frozenset(name for name, model in TARGET_MODELS.items() if not model.legacy)
OK_STATUS = "OK"
#: The service's opus bit rate when none is asked for (contract §5.3).
OPUS_DEFAULT_KBPS = 32
#: The parameters of one endpoint: the WebSocket's run-task ``parameters`` or the HTTP ``input``.
Parameters = TypeVar("Parameters", bound=ServerSynthesisParameters)


@dataclass(frozen=True)
class SynthesisSettings:
    """A validated synthesis request: who speaks, how, and in which audio format."""

    model: str
    voice_id: str
    voice: VoiceTimbre
    format: str
    sample_rate: int
    volume: int
    rate: float
    pitch: float
    bit_rate_kbps: int | None
    seed: int
    word_timestamps: bool
    enable_ssml: bool

    @property
    def suffix(self) -> str:
        return "." + self.format


def engine_418(detail: str) -> EmulatorApiError:
    return EmulatorApiError(400, codes.INVALID_PARAMETER, ENGINE_418_MESSAGE, detail=detail)


def request_settings(
    backend: SynthesisBackend,
    tenant: str,
    model: str,
    raw: dict[str, Any],
    model_type: type[Parameters],
    *,
    http: bool,
) -> tuple[Parameters, SynthesisSettings]:
    """A request's parameters (``raw`` as ``model_type``) and the settings to synthesize with.

    Raises:
        EmulatorApiError: 400 ``InvalidParameter`` (:func:`parse_parameters`, :func:`resolve_settings`).
    """
    params = parse_parameters(raw, model_type)
    return params, resolve_settings(backend, tenant, model, params, http=http)


def parse_parameters(raw: dict[str, Any], model_type: type[Parameters]) -> Parameters:
    """``raw`` as ``model_type``; a malformed value is 400 ``InvalidParameter`` naming the first bad field.

    The declared options stay in ``model_extra``, for :func:`resolve_settings` to check.
    """
    try:
        return model_type.model_validate(raw)
    except ValidationError as exc:
        name = ".".join(str(part) for part in exc.errors()[0]["loc"]) or "parameters"
        raise invalid_parameter(name, detail=str(exc.errors()[0]["msg"])) from None


def server_options(raw: dict[str, Any]) -> SynthesisOptions:
    """The declared options of a request as the service reads them: server defaults for what is absent, the
    SDK's ``Default`` format as mp3, any case of a format name, ``sample_rate`` 0 as the default.

    Raises:
        EmulatorApiError: 400 ``InvalidParameter`` naming the first option outside its declared type or bounds.
    """
    values = {spec.wire_name: raw.get(spec.wire_name, spec.server_default) for spec in synthesis_params()}
    fmt = values["format"]
    values["format"] = DEFAULT_FORMAT if fmt == SDK_DEFAULT_FORMAT else fmt.lower() if isinstance(fmt, str) else fmt
    given_rate = raw.get("sample_rate")
    values["sample_rate"] = given_rate or (
        OPUS_DEFAULT_SAMPLE_RATE if values["format"] == "opus" else DEFAULT_SAMPLE_RATE
    )
    try:
        return SynthesisOptions.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = ".".join(str(part) for part in error["loc"]) or "parameters"
        raise invalid_parameter(name, detail=f"{error['msg']} (got {error.get('input')!r})") from None


def resolve_settings(
    backend: SynthesisBackend, tenant: str, model: str, params: ServerSynthesisParameters, *, http: bool
) -> SynthesisSettings:
    """Check a request's model, parameters and voice; the settings to synthesize with.

    Raises:
        EmulatorApiError: 400 ``InvalidParameter`` for any breach (see the module docstring for voices).
    """
    if model not in TARGET_MODELS or (http and model not in HTTP_MODELS):
        raise model_not_exist(model)
    if params.text_type not in (PLAIN_TEXT_TYPE, SSML_TEXT_TYPE):
        raise invalid_parameter("text_type", detail="PlainText or SSML")
    options = server_options(params.model_extra or {})
    for spec in synthesis_params():
        value = getattr(options, spec.name)
        if spec.models is not None and value not in (None, spec.server_default) and model not in spec.models:
            raise invalid_parameter(spec.wire_name, detail=f"{model} does not accept it")
    fmt = options.format
    if fmt == "opus" and TARGET_MODELS[model].legacy:
        raise invalid_parameter("format", detail=f"{model} does not speak opus")
    bit_rate = options.bit_rate if synthesis_param("bit_rate").applies_to(fmt) else None
    note = dialect_note(options.instruction)  # contract §10.11: a dialect is asked for in the instruction
    if note is not None:
        logging.getLogger(__name__).warning("%s; voice %s", note, params.voice)
    return SynthesisSettings(
        model=model,
        voice_id=params.voice,
        voice=_resolve_voice(backend, tenant, model, params.voice),
        format=fmt,
        sample_rate=options.sample_rate,
        volume=options.volume,
        rate=options.rate,
        pitch=options.pitch,
        bit_rate_kbps=bit_rate or (OPUS_DEFAULT_KBPS if fmt == "opus" else None),
        seed=options.seed or 0,
        word_timestamps=bool(options.word_timestamps),
        enable_ssml=bool(options.enable_ssml) or params.text_type == SSML_TEXT_TYPE,
    )


def _resolve_voice(backend: SynthesisBackend, tenant: str, model: str, voice_id: str) -> VoiceTimbre:
    if not voice_id:
        raise invalid_parameter("voice")
    if model_from_voice_id(voice_id) is None:
        if not TARGET_MODELS[model].has_system_voices:
            raise engine_418(f"{model} has no system voices; {voice_id!r} is not a cloned voice id")
        generation = check_system_voice(voice=voice_id, model=model)
        if generation is not None:  # contract §11.2: a system voice of another model
            raise EmulatorApiError(400, codes.INVALID_PARAMETER, VOICE_GENERATION_MESSAGE, detail=generation.rule)
        return voice_for(voice_id, None)
    found = backend.find_voice(tenant, voice_id)
    if found is None:
        raise engine_418(f"no voice {voice_id!r} for this API key")
    if found.status != OK_STATUS:
        raise engine_418(f"voice {voice_id!r} is {found.status}, not OK")
    if found.target_model != model:
        raise engine_418(f"voice {voice_id!r} was enrolled for {found.target_model}, not {model}")
    return dataclasses.replace(voice_for(voice_id, found.f0_hz), pace=getattr(found, "pace", 1.0))


def spoken_text(text: str, settings: SynthesisSettings, *, used: int) -> tuple[str, int]:
    """One message's text as spoken (:func:`speakable_text`) and its billed characters, checked against the limits
    with ``used`` characters already in the task (:func:`check_text_size`).

    Raises:
        EmulatorApiError: 400 ``InvalidParameter`` (malformed or unsupported SSML, too long).
    """
    spoken = speakable_text(text, ssml=settings.enable_ssml, model=settings.model)
    return spoken, check_text_size(spoken, used=used)


def speakable_text(text: str, *, ssml: bool, model: str = "") -> str:
    """What is spoken (and billed): with SSML on, tags are dropped (they bill 0, contract §5.2) and breaks become
    silence (:mod:`cosyclone.emulator.api.ssml`); malformed SSML is a 400 ``InvalidParameter``, and so is markup
    sent to a model that reads no SSML (contract §11.4: v1, qwen-audio; plain text with the switch on is spoken, as
    the 1.x SDK's ``call()`` turns it on for every text)."""
    if ssml and model and "<" in text and not supports_ssml(model):
        raise EmulatorApiError(400, codes.INVALID_PARAMETER, SSML_NOT_SUPPORTED_MESSAGE, detail=f"model {model}")
    return speakable_ssml(text) if ssml else text


def text_is_null() -> EmulatorApiError:
    return EmulatorApiError(400, codes.INVALID_PARAMETER, "Parameter invalid: text is null")


def check_text_size(text: str, *, used: int) -> int:
    """Billed characters of one message's ``text``, checked against the per-message and per-task limits.

    Raises:
        EmulatorApiError: 400 ``InvalidParameter`` over 20 000 in the message or 200 000 in the task.
    """
    size = billed_characters(text)
    if size > MAX_CHARS_PER_MESSAGE:
        raise EmulatorApiError(
            400,
            codes.INVALID_PARAMETER,
            f"Parameter invalid: text is too long ({size} characters, at most {MAX_CHARS_PER_MESSAGE} per request)",
        )
    if used + size > MAX_CHARS_PER_TASK:
        raise EmulatorApiError(
            400,
            codes.INVALID_PARAMETER,
            f"Parameter invalid: text is too long ({used + size} characters, at most {MAX_CHARS_PER_TASK} per task)",
        )
    return size


def render(settings: SynthesisSettings, sentence: str) -> RenderedSentence:
    """The sentence's audio; SSML breaks in it (:func:`cosyclone.emulator.api.ssml.split_breaks`) are silence."""
    pieces = split_breaks(sentence)
    if len(pieces) == 1:
        return _render_words(settings, sentence)
    rate = settings.sample_rate
    samples: list[NDArray[np.float32]] = []
    words: list[WordTiming] = []
    offset_s = 0.0
    for start, text, silence_s in pieces:
        if text.strip():
            part = _render_words(settings, text)
            samples.append(part.samples)
            words.extend(
                dataclasses.replace(
                    w,
                    begin_index=w.begin_index + start,
                    end_index=w.end_index + start,
                    begin_s=w.begin_s + offset_s,
                    end_s=w.end_s + offset_s,
                )
                for w in part.words
            )
            offset_s += part.duration_s
        quiet = round(silence_s * rate)
        samples.append(np.zeros(quiet, dtype=np.float32))
        offset_s += quiet / rate
    return RenderedSentence(np.concatenate(samples), rate, tuple(words))


def _render_words(settings: SynthesisSettings, sentence: str) -> RenderedSentence:
    return render_sentence(
        sentence,
        voice=settings.voice,
        sample_rate=settings.sample_rate,
        volume=settings.volume,
        rate=min(max(settings.rate * settings.voice.pace, 0.5), 2.0),
        pitch=settings.pitch,
        seed=settings.seed,
    )


def words_of(rendered: RenderedSentence, settings: SynthesisSettings, *, offset_s: float) -> list[Word]:
    """Word timestamps in ms from the start of the task's audio (``offset_s`` is where this sentence starts); none
    unless the request asked for them."""
    if not settings.word_timestamps:
        return []
    return [
        Word(
            text=w.text,
            begin_index=w.begin_index,
            end_index=w.end_index,
            begin_time=round((offset_s + w.begin_s) * 1000),
            end_time=round((offset_s + w.end_s) * 1000),
        )
        for w in rendered.words
    ]


def encoder_for(settings: SynthesisSettings) -> StreamEncoder:
    """A fresh stream encoder for one task of these settings (see :mod:`cosyclone.emulator.api.stream_encoder`)."""
    return StreamEncoder(settings.format, settings.sample_rate, bit_rate_kbps=settings.bit_rate_kbps)


def encode_file(settings: SynthesisSettings, samples: NDArray[np.float32]) -> bytes:
    """One complete file of the whole task (the HTTP ``audio.url`` download)."""
    formats: dict[str, EncodeFormat] = {"pcm": "pcm", "wav": "wav", "mp3": "mp3", "opus": "opus"}
    return encode(samples, settings.sample_rate, formats[settings.format], bit_rate_kbps=settings.bit_rate_kbps)
