"""Options shared by several commands (the enrollment fields of ``prepare`` and ``clone``), defined once."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

Prefix = Annotated[str, typer.Option("--prefix", help="Voice name prefix: letters and digits, at most 10.")]
TargetModelOption = Annotated[
    str, typer.Option("--target-model", help="Model the voice is for; synthesis must use the same.")
]
LanguageHints = Annotated[
    list[str] | None,
    typer.Option(
        "--language-hint",
        metavar="LANG",
        help="Language of the voice (zh, en, …). Only the first is used. Chinese dialect audio: zh.",
    ),
]
MaxPromptAudioLength = Annotated[
    float | None,
    typer.Option("--max-prompt-audio-length", help="3–30 s; v3.5-plus, v3.5-flash, v3-flash only."),
]
EnablePreprocess = Annotated[
    bool,
    typer.Option("--enable-preprocess", help="Let the service denoise/normalise the sample (v3.5, v3-flash only)."),
]
VolumeNormalization = Annotated[
    Optional[bool],  # noqa: UP045 (a runtime type for typer)
    typer.Option(
        "--volume-normalization/--no-volume-normalization",
        help="Ask the service to normalise the sample's loudness (enable_volume_normalization); default: not sent.",
    ),
]
UploadPath = Annotated[
    str,
    typer.Option(
        "--upload",
        help="How a local file reaches the service: auto (inline as a data URI, else the temporary upload), "
        "data-uri, or oss (temporary upload).",
    ),
]
SkipCatalogCheck = Annotated[
    bool,
    typer.Option("--skip-catalog-check", help="Send even if the model/region catalog says no (service changed)."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
