"""The synthesis parameters (contract §5.3, §6, §10), declared once.

:class:`SynthesisOptions` is the one declaration: each field is a parameter a caller may set, with its type,
default, bounds or allowed values, help text (``description``) and, in ``json_schema_extra``:

- ``x-formats``: the audio formats it applies to (absent: all); with another format it is not sent.
- ``x-models``: the target models that accept it (absent: all).
- ``x-server-default``: what the service assumes when it is not sent (absent: the field's default).
- ``x-cli``: the CLI flag, when it is not ``--`` + the name with dashes.

Where it goes on the wire is the same for every parameter: the run-task ``parameters`` of the WebSocket protocol
(:class:`cosyclone.schema.synthesis.SynthesisParameters`) and the ``input`` of the HTTP endpoint
(:class:`cosyclone.schema.synthesis.HttpSynthesisInput`), under its alias when it has one
(``word_timestamps`` → ``word_timestamp_enabled``). Everything else derives from this class: the client's typed
keyword arguments (:class:`SynthesisOptionsDict`, kept equal by a guard test), the emulator's checks, its OpenAPI
document, the CLI options, batch's columns and the MCP tool schema (:func:`mcp_synthesis_input_schema`).

Imported by ``schema.synthesis``, ``client``, ``emulator``, ``batch`` and the front ends. Imports nothing of ours
but schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypedDict, get_args

from pydantic import AliasChoices, Field, ValidationInfo, field_validator, model_validator
from typing_extensions import NotRequired

from cosyclone.schema.base import RequestModel
from cosyclone.schema.clone_options import PROMPT_AND_INSTRUCTION_MODELS

AudioFormat = Literal["pcm", "wav", "mp3", "opus"]
AUDIO_FORMATS: tuple[str, ...] = get_args(AudioFormat)
SampleRate = Literal[8000, 12000, 16000, 22050, 24000, 44100, 48000]
SAMPLE_RATES: tuple[int, ...] = get_args(SampleRate)
DEFAULT_FORMAT: AudioFormat = "mp3"
DEFAULT_SAMPLE_RATE: SampleRate = 22050
#: Opus has no 22050 or 44100 (contract §11.3: "opus 排除 22050、44100", and libopus's own rates): another rate
#: would come out resampled, so it is refused, never substituted.
OPUS_SAMPLE_RATES: tuple[int, ...] = (8000, 12000, 16000, 24000, 48000)
#: The rate opus is sent at when none is asked for (the SDK's opus presets are 8/16/24/48 kHz).
OPUS_DEFAULT_SAMPLE_RATE = 24000
#: The docs say 100 (CJK counting 2), the SDK docstring 128: we accept up to the larger and let the service judge.
MAX_INSTRUCTION_CHARS = 128


class SynthesisOptions(RequestModel):
    """How to speak: every synthesis parameter a caller may set (the declaration; see the module docstring)."""

    format: AudioFormat = Field(default=DEFAULT_FORMAT, description="Audio format: mp3 (default), wav, pcm or opus.")
    sample_rate: SampleRate = Field(
        default=DEFAULT_SAMPLE_RATE,
        description="Sample rate in Hz: 8000, 12000, 16000, 22050 (default), 24000, 44100, 48000 (opus: not 22050 "
        "or 44100).",
    )
    volume: int = Field(default=50, ge=0, le=100, description="Volume 0–100 (default 50).")
    rate: float = Field(default=1.0, ge=0.5, le=2.0, description="Speed 0.5–2.0 (default 1.0).")
    pitch: float = Field(default=1.0, ge=0.5, le=2.0, description="Pitch 0.5–2.0 (default 1.0).")
    bit_rate: int | None = Field(
        default=None,
        ge=6,
        le=510,
        description="Opus bit rate in kbps, 6–510 (default 32). Sent only with --format opus: the service takes it "
        "for opus only (contract §11.3); with mp3, wav or pcm it is not sent.",
        json_schema_extra={"x-formats": ["opus"]},
    )
    instruction: str | None = Field(
        default=None,
        description=(
            "Style instruction, e.g. 'speak slowly' (cosyvoice-v3.5-*, v3-flash, qwen-audio-*; at most 128 characters)."
        ),
        json_schema_extra={"x-models": PROMPT_AND_INSTRUCTION_MODELS},
    )
    language_hints: list[str] | None = Field(
        default=None,
        description="Language of the text, e.g. zh or en (only the first hint is sent).",
        json_schema_extra={"x-cli": "--language-hint"},
    )
    seed: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="Seed 0–65535, for repeatable output (service default 0).",
        json_schema_extra={"x-server-default": 0},
    )
    enable_ssml: bool | None = Field(
        default=None,
        validation_alias=AliasChoices("enable_ssml", "ssml"),
        description='The text is SSML, e.g. <speak>Hi <break time="300ms"/> there</speak> (sent whole, in one '
        'message, with text_type "SSML").',
        json_schema_extra={"x-server-default": False, "x-cli": "--ssml"},
    )
    word_timestamps: bool | None = Field(
        default=None,
        alias="word_timestamp_enabled",
        description="Ask for word timestamps in the sentence events.",
        json_schema_extra={"x-server-default": False},
    )

    @model_validator(mode="before")
    @classmethod
    def _opus_default_rate(cls, data: Any) -> Any:
        """Opus with no rate asked for is sent at :data:`OPUS_DEFAULT_SAMPLE_RATE` (the general default, 22050,
        is not an Opus rate)."""
        if isinstance(data, dict) and data.get("format") == "opus" and not data.get("sample_rate"):
            return {**data, "sample_rate": OPUS_DEFAULT_SAMPLE_RATE}
        return data

    @field_validator("sample_rate")
    @classmethod
    def _opus_rates(cls, value: int, info: ValidationInfo) -> int:
        if info.data.get("format") == "opus" and value not in OPUS_SAMPLE_RATES:
            raise ValueError(f"opus is sent only at {', '.join(map(str, OPUS_SAMPLE_RATES))} Hz (not {value})")
        return value

    @field_validator("instruction")
    @classmethod
    def _instruction(cls, value: str | None) -> str | None:
        if value is not None and billed_characters(value) > MAX_INSTRUCTION_CHARS:
            raise ValueError(f"must be at most {MAX_INSTRUCTION_CHARS} characters (CJK count 2)")
        return value


class SynthesisOptionsDict(TypedDict):
    """:class:`SynthesisOptions` as keyword arguments (``Speech`` methods); ``None`` means the default."""

    format: NotRequired[AudioFormat | str | None]
    sample_rate: NotRequired[int | None]
    volume: NotRequired[int | None]
    rate: NotRequired[float | None]
    pitch: NotRequired[float | None]
    bit_rate: NotRequired[int | None]
    instruction: NotRequired[str | None]
    language_hints: NotRequired[list[str] | None]
    seed: NotRequired[int | None]
    enable_ssml: NotRequired[bool | None]
    word_timestamps: NotRequired[bool | None]
    #: Synonym of ``enable_ssml`` (see :data:`SYNONYMS`).
    ssml: NotRequired[bool | None]


#: Other names a caller may use for a parameter (keyword arguments, batch columns): synonym → declared name.
SYNONYMS: dict[str, str] = {"ssml": "enable_ssml"}
#: ``text_type`` of a request whose text is SSML (PY2 ``v2/resources/audio/tts.py`` sends it with ``enable_ssml``,
#: contract §10.5), and of plain text.
SSML_TEXT_TYPE = "SSML"
PLAIN_TEXT_TYPE = "PlainText"


@dataclass(frozen=True)
class ParamSpec:
    """One declared parameter, read from :class:`SynthesisOptions` for the code that derives from it."""

    name: str
    wire_name: str
    kind: type  # int, float, str, bool or list (of str)
    default: Any
    server_default: Any
    minimum: float | None
    maximum: float | None
    choices: tuple[Any, ...] | None
    formats: tuple[str, ...] | None
    models: tuple[str, ...] | None
    help: str
    cli_flag: str

    def applies_to(self, audio_format: str) -> bool:
        return self.formats is None or audio_format in self.formats


def synthesis_params() -> tuple[ParamSpec, ...]:
    """Every declared parameter, in declaration order."""
    return _SPECS


def synthesis_param(name: str) -> ParamSpec:
    return next(spec for spec in _SPECS if spec.name == name)


def _spec(name: str) -> ParamSpec:
    info = SynthesisOptions.model_fields[name]
    field_schema = _FIELD_SCHEMAS[info.alias or name]
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    branch = next((s for s in field_schema.get("anyOf", [field_schema]) if s.get("type") != "null"), field_schema)
    kinds = {"integer": int, "number": float, "string": str, "boolean": bool, "array": list}
    formats, models = extra.get("x-formats"), extra.get("x-models")
    return ParamSpec(
        name=name,
        wire_name=info.alias or name,
        kind=kinds[str(branch.get("type", "string"))],
        default=info.default,
        server_default=extra.get("x-server-default", info.default),
        minimum=branch.get("minimum"),
        maximum=branch.get("maximum"),
        choices=tuple(branch["enum"]) if "enum" in branch else None,
        formats=tuple(str(f) for f in formats) if isinstance(formats, list) else None,
        models=tuple(str(m) for m in models) if isinstance(models, list) else None,
        help=info.description or "",
        cli_flag=str(extra.get("x-cli") or "--" + name.replace("_", "-")),
    )


def mcp_synthesis_input_schema() -> dict[str, Any]:
    """The synthesis parameters as a JSON Schema object for an MCP tool's input (every one optional, ``null``
    meaning the default), to merge with the tool's own ``text``/``voice``/… properties."""
    properties: dict[str, Any] = {}
    for name, schema in synthesis_options_json_schema()["properties"].items():
        spec = next(s for s in _SPECS if s.wire_name == name)
        clean = {k: v for k, v in schema.items() if not k.startswith("x-") and k not in ("default", "title")}
        if "anyOf" not in clean:
            clean = {"anyOf": [clean, {"type": "null"}], "description": clean.pop("description", spec.help)}
        properties[spec.name] = {**clean, "default": None}
    return {"type": "object", "properties": properties}


