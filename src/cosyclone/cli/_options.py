"""Options shared by several commands: the clone options of ``clone``, ``prepare`` and ``compare``, derived from
their one declaration (:mod:`cosyclone.schema.clone_options`), and ``--skip-catalog-check`` / ``--json``.

Who may import it: ``cli/``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any, Optional

import typer

from cosyclone.schema.clone_options import CloneOptionSpec, cli_clone_options

SkipCatalogCheck = Annotated[
    bool,
    typer.Option("--skip-catalog-check", help="Send even if the model/region catalog says no (service changed)."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _parameter(spec: CloneOptionSpec, default: Any) -> inspect.Parameter:
    """One CLI option for a declared clone option: a switch (off: not sent) or ``--x/--no-x``, a list taking one
    value per use, or a value (``None``: the declared default)."""
    annotation: Any
    if spec.kind is bool and "/" not in spec.cli_flag:
        annotation, option = bool, typer.Option(False, spec.cli_flag, help=spec.help)
    elif spec.kind is bool:
        annotation = Optional[bool]  # noqa: UP045 (a runtime type for typer)
        option = typer.Option(default, spec.cli_flag, help=spec.help)
    elif spec.kind is list:
        annotation = Optional[list[str]]  # noqa: UP045
        option = typer.Option(None, spec.cli_flag, metavar=spec.metavar, help=spec.help)
    elif default is inspect.Parameter.empty:
        annotation, option = spec.kind, typer.Option(..., spec.cli_flag, metavar=spec.metavar, help=spec.help)
    else:
        annotation = spec.kind if default is not None else Optional[spec.kind]  # noqa: UP045
        option = typer.Option(default, spec.cli_flag, metavar=spec.metavar, help=spec.help)
    return inspect.Parameter(spec.name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=annotation)


def with_clone_options(
    command: Callable[..., None], name: str, *, before: str, defaults: dict[str, Any] | None = None
) -> Callable[..., None]:
    """``command`` with the clone options CLI command ``name`` offers inserted into its signature before its
    parameter ``before``; they reach it in ``**clone``, keyed by declared name (see :func:`clone_values`).
    ``defaults`` overrides a declared default for this command (``compare``'s prefix)."""
    defaults = defaults or {}
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    at = next(i for i, p in enumerate(own) if p.name == before)
    declared = [
        _parameter(spec, defaults.get(spec.name, inspect.Parameter.empty if spec.required else spec.default))
        for spec in cli_clone_options(name)
    ]
    head = [p.replace(kind=inspect.Parameter.POSITIONAL_OR_KEYWORD) for p in own[:at]]
    tail = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own[at:]]
    command.__signature__ = signature.replace(parameters=[*head, *declared, *tail])  # type: ignore[attr-defined]
    return command


def clone_values(name: str, values: dict[str, Any]) -> dict[str, Any]:
    """The clone options CLI command ``name`` parsed, keyed by declared name: an unset switch or an empty list is
    ``None`` (the declared default; not sent)."""
    parsed = {}
    for spec in cli_clone_options(name):
        value = values.get(spec.name)
        switch_off = value is False and spec.kind is bool and "/" not in spec.cli_flag
        parsed[spec.name] = None if switch_off or value == [] else value
    return parsed
