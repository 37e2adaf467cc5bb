"""Write the CLI reference (``docs/cli.md``) from the commands' own ``--help`` texts.

``python -m cosyclone.cli.docgen > docs/cli.md`` (``make docs``); a test regenerates it and compares, so the
reference cannot go stale.
"""

from __future__ import annotations

from typing import Any

import typer.main
from typer.testing import CliRunner

from cosyclone.cli.app import app

HEADER = """# cosyclone CLI reference

Generated from `--help` by `make docs` (`python -m cosyclone.cli.docgen`); do not edit by hand.
"""


def _help(runner: CliRunner, path: list[str]) -> str:
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"})
    return result.output.rstrip()


def _walk(runner: CliRunner, command: Any, path: list[str]) -> list[str]:
    title = " ".join(["cosyclone", *path])
    sections = [f"## `{title}`\n\n```text\n{_help(runner, path)}\n```\n"]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        if not getattr(sub, "hidden", False):
            sections.extend(_walk(runner, sub, [*path, name]))
    return sections


def render() -> str:
    """The whole reference as Markdown (stable: fixed width, no terminal colours)."""
    runner = CliRunner()
    return HEADER + "\n" + "\n".join(_walk(runner, typer.main.get_command(app), []))


if __name__ == "__main__":
    print(render(), end="")