def synthesis_options_json_schema() -> dict[str, Any]:
    """JSON Schema of :class:`SynthesisOptions` under its wire names (what OpenAPI and MCP derive from)."""
    return SynthesisOptions.model_json_schema(by_alias=True)


#: How a server writes an SSML ``<break>`` inside the spoken text (one per 10 ms): invisible (WORD JOINER) and,
#: like every SSML tag, not billed.
SSML_BREAK_MARK = "\u2060"


def billed_characters(text: str) -> int:
    """Characters as the service bills them: CJK ideographs (and full-width forms) count 2, others 1 (a
    :data:`SSML_BREAK_MARK` 0)."""
    return sum(2 if _is_wide(ch) else 0 if ch == SSML_BREAK_MARK else 1 for ch in text)


def _is_wide(ch: str) -> bool:
    code = ord(ch)
    return (
        0x1100 <= code <= 0x115F
        or 0x2E80 <= code <= 0xA4CF
        or 0xAC00 <= code <= 0xD7A3
        or 0xF900 <= code <= 0xFAFF
        or 0xFE30 <= code <= 0xFE4F
        or 0xFF00 <= code <= 0xFF60
        or 0xFFE0 <= code <= 0xFFE6
        or 0x20000 <= code <= 0x3FFFD
    )


_FIELD_SCHEMAS: dict[str, dict[str, Any]] = synthesis_options_json_schema()["properties"]
_SPECS: tuple[ParamSpec, ...] = tuple(_spec(name) for name in SynthesisOptions.model_fields)
