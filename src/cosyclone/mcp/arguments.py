"""The arguments of the MCP tools that clone and keep track of voices, declared once as annotated types: the
type, bounds and description of each land in the tool's JSON input schema (through pydantic).

The synthesis parameters and the clone options are not here: the ``synthesize`` and ``clone_voice`` tools take them
from their one declaration (:func:`cosyclone.schema.synthesis_params.mcp_synthesis_input_schema`,
:func:`cosyclone.schema.clone_options.mcp_clone_input_schema`). Who may import it: :mod:`cosyclone.mcp.server`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from cosyclone.schema.clone import PREFIX_MAX_LENGTH

# A test checks this against cosyclone.catalog; it is spelled out because a JSON schema enum needs a static Literal.
# (Named for what it holds, a model name: not catalog.ModelCapabilities, not the --target-model option.)
TargetModelName = Literal[
    "cosyvoice-v3.5-plus",
    "cosyvoice-v3.5-flash",
    "cosyvoice-v3-plus",
    "cosyvoice-v3-flash",
    "cosyvoice-v2",
    "qwen-audio-3.0-tts-plus",
    "qwen-audio-3.0-tts-flash",
    "qwen-audio-3.1-tts-plus",
    "qwen-audio-3.1-tts-flash",
]

SampleToCheck = Annotated[
    str,
    Field(
        description=(
            "An http(s) URL, or the path of a local audio file (absolute, or relative to the server's working "
            "directory)."
        ),
        min_length=1,
    ),
]
SampleToClone = Annotated[
    str,
    Field(
        description=(
            "The reference recording: the absolute path of a local audio file (uploaded for you to temporary "
            "storage) or a public http(s)/oss:// URL. 10-20 s of one speaker works best; run check_sample first."
        ),
        min_length=1,
    ),
]
PrefixArg = Annotated[
    str,
    Field(
        description=(
            f"Name prefix of the voice: 1 to {PREFIX_MAX_LENGTH} letters or digits (no spaces, dashes or "
            "underscores). It becomes part of the voice_id."
        ),
        json_schema_extra={"pattern": f"^[A-Za-z0-9]{{1,{PREFIX_MAX_LENGTH}}}$"},
    ),
]
TargetModelArg = Annotated[
    TargetModelName,
    Field(
        description=(
            "The synthesis model the voice is for; synthesis must later use the same model. "
            "cosyvoice-v3.5-plus/-flash exist only in the China mainland deployment (cn-beijing); whether "
            "cosyvoice-v3-plus/-flash and qwen-audio-* clone in ap-southeast-1 is disputed (sent with a warning). "
            "qwen-audio-* voices speak over the HTTP endpoint, chosen for you. For Chinese dialect audio use "
            "language hint zh and ask for the dialect when speaking (text or instruction)."
        )
    ),
]
WaitForOK = Annotated[
    bool, Field(description="Wait until the voice is OK (true) or return at once while it is DEPLOYING.")
]
Force = Annotated[bool, Field(description="Send the sample even if it fails the local preflight check.")]
New = Annotated[
    bool,
    Field(
        description=(
            "Enroll again even if a voice was already cloned from these exact bytes for this model "
            "(by default that voice is reused: enrollment costs quota)."
        )
    ),
]
SkipCatalogCheck = Annotated[
    bool,
    Field(
        description=(
            "Send even if cosyclone's model/region catalog says the model cannot clone here (only when the service "
            "is known to have changed)."
        )
    ),
]
ConsentRecording = Annotated[
    str | None,
    Field(
        description=(
            "The absolute path of a local recording of the sample's speaker reading consent_text (default: the "
            "consent sentence, `cosyclone consent-text`). Verified before anything is sent (word error rate <= 0.3, "
            "characters for Chinese; speaker similarity >= 0.80); refused otherwise. Required when the user's "
            "config sets require_consent = true."
        ),
        min_length=1,
    ),
]
ConsentText = Annotated[
    str | None, Field(description="The words the consent recording must hold (default: the consent sentence).")
]
PrefixFilter = Annotated[str | None, Field(description="Only voices whose name prefix is this (letters and digits).")]
LocalOnly = Annotated[
    bool,
    Field(
        description=(
            "List the local registry (voices cloned through cosyclone, with their sample hashes) instead of asking "
            "the service."
        )
    ),
]
VoiceName = Annotated[
    str,
    Field(description="A voice_id, or a prefix that names exactly one voice in the local registry.", min_length=1),
]
WaitBeforeAnswer = Annotated[bool, Field(description="Wait until the voice is OK before answering.")]
ShowTimeout = Annotated[float, Field(description="Seconds to wait with wait=true.", ge=1.0, le=3600.0)]
VoiceToDelete = Annotated[
    str, Field(description="The voice_id (or a registry prefix naming one voice) to delete.", min_length=1)
]
Confirm = Annotated[
    bool,
    Field(description="Must be true: deleting cannot be undone, and anything still using the voice_id stops working."),
]
NewSample = Annotated[
    str,
    Field(
        description=(
            "The new reference recording: the absolute path of a local audio file (checked locally first) or a public "
            "http(s)/oss:// URL."
        ),
        min_length=1,
    ),
]
VoiceToUpdate = Annotated[
    str, Field(description="The voice_id (or a registry prefix naming one voice) to re-enroll.", min_length=1)
]
Overwrite = Annotated[
    bool, Field(description="Replace output_path if it exists (by default an existing file is never replaced).")
]
VoiceToScore = Annotated[
    str, Field(description="The voice_id (or a registry prefix naming one voice) to score.", min_length=1)
]
ReferenceSample = Annotated[
    str | None,
    Field(
        description=(
            "The reference recording to compare the clone with (a local file or an http(s) URL). Default: the "
            "sample the voice was cloned from (or the one its last score used), found in the registry."
        )
    ),
]
ProbeLanguage = Annotated[
    str | None,
    Field(description="Language of the probe sentences: en or zh (default: the voice's language hint, else en)."),
]
PlotPath = Annotated[
    str | None,
    Field(
        description=(
            "Also draw a PNG (both spectrograms and the embedding similarities) at this path (relative to the "
            "server's working directory; prefer an absolute path)."
        )
    ),
]
SampleToCompare = Annotated[
    str,
    Field(
        description=(
            "The recording to clone into each model: the absolute path of a local audio file or a public "
            "http(s) URL (checked once; voices already cloned from the same bytes are reused)."
        ),
        min_length=1,
    ),
]
TargetModels = Annotated[
    list[TargetModelName] | None,
    Field(description="The models to compare (default: every current model the region can clone into)."),
]
ConfirmSpend = Annotated[
    bool,
    Field(
        description=(
            "Spend the enrollments. Without it nothing is enrolled: the answer is the plan, with the number of "
            "enrollments it would spend (voices reused from earlier clones cost none)."
        )
    ),
]
KeepLosers = Annotated[
    bool, Field(description="Keep the voices this comparison made that lost (by default they are deleted).")
]
