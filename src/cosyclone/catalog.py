"""What each CosyVoice target model can do, and where: models × regions × capabilities, as dated data.

Pure data and pure functions; imports nothing of ours and does no I/O. Every fact carries the source it came
from (tags of ``dashscope-cosyvoice-api.md`` §0, or ``SEED`` for the skill document) and the date it was read,
so that when the service changes before this file does, a user can see what we believed and why — and go
ahead anyway with the documented override (``--skip-catalog-check`` / ``skip_catalog_check=True``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from cosyclone.schema.model_names import DEFAULT_TARGET_MODEL as _DEFAULT_TARGET_MODEL
from cosyclone.schema.model_names import ENROLLMENT_MODEL as _ENROLLMENT_MODEL

#: The six regions the official SDK 2.x knows (PY2 ``v2/_config.py`` ``VALID_REGIONS``, read 2026-12-01).
Region = Literal["cn-beijing", "ap-southeast-1", "cn-hongkong", "us-east-1", "eu-central-1", "ap-northeast-1"]
REGIONS: tuple[Region, ...] = get_args(Region)
DEFAULT_REGION: Region = "cn-beijing"
#: The model a voice is cloned for when none is named: one home, ``schema.model_names`` (which cannot import us).
DEFAULT_TARGET_MODEL = _DEFAULT_TARGET_MODEL
ENROLLMENT_MODEL = _ENROLLMENT_MODEL
CATALOG_DATE = "2026-11-24"
#: When the facts of contract §10 (Qwen-Audio targets, six regions, disputed rules) were read.
REVISION_DATE = "2026-12-01"
#: When the facts of contract §11 (voice design, qwen-audio-3.1 voices, output rules, SSML) were read.
REVISION_11_DATE = "2026-12-03"

#: How a model's speech reaches the service: the CosyVoice WebSocket duplex protocol (§5) or the HTTP
#: ``SpeechSynthesizer`` endpoint (§6).
SpeechEndpoint = Literal["websocket", "http"]
#: How a client may speak: the WebSocket, HTTP (a URL to download) or HTTP with SSE (audio in the stream).
SpeechProtocol = Literal["websocket", "http", "sse"]

_BASE_HINTS = ("zh", "en", "fr", "de", "ja", "ko", "ru")
_V3_PLUS_HINTS = (*_BASE_HINTS, "pt", "th", "id", "vi")
#: The Qwen-Audio-TTS enrollment hints (contract §10.1: D-HTTP-2608, 3P-ABM).
_QWEN_AUDIO_HINTS = (*_V3_PLUS_HINTS, "it", "es", "ms", "fil", "ar")

#: Chinese dialect codes a user may try as a language hint. The service takes none of them: dialect audio is
#: enrolled with ``zh`` and the dialect is asked for in synthesis (SEED operational guidance, contract §10.11).
DIALECT_CODES: dict[str, str] = {
    "yue": "Cantonese",
    "wuu": "Shanghainese (Wu)",
    "nan": "Minnan",
    "hak": "Hakka",
    "cmn-sichuan": "Sichuanese",
    "hsn": "Xiang (Hunanese)",
    "gan": "Gan",
    "cjy": "Jin",
}
DIALECT_FACT_SOURCE = "SEED operational guidance (contract §10.11)"


@dataclass(frozen=True)
class Fact:
    """Where a catalog fact comes from."""

    source: str
    read_on: str = CATALOG_DATE


@dataclass(frozen=True)
class ModelCapabilities:
    """One model a voice can be enrolled for (and must then be synthesized with).

    ``clone_regions`` are the regions every source agrees a voice can be cloned in; ``disputed_clone_regions``
    those some sources allow and others deny (a request there is warned about and sent, never refused).
    ``speech_endpoint``: where its speech goes when the caller does not choose.
    """

    name: str
    clone_regions: tuple[Region, ...]
    synthesis_regions: tuple[Region, ...]
    language_hints: tuple[str, ...]
    has_system_voices: bool
    legacy: bool = False
    sources: tuple[Fact, ...] = field(default=())
    disputed_clone_regions: tuple[Region, ...] = ()
    speech_endpoint: SpeechEndpoint = "websocket"
    family: Literal["cosyvoice", "qwen-audio"] = "cosyvoice"


_SINGAPORE_V3_DISPUTE = Fact(
    "D-GUIDE-2611 lists cloning in Singapore for the v3 series; SEED and 3P say Singapore v3 does not clone "
    "(contract §4, §9.1, §10.4)",
    REVISION_DATE,
)
_QWEN_AUDIO_FACTS = (
    Fact("PY2 example voice_clone.py (qwen-audio-3.0-tts-flash); D-HTTP-2608 target_model list", REVISION_DATE),
    Fact("3P-ABM products.py: hints, HTTP SpeechSynthesizer, instruction; Beijing, Singapore UNCERTAIN", REVISION_DATE),
    Fact(
        "D-QA-HTTP-2610: HTTP synthesis on the Singapore and Beijing workspace hosts (contract §11.2)", REVISION_11_DATE
    ),
)


def _qwen_audio(name: str, *, version_source: Fact) -> ModelCapabilities:
    return ModelCapabilities(
        name,
        clone_regions=("cn-beijing",),
        disputed_clone_regions=("ap-southeast-1",),
        # Contract §11.2: D-QA-HTTP-2610 (2026-10) lists Singapore and Beijing workspace hosts for the HTTP API;
        # the older D-QA-HTTP-OLD says Beijing only. The newer page wins: Singapore is offered, never blocked.
        synthesis_regions=("cn-beijing", "ap-southeast-1"),
        language_hints=_QWEN_AUDIO_HINTS,
        # No source says whether they have system voices: not refused (UNCERTAIN).
        has_system_voices=True,
        speech_endpoint="http",
        family="qwen-audio",
        sources=(version_source, *_QWEN_AUDIO_FACTS),
    )


def _cosyvoice_v35(name: str) -> ModelCapabilities:
    """cosyvoice-v3.5-plus and -flash: Beijing only, no system voices (SEED, D-CLONE-HTTP, D-CE)."""
    return ModelCapabilities(
        name,
        clone_regions=("cn-beijing",),
        synthesis_regions=("cn-beijing",),
        language_hints=_V3_PLUS_HINTS,
        has_system_voices=False,
        sources=(Fact("SEED"), Fact("D-CLONE-HTTP"), Fact("D-CE")),
    )


def _cosyvoice_v3(name: str, *, language_hints: tuple[str, ...]) -> ModelCapabilities:
    """cosyvoice-v3-plus and -flash: cloning in Beijing (Singapore disputed), speech in both, system voices."""
    return ModelCapabilities(
        name,
        clone_regions=("cn-beijing",),
        disputed_clone_regions=("ap-southeast-1",),
        synthesis_regions=("cn-beijing", "ap-southeast-1"),
        language_hints=language_hints,
        has_system_voices=True,
        sources=(Fact("SEED"), Fact("D-CLONE-HTTP"), Fact("D-GUIDE"), _SINGAPORE_V3_DISPUTE),
    )


TARGET_MODELS: dict[str, ModelCapabilities] = {
    m.name: m
    for m in (
        *(_cosyvoice_v35(name) for name in ("cosyvoice-v3.5-plus", "cosyvoice-v3.5-flash")),
        _cosyvoice_v3("cosyvoice-v3-plus", language_hints=_BASE_HINTS),
        _cosyvoice_v3("cosyvoice-v3-flash", language_hints=_V3_PLUS_HINTS),
        ModelCapabilities(
            "cosyvoice-v2",
            clone_regions=("cn-beijing",),
            synthesis_regions=("cn-beijing",),
            language_hints=(),  # 3P: v2 rejects the field
            has_system_voices=True,
            sources=(Fact("SEED"), Fact("D-CLONE-HTTP"), Fact("3P")),
        ),
        ModelCapabilities(
            "cosyvoice-v1",
            clone_regions=("cn-beijing",),
            synthesis_regions=("cn-beijing",),
            language_hints=(),
            has_system_voices=True,
            legacy=True,
            sources=(Fact("D-CLONE-HTTP"),),
        ),
        _qwen_audio("qwen-audio-3.0-tts-plus", version_source=Fact("D-HTTP-2608", REVISION_DATE)),
        _qwen_audio("qwen-audio-3.0-tts-flash", version_source=Fact("PY2 example; D-HTTP-2608", REVISION_DATE)),
        _qwen_audio("qwen-audio-3.1-tts-plus", version_source=Fact("3P-ABM only", REVISION_DATE)),
        _qwen_audio(
            "qwen-audio-3.1-tts-flash",
            version_source=Fact(
                "D-QA-HTTP-2610 own example (voice longanhuan_v3.1); 3P-BAILIAN-TTS; §11.2", "2026-12-03"
            ),
        ),
    )
}

#: Models that read SSML (contract §11.4, D-SSML newest: v3.5 joined the list; older copies name fewer, so none
#: of these is refused). Not cosyvoice-v1 ("SSML text is not supported at the moment!"), not qwen-audio-*.
SSML_MODELS: tuple[str, ...] = (
    "cosyvoice-v3.5-flash",
    "cosyvoice-v3.5-plus",
    "cosyvoice-v3-flash",
    "cosyvoice-v3-plus",
    "cosyvoice-v2",
)
SSML_FACT = Fact("D-SSML (help.aliyun.com ssml-latex-user-guide), moeru-ai/airi issue 570 for v1", REVISION_11_DATE)
#: The service's answer to SSML on a model that does not read it (moeru-ai/airi issue 570, cosyvoice-v1).
SSML_NOT_SUPPORTED_MESSAGE = "SSML text is not supported at the moment!"
#: ``qwen-audio-3.1-*`` system voices end in this (68 of them, case-sensitive; contract §11.2, 3P-BAILIAN-TTS citing
#: help.aliyun.com/zh/model-studio/qwen-audio-tts-voice-list); no other model speaks them.
QWEN_AUDIO_31_VOICE_SUFFIX = "_v3.1"
#: A few of them, as examples (D-QA-HTTP-2610's own example is longanhuan_v3.1).
QWEN_AUDIO_31_VOICE_EXAMPLES: tuple[str, ...] = (
    "longanhuan_v3.1",
    "longanlingxin_v3.1",
    "longanfengyue_v3.1",
    "xunanchuan_v3.1",
    "xuyuyuan_v3.1",
    "yuxiaoyun_v3.1",
    "Emily_v3.1",
)
#: How the service refuses a system voice of another model (3P-BAILIAN-TTS).
VOICE_GENERATION_MESSAGE = "[cosyvoice:]Engine error [411]: TTS speak operation failed"


def supports_ssml(model: str) -> bool:
    return model in SSML_MODELS


def check_system_voice(*, voice: str, model: str) -> CatalogProblem | None:
    """A system voice of another generation (contract §11.2): the ``qwen-audio-3.1-*`` models speak only the
    ``*_v3.1`` voices, and no other model speaks those."""
    is_31_voice = voice.endswith(QWEN_AUDIO_31_VOICE_SUFFIX)
    is_31_model = model.startswith("qwen-audio-3.1-")
    if is_31_model and not is_31_voice:
        return CatalogProblem(
            "voice",
            voice,
            f"{model} speaks only its own system voices, which end in {QWEN_AUDIO_31_VOICE_SUFFIX} "
            f"(e.g. {QWEN_AUDIO_31_VOICE_EXAMPLES[0]}), or voices cloned for it",
        )
    if is_31_voice and not is_31_model:
        return CatalogProblem("voice", voice, "is a qwen-audio-3.1 system voice: use --model qwen-audio-3.1-tts-flash")
    return None


#: The rule every synthesis obeys (contract §4, SEED): the model must equal the voice's ``target_model``.
SYNTHESIS_MODEL_RULE = Fact("SEED; contract §4 'Model must match'")


@dataclass(frozen=True)
class CatalogProblem:
    """One catalog rule a request breaks: the field, the offending value and the rule in plain words.

    ``disputed``: the sources disagree on this rule, so the request is sent anyway with a warning (and the
    service's answer, if it refuses, is explained with ``rule``).
    """

    field: str
    value: object
    rule: str
    disputed: bool = False


def target_model_names(*, include_legacy: bool = False) -> tuple[str, ...]:
    return tuple(name for name, m in TARGET_MODELS.items() if include_legacy or not m.legacy)


def check_enrollment(
    *,
    target_model: str,
    region: str,
    language_hint: str | None,
    max_prompt_audio_length: float | None = None,
    enable_preprocess: bool | None = None,
    options: Mapping[str, Any] | None = None,
) -> list[CatalogProblem]:
    """Every catalog rule an enrollment request breaks (empty when it is fine).

    ``options``: the declared clone options as set (``schema/clone_options.py``; the two named ones may also be
    given alone). Range checks that hold for every model are the normalized interface's job, not the catalog's;
    this function covers what depends on the model (the models the declaration says accept each option) and the
    region.
    """
    from cosyclone.schema.clone_options import wire_clone_options

    options = {
        "max_prompt_audio_length": max_prompt_audio_length,
        "enable_preprocess": enable_preprocess,
        **(options or {}),
    }
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
    if region in model.disputed_clone_regions:
        problems.append(
            CatalogProblem(
                "target_model",
                target_model,
                f"the sources disagree on whether {target_model} clones voices in {region} (some say only in "
                f"{', '.join(model.clone_regions)}); sent anyway",
                disputed=True,
            )
        )
    elif region not in model.clone_regions:
        problems.append(
            CatalogProblem(
                "target_model",
                target_model,
                f"cannot clone voices in region {region}; it clones only in {', '.join(model.clone_regions)}"
                + (
                    f" (and, the sources disagree, {', '.join(model.disputed_clone_regions)})"
                    if model.disputed_clone_regions
                    else ""
                ),
            )
        )
    if language_hint is not None and language_hint not in model.language_hints:
        problems.append(CatalogProblem("language_hints", language_hint, _hint_rule(model, language_hint)))
    for spec in wire_clone_options():
        value = options.get(spec.name)
        if value is not None and not spec.accepts(target_model):
            problems.append(
                CatalogProblem(spec.name, value, f"only {', '.join(models_accepting(spec.name))} accept it")
            )
    return problems


def _hint_rule(model: ModelCapabilities, hint: str) -> str:
    if model.language_hints:
        rule = f"{model.name} accepts these language hints: {', '.join(model.language_hints)}"
    else:
        rule = f"{model.name} takes no language hint; leave it out"
    if hint.lower() in DIALECT_CODES:
        rule += "; " + dialect_advice(DIALECT_CODES[hint.lower()])
    return rule


def dialect_advice(dialect: str = "a Chinese dialect") -> str:
    """How to clone and speak a Chinese dialect (SEED operational guidance): enroll with ``zh``, ask later."""
    return (
        f"for {dialect} reference audio, enroll with language hint zh and ask for the dialect in synthesis: "
        "write the text in the dialect, or pass an instruction such as --instruction '请用粤语说' "
        "(models that take instruction)"
    )


def speech_protocol(model: str, requested: SpeechProtocol) -> SpeechProtocol:
    """The protocol ``model``'s speech goes over: ``requested``, except that a model whose speech needs the HTTP
    endpoint (the Qwen-Audio-TTS targets) is moved from the WebSocket to HTTP with SSE (streamed like the
    WebSocket). An explicit ``http`` or ``sse`` is kept."""
    if requested == "websocket" and speech_endpoint(model) == "http":
        return "sse"
    return requested


def speech_endpoint(model: str) -> SpeechEndpoint:
    """Where ``model``'s speech must go when the caller does not choose: ``http`` (the ``SpeechSynthesizer``
    endpoint) for the Qwen-Audio-TTS targets, ``websocket`` for CosyVoice (and unknown names)."""
    capabilities = TARGET_MODELS.get(model)
    return capabilities.speech_endpoint if capabilities is not None else "websocket"


def models_accepting(option: str) -> tuple[str, ...]:
    """The catalog's models that take clone ``option`` (as its declaration in ``schema/clone_options.py`` says)."""
    from cosyclone.schema.clone_options import clone_option

    spec = clone_option(option)
    return tuple(name for name in TARGET_MODELS if spec.accepts(name))


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
