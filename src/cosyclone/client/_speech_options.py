"""What a synthesis call may ask for, checked before any call, and the model-follows-voice rule.

Imported by client/speech*.py only.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from cosyclone._exceptions import InvalidRequestError, ModelContradictionError, Problem, problems_from_validation_error
from cosyclone.catalog import TARGET_MODELS, check_synthesis_model, check_system_voice, model_from_voice_id
from cosyclone.schema.synthesis import SynthesisParameters
from cosyclone.schema.synthesis_params import OPUS_SAMPLE_RATES, SAMPLE_RATES, SynthesisOptions, synthesis_params

#: The user-facing synthesis parameters: the one declaration in ``schema/synthesis_params.py``.
SpeechOptions = SynthesisOptions


def wire_parameters(options: SynthesisOptions, voice: str, *, wire_format: str) -> SynthesisParameters:
    """The run-task ``parameters`` (also the HTTP ``input`` options) for ``options``: a parameter that does not
    apply to the chosen format or an optional switch left off is not sent, and only the first language hint is sent."""
    values = options.model_dump(exclude_none=True)
    if options.bit_rate is not None and options.format != "opus":
        warnings.warn(f"bit_rate is for opus only (contract §11.3): not sent with {options.format}", stacklevel=4)
    for spec in synthesis_params():
        if not spec.applies_to(options.format) or (spec.default is None and values.get(spec.name) is False):
            values.pop(spec.name, None)
    if options.language_hints:
        values["language_hints"] = options.language_hints[:1]
    values["format"] = wire_format
    return SynthesisParameters.model_validate({**values, "voice": voice})


def check_model_support(options: SynthesisOptions, model: str) -> None:
    """Refuse a parameter set away from its default for a model its declaration does not list (``x-models``),
    and a language hint the model's catalog entry does not list (the rule ``clone`` applies)."""
    for spec in synthesis_params():
        value = getattr(options, spec.name)
        if spec.models is not None and value not in (None, spec.default) and model not in spec.models:
            raise InvalidRequestError([Problem(spec.name, value, f"is accepted only by {', '.join(spec.models)}")])
    capabilities = TARGET_MODELS.get(model)
    hint = options.language_hints[0] if options.language_hints else None
    if capabilities is not None and hint is not None and hint not in capabilities.language_hints:
        rule = (
            f"{model} accepts these language hints: {', '.join(capabilities.language_hints)}"
            if capabilities.language_hints
            else f"{model} takes no language hint; leave it out"
        )
        raise InvalidRequestError([Problem("language_hints", hint, rule)])


def build_options(**fields: Any) -> SynthesisOptions:
    """SynthesisOptions from keyword arguments (None meaning "the default"), or InvalidRequestError."""
    try:
        options = SynthesisOptions.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as error:
        raise InvalidRequestError(problems_from_validation_error(error)) from None
    explicit_rate = "sample_rate" in options.model_fields_set
    if options.format == "opus" and explicit_rate and options.sample_rate not in OPUS_SAMPLE_RATES:
        # it would come out resampled: refused, not substituted
        rates = ", ".join(str(r) for r in OPUS_SAMPLE_RATES if r in SAMPLE_RATES)
        raise InvalidRequestError(
            [Problem("sample_rate", options.sample_rate, f"cannot be encoded as opus: use {rates}")],
            hint="choose one of those rates, or another format (mp3, wav, pcm take any of the rates)",
        )
    return options


def resolve_model(voice: str, model: str | None, lookup: Callable[[str], str | None] | None) -> str:
    """The synthesis model for ``voice``: the one it was enrolled for (registry, else its id), or ``model``.

    Raises:
        ModelContradictionError: ``model`` contradicts the voice's target model (also an InvalidRequestError).
        InvalidRequestError: a system voice has no model, or an unknown model.
    """
    if not voice:
        raise InvalidRequestError([Problem("voice", voice, "is required: a cloned voice_id or a system voice")])
    registered = lookup(voice) if lookup is not None else None
    expected = registered or model_from_voice_id(voice)
    if model is None:
        if expected is None:
            raise InvalidRequestError(
                [Problem("voice", voice, "is no voice_id nor a registry voice; a system voice: --model is required")],
                hint="see your voices with `cosyclone voices list`; for a system voice pass --model, e.g. "
                "cosyvoice-v3-flash",
            )
        return expected
    if model not in TARGET_MODELS:
        names = ", ".join(TARGET_MODELS)
        raise InvalidRequestError([Problem("model", model, f"must be one of {names}")])
    problem = check_synthesis_model(voice_id=voice, model=model, voice_target_model=registered)
    if problem is not None:
        raise ModelContradictionError([Problem(problem.field, problem.value, problem.rule)])
    if expected is None and not TARGET_MODELS[model].has_system_voices:
        raise InvalidRequestError(
            [Problem("voice", voice, f"{model} has no system voices; use a voice cloned for {model}")]
        )
    generation = check_system_voice(voice=voice, model=model) if expected is None else None
    if generation is not None:  # contract §11.2: the service answers "Engine error [411]"
        raise InvalidRequestError([Problem(generation.field, generation.value, generation.rule)])
    return model
