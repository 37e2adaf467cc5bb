"""The clone options (contract §3.3, §10.3), declared once.

:class:`CloneOptions` is the one declaration: each field is an option a caller of ``clone`` may set, with its
type, default, bounds (``ge``/``le`` in the schema, checked with our own wording), help text (``description``)
and, in ``json_schema_extra``:

- ``x-wire``: it is sent in the ``create_voice`` input (the fields of :class:`CloneWireOptions`); else it tells
  our side what to do (how to upload, whether to wait).
- ``x-models``: the target models that accept it (absent: all).
- ``x-cli``: the CLI flag (absent: ``--`` + the name with dashes); ``x-cli-commands``: the commands offering it
  (absent: ``clone`` and ``prepare`` for a wire option, ``clone`` alone otherwise).
- ``x-mcp``: its argument name in the MCP ``clone_voice`` tool when it differs (``language_hint``).
- ``x-unit``: the unit the bounds are said in; ``x-metavar``: the CLI's name for the value.

Everything else derives from it: the wire models (:class:`cosyclone.schema.clone.VoiceCloneRequest` and
:class:`cosyclone.schema.enrollment.CreateVoiceInput` inherit :class:`CloneWireOptions`), the client's keyword
arguments (:class:`CloneWireOptionsDict`, kept equal by a guard test), the catalog's model check, the emulator's
checks (:func:`clone_option_problems`), the CLI flags of ``clone`` / ``prepare`` / ``compare`` and the MCP
``clone_voice`` tool's input schema. Adding a wire option: a field in :class:`CloneWireOptions` and a key in
:class:`CloneWireOptionsDict`.

Imported by the schema, catalog, client, emulator, ops and the front ends. Imports nothing of ours but schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from pydantic import Field

from cosyclone.schema.base import RequestModel
from cosyclone.schema.model_names import DEFAULT_TARGET_MODEL

#: Contract §3.3: a float in seconds within this range.
MAX_PROMPT_AUDIO_LENGTH_RANGE_S = (3.0, 30.0)
PREFIX_MAX_LENGTH = 10
UploadMode = Literal["auto", "data-uri", "oss"]
UPLOAD_MODES: tuple[str, ...] = ("auto", "data-uri", "oss")
#: The models that take ``max_prompt_audio_length`` and ``enable_preprocess`` (§3.3: D-CLONE-HTTP, D-CE; catalog.py)
#: and, in synthesis, an ``instruction`` (§5.3: v3.5 and v3-flash voices; §10.1, 3P-ABM: Qwen-Audio-TTS voices,
#: over HTTP). The two rules name the same models today, so both fields' ``x-models`` read this one list
#: (:mod:`cosyclone.schema.synthesis_params` imports it); split it should the service's rules part.
PROMPT_AND_INSTRUCTION_MODELS: list[Any] = [
    "cosyvoice-v3.5-plus",
    "cosyvoice-v3.5-flash",
    "cosyvoice-v3-flash",
    "qwen-audio-3.0-tts-plus",
    "qwen-audio-3.0-tts-flash",
    "qwen-audio-3.1-tts-plus",
    "qwen-audio-3.1-tts-flash",
]


class CloneWireOptions(RequestModel):
    """The clone options sent in the ``create_voice`` input (see the module docstring)."""

    language_hints: list[str] | None = Field(
        default=None,
        description="Language of the voice (zh, en, …). Only the first is used. Chinese dialect audio: zh.",
        json_schema_extra={"x-wire": True, "x-cli": "--language-hint", "x-mcp": "language_hint", "x-metavar": "LANG"},
    )
    max_prompt_audio_length: float | None = Field(
        default=None,
        description="Seconds of the sample the service uses, 3–30 s; v3.5-plus, v3.5-flash, v3-flash only.",
        json_schema_extra={
            "x-wire": True,
            "minimum": MAX_PROMPT_AUDIO_LENGTH_RANGE_S[0],
            "maximum": MAX_PROMPT_AUDIO_LENGTH_RANGE_S[1],
            "x-unit": "seconds",
            "x-models": PROMPT_AND_INSTRUCTION_MODELS,
        },
    )
    enable_preprocess: bool | None = Field(
        default=None,
        description="Let the service denoise/normalise the sample (v3.5, v3-flash only).",
        json_schema_extra={"x-wire": True, "x-models": PROMPT_AND_INSTRUCTION_MODELS},
    )
    #: Contract §10.3; its wire type is UNCERTAIN (bool here; the emulator also reads "true"/"false").
    enable_volume_normalization: bool | None = Field(
        default=None,
        description=(
            "Ask the service to normalise the sample's loudness (enable_volume_normalization); default: not sent."
        ),
        json_schema_extra={"x-wire": True, "x-cli": "--volume-normalization/--no-volume-normalization"},
    )


class CloneOptions(CloneWireOptions):
    """How to clone: every option of ``clone`` (the declaration; see the module docstring)."""

    target_model: str = Field(
        default=DEFAULT_TARGET_MODEL,
        description="Model the voice is for; synthesis must use the same.",
        json_schema_extra={"x-cli-commands": ["clone", "prepare"]},
    )
    prefix: str = Field(
        description="Voice name prefix: letters and digits, at most 10.",
        json_schema_extra={
            "x-cli-commands": ["clone", "prepare", "compare"],
            "pattern": f"^[A-Za-z0-9]{{1,{PREFIX_MAX_LENGTH}}}$",
        },
    )
    upload: UploadMode = Field(
        default="auto",
        description="How a local file reaches the service: auto (inline as a data URI, else the temporary upload), "
        "data-uri, or oss (temporary upload).",
    )
    wait: bool = Field(
        default=True,
        description="Wait until the voice is OK (default) or return at once.",
        json_schema_extra={"x-cli": "--wait/--no-wait"},
    )
    timeout_s: float = Field(
        default=300.0,
        ge=1.0,
        le=3600.0,
        description="Seconds to wait for OK (1–3600).",
        json_schema_extra={"x-cli": "--timeout", "x-unit": "seconds"},
    )


class CloneWireOptionsDict(TypedDict, total=False):
    """:class:`CloneWireOptions` as keyword arguments (``client.voices.create``); ``None`` means not sent."""

    language_hints: list[str] | None
    max_prompt_audio_length: float | None
    enable_preprocess: bool | None
    enable_volume_normalization: bool | None


@dataclass(frozen=True)
class CloneOptionSpec:
    """One declared clone option, read from :class:`CloneOptions` for the code that derives from it."""

    name: str
    kind: type  # int, float, str, bool or list (of str)
    default: Any
    required: bool
    minimum: float | None
    maximum: float | None
    unit: str
    choices: tuple[Any, ...] | None
    models: tuple[str, ...] | None
    wire: bool
    help: str
    cli_flag: str
    cli_commands: tuple[str, ...]
    mcp_name: str
    metavar: str | None

    def accepts(self, target_model: str) -> bool:
        """Whether ``target_model`` takes this option (every model, when the declaration names none)."""
        return self.models is None or target_model in self.models

    def bounds_rule(self) -> str:
        """The range rule in words, e.g. ``must be between 3 and 30 seconds``."""
        unit = f" {self.unit}" if self.unit else ""
        if self.minimum is not None and self.maximum is not None:
            return f"must be between {self.minimum:g} and {self.maximum:g}{unit}"
        if self.minimum is not None:
            return f"must be at least {self.minimum:g}{unit}"
        return f"must be at most {self.maximum:g}{unit}"


def clone_options() -> tuple[CloneOptionSpec, ...]:
    """Every declared option: the ones that name the voice first (``prefix``, ``target_model``), then the rest
    in declaration order."""
    return _SPECS


def clone_option(name: str) -> CloneOptionSpec:
    return next(spec for spec in _SPECS if spec.name == name)


def wire_clone_options() -> tuple[CloneOptionSpec, ...]:
    """The options sent in the ``create_voice`` input."""
    return tuple(spec for spec in _SPECS if spec.wire)


def cli_clone_options(command: str) -> tuple[CloneOptionSpec, ...]:
    """The options CLI ``command`` (``clone``, ``prepare``, ``compare``) offers as flags."""
    return tuple(spec for spec in _SPECS if command in spec.cli_commands)


def clone_option_problems(values: Mapping[str, Any], *, target_model: str | None = None) -> list[tuple[str, Any, str]]:
    """``(field, value, rule)`` for every set wire option outside its declared bounds, or (with ``target_model``)
    not accepted by that model. What the emulator checks a create request against; empty when it is fine."""
    problems: list[tuple[str, Any, str]] = []
    for spec in wire_clone_options():
        value = values.get(spec.name)
        if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if (spec.minimum is not None and value < spec.minimum) or (spec.maximum is not None and value > spec.maximum):
            problems.append((spec.name, value, spec.bounds_rule()))
    if target_model is not None:
        problems.extend(
            (spec.name, values[spec.name], f"only {', '.join(spec.models or ())} accept it")
            for spec in wire_clone_options()
            if values.get(spec.name) is not None and not spec.accepts(target_model)
        )
    return problems


def mcp_clone_input_schema() -> dict[str, Any]:
    """The clone options as JSON Schema properties of the MCP ``clone_voice`` tool, under their MCP names (a
    list option is offered as one value, e.g. ``language_hint``), every optional one ``null``-able."""
    properties: dict[str, Any] = {}
    for spec in _SPECS:
        schema = {k: v for k, v in _FIELD_SCHEMAS[spec.name].items() if not k.startswith("x-") and k != "title"}
        bounds = {k: schema.pop(k) for k in ("minimum", "maximum") if k in schema and "anyOf" in schema}
        if bounds:  # on the value, not beside the null
            schema["anyOf"] = [
                {**branch, **bounds} if branch.get("type") != "null" else branch for branch in schema["anyOf"]
            ]
        if spec.kind is list:
            schema = {"anyOf": [{"type": "string", "minLength": 1}, {"type": "null"}], "default": None}
            schema["description"] = spec.help
        properties[spec.mcp_name] = schema
    return {"type": "object", "properties": properties, "required": [s.mcp_name for s in _SPECS if s.required]}


def _spec(name: str) -> CloneOptionSpec:
    info = CloneOptions.model_fields[name]
    schema = _FIELD_SCHEMAS[name]
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    branch = next((s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"), schema)
    kinds = {"integer": int, "number": float, "string": str, "boolean": bool, "array": list}
    wire = bool(extra.get("x-wire"))
    commands = extra.get("x-cli-commands") or (["clone", "prepare"] if wire else ["clone"])
    models = extra.get("x-models")
    return CloneOptionSpec(
        name=name,
        kind=kinds[str(branch.get("type", "string"))],
        default=info.default,
        required=info.is_required(),
        minimum=schema.get("minimum"),
        maximum=schema.get("maximum"),
        unit=str(extra.get("x-unit") or ""),
        choices=tuple(branch["enum"]) if "enum" in branch else None,
        models=tuple(str(m) for m in models) if isinstance(models, list) else None,
        wire=wire,
        help=info.description or "",
        cli_flag=str(extra.get("x-cli") or "--" + name.replace("_", "-")),
        cli_commands=tuple(str(c) for c in commands) if isinstance(commands, list) else (),
        mcp_name=str(extra.get("x-mcp") or name),
        metavar=str(extra["x-metavar"]) if "x-metavar" in extra else None,
    )


_FIELD_SCHEMAS: dict[str, dict[str, Any]] = CloneOptions.model_json_schema()["properties"]
_FIRST = ("prefix", "target_model")
_SPECS: tuple[CloneOptionSpec, ...] = tuple(
    _spec(name) for name in (*_FIRST, *(n for n in CloneOptions.model_fields if n not in _FIRST))
)
