"""What each CosyVoice target model can do, and where: models × regions × capabilities, as dated data.

Pure data and pure functions; imports nothing of ours and does no I/O. Every fact carries the source it came
from (tags of ``dashscope-cosyvoice-api.md`` §0, or ``SEED`` for the skill document) and the date it was read,
so that when the service changes before this file does, a user can see what we believed and why — and go
ahead anyway with the documented override (``--skip-catalog-check`` / ``skip_catalog_check=True``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from cosyclone.schema.clone import DEFAULT_TARGET_MODEL as _DEFAULT_TARGET_MODEL
from cosyclone.schema.enrollment import ENROLLMENT_MODEL as _ENROLLMENT_MODEL

Region = Literal["cn-beijing", "ap-southeast-1"]
REGIONS: tuple[Region, ...] = ("cn-beijing", "ap-southeast-1")
DEFAULT_REGION: Region = "cn-beijing"
#: The model a voice is cloned for when none is named: one home, ``schema.clone`` (which cannot import us).
DEFAULT_TARGET_MODEL = _DEFAULT_TARGET_MODEL
ENROLLMENT_MODEL = _ENROLLMENT_MODEL
CATALOG_DATE = "2026-11-24"

_BASE_HINTS = ("zh", "en", "fr", "de", "ja", "ko", "ru")
_V3_PLUS_HINTS = (*_BASE_HINTS, "pt", "th", "id", "vi")


@dataclass(frozen=True)
class Fact:
    """Where a catalog fact comes from."""

    source: str
    read_on: str = CATALOG_DATE


@dataclass(frozen=True)
class ModelCapabilities:
    """One CosyVoice model a voice can be enrolled for (and must then be synthesized with)."""

    name: str
    clone_regions: tuple[Region, ...]
    synthesis_regions: tuple[Region, ...]
    language_hints: tuple[str, ...]
    accepts_max_prompt_audio_length: bool
    accepts_enable_preprocess: bool
    has_system_voices: bool
    legacy: bool = False
    sources: tuple[Fact, ...] = field(default=())


TARGET_MODELS: dict[str, ModelCapabilities] = {
    m.name: m
    for m in (
        ModelCapabilities(
            "cosyvoice-v3.5-plus",
            clone_regions=("cn-beijing",),
            synthesis_regions=("cn-beijing",),
            language_hints=_V3_PLUS_HINTS,
            accepts_max_prompt_audio_length=True,
            accepts_enable_preprocess=True,
            has_system_voices=False,
            sources=(Fact("SEED"), Fact("D-CLONE-HTTP"), Fact("D-CE")),
        ),
        ModelCapabilities(
            "cosyvoice-v3.5-flash",
            clone_regions=("cn-beijing",),
            synthesis_regions=("cn-beijing",),
            language_hints=_V3_PLUS_HINTS,
            accepts_max_prompt_audio_length=True,
            accepts_enable_preprocess=True,
            has_system_voices=False,
            sources=(Fact("SEED"), Fact("D-CLONE-HTTP"), Fact("D-CE")),
        ),
        ModelCapabilities(
            "cosyvoice-v3-plus",
            # SEED: in the international deployment v3-plus/v3-flash do not clone.
            clone_regions=("cn-beijing",),
            synthesis_regions=("cn-beijing", "ap-southeast-1"),
            language_hints=_BASE_HINTS,
            accepts_max_prompt_audio_length=False,
            accepts_enable_preprocess=False,
            has_system_voices=True,
            sources=(Fact("SEED"), Fact("D-CLONE-HTTP"), Fact("D-GUIDE")),
        ),
        ModelCapabilities(
            "cosyvoice-v3-flash",
            clone_regions=("cn-beijing",),
            synthesis_regions=("cn-beijing", "ap-southeast-1"),
            language_hints=_V3_PLUS_HINTS,
            accepts_max_prompt_audio_length=True,
            accepts_enable_preprocess=True,
            has_system_voices=True,
            sources=(Fact("SEED"), Fact("D-CLONE-HTTP"), Fact("D-GUIDE")),
        ),
        ModelCapabilities(
            "cosyvoice-v2",
            clone_regions=("cn-beijing",),
            synthesis_regions=("cn-beijing",),
            language_hints=(),  # 3P: v2 rejects the field
            accepts_max_prompt_audio_length=False,
            accepts_enable_preprocess=False,
            has_system_voices=True,
            sources=(Fact("SEED"), Fact("D-CLONE-HTTP"), Fact("3P")),
        ),
        ModelCapabilities(
            "cosyvoice-v1",
            clone_regions=("cn-beijing",),
            synthesis_regions=("cn-beijing",),
            language_hints=(),
            accepts_max_prompt_audio_length=False,
            accepts_enable_preprocess=False,
            has_system_voices=True,
            legacy=True,
            sources=(Fact("D-CLONE-HTTP"),),
        ),
    )
}

#: The rule every synthesis obeys (contract §4, SEED): the model must equal the voice's ``target_model``.
SYNTHESIS_MODEL_RULE = Fact("SEED; contract §4 'Model must match'")


@dataclass(frozen=True)
class CatalogProblem:
    """One catalog rule a request breaks: the field, the offending value and the rule in plain words."""

    field: str
    value: object
    rule: str


def target_model_names(*, include_legacy: bool = False) -> tuple[str, ...]:
    return tuple(name for name, m in TARGET_MODELS.items() if include_legacy or not m.legacy)


def check_enrollment(
    *,
    target_model: str,
    region: str,
    language_hint: str | None,
    max_prompt_audio_length: float | None,
    enable_preprocess: bool | None,
) -> list[CatalogProblem]:
    """Every catalog rule an enrollment request breaks (empty when it is fine).

    Range checks that hold for every model (``max_prompt_audio_length`` within 3–30 s) are the normalized
    interface's job, not the catalog's; this function covers what depends on the model and the region.
    """
    model = TARGET_MODELS.get(target_model)
    if model is None:
        return [
            CatalogProblem(
                "target_model",
                target_model,
                f"must be one of {', '.join(target_model_names(include_legacy=True))}",
            )
        ]
    problems: list[CatalogProblem] = []
    if region not in model.clone_regions:
        problems.append(
            CatalogProblem(
                "target_model",
                target_model,
                f"cannot clone voices in region {region}; it clones only in {', '.join(model.clone_regions)}",
            )
        )
    if language_hint is not None and language_hint not in model.language_hints:
        rule = (
            f"{target_model} accepts these language hints: {', '.join(model.language_hints)}"
            if model.language_hints
            else f"{target_model} takes no language hint; leave it out"
        )
        problems.append(CatalogProblem("language_hints", language_hint, rule))
    if max_prompt_audio_length is not None and not model.accepts_max_prompt_audio_length:
        problems.append(
            CatalogProblem(
                "max_prompt_audio_length",
                max_prompt_audio_length,
                f"only {', '.join(models_accepting('max_prompt_audio_length'))} accept it",
            )
        )
    if enable_preprocess is not None and not model.accepts_enable_preprocess:
        problems.append(
            CatalogProblem(
                "enable_preprocess",
                enable_preprocess,
                f"only {', '.join(models_accepting('enable_preprocess'))} accept it",
            )
        )
    return problems


def models_accepting(parameter: Literal["max_prompt_audio_length", "enable_preprocess"]) -> tuple[str, ...]:
    attr = f"accepts_{parameter}"
    return tuple(name for name, m in TARGET_MODELS.items() if getattr(m, attr))


def model_from_voice_id(voice_id: str) -> str | None:
    """The ``target_model`` a cloned voice_id was made for (``{target_model}-{prefix}-{id}``), if recognisable.

    The longest model name that prefixes the id wins, so ``cosyvoice-v3.5-plus-…`` is not read as v3.
    """
    matches = [name for name in TARGET_MODELS if voice_id.startswith(name + "-")]
    return max(matches, key=len) if matches else None


def check_synthesis_model(*, voice_id: str, model: str, voice_target_model: str | None) -> CatalogProblem | None:
    """The model-follows-voice rule: ``model`` must equal the target model the voice was enrolled for."""
    expected = voice_target_model or model_from_voice_id(voice_id)
    if expected is None or expected == model:
        return None
    return CatalogProblem(
        "model",
        model,
        f"voice {voice_id} was enrolled for {expected}; synthesis must use that same model "
        f"(use --model {expected}, or omit the model to let it follow the voice)",
    )
