"""``cosyclone consent-text``: print the sentence a speaker reads to consent to the clone of their voice.

Rendering only: the sentences live in :mod:`cosyclone.quality.consent` (reached through :mod:`cosyclone.ops.consent`),
the check in :mod:`cosyclone.ops.consent`.
"""

from __future__ import annotations

import typer


def consent_text(
    language: str = typer.Option("en", "--language", help="en (English) or zh (Mandarin)."),
) -> None:
    """Print the default consent sentence: the speaker reads it aloud for `clone --consent RECORDING`.

    The recording is verified before anything is sent: the words (word error rate ≤ 0.3; characters for Chinese)
    and the speaker (similarity to the sample ≥ 0.80). An organisation can use its own words with
    `clone --consent-text TEXT` (and `studio --consent-text TEXT`).
    """
    from cosyclone._exceptions import InvalidRequestError, Problem
    from cosyclone.cli._output import fail
    from cosyclone.ops.consent import consent_languages, default_consent_text

    if language not in consent_languages():
        fail(InvalidRequestError([Problem("--language", language, f"one of {', '.join(consent_languages())}")]))
    typer.echo(default_consent_text(language))


def register(app: typer.Typer) -> None:
    app.command("consent-text")(consent_text)
