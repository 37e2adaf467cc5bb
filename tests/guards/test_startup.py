"""Start-up stays light: ``import cosyclone`` and ``cosyclone --help`` (each in a fresh interpreter) load none of
the heavy libraries nor any command module, and the static command list that makes that possible cannot drift
from the commands themselves."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer.main
from typer import _click
from typer.core import TyperGroup

from cosyclone.cli._lazy import load_command
from cosyclone.cli.app import COMMANDS, app

HEAVY = ("pydantic", "httpx", "numpy", "av", "websockets", "anyio", "rich", "soundfile", "scipy")
#: Runs the console script's entry point with ``--help`` and reports what it loaded, on stderr.
RUN_CLI = (
    "import json, sys; sys.argv = ['cosyclone', *{args!r}]\n"
    "from cosyclone.cli.app import main\n"
    "try:\n    main()\nexcept SystemExit:\n    pass\n"
    "sys.stderr.write(json.dumps(sorted(sys.modules)))"
)


def _modules_after(code: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules: list[str] = json.loads(done.stderr.splitlines()[-1])
    return modules


def _heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if m.split(".")[0] in HEAVY]


def test_import_cosyclone_loads_nothing_heavy() -> None:
    modules = _modules_after("import json, sys, cosyclone; sys.stderr.write(json.dumps(sorted(sys.modules)))")
    assert _heavy(modules) == []
    assert not [m for m in modules if m.startswith(("cosyclone.schema.base", "cosyclone.client", "cosyclone.cli"))]


@pytest.mark.parametrize("args", [["--help"], [], ["--version"]])
def test_top_level_help_loads_nothing_heavy_and_no_command(args: list[str]) -> None:
    modules = _modules_after(RUN_CLI.format(args=args))
    assert _heavy(modules) == []
    loaded_commands = [name for name, entry in COMMANDS.items() if entry.module in modules]
    assert loaded_commands == []


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_commands_help_loads_only_that_command(name: str) -> None:
    modules = _modules_after(RUN_CLI.format(args=[name, "--help"]))
    assert [other for other, entry in COMMANDS.items() if entry.module in modules] == [name]
    # typer itself coerces a command's parameters through pydantic, so only the network and audio stacks here.
    assert [m for m in _heavy(modules) if m.split(".")[0] not in ("pydantic", "rich")] == []


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_summary_is_the_first_sentence_of_the_commands_help(name: str) -> None:
    command = load_command(name, COMMANDS[name].module)
    assert command.name == name
    assert not command.hidden
    assert command.get_short_help_str(10**6) == COMMANDS[name].summary


@pytest.mark.parametrize("width", [60, 80, 100, 140])
def test_the_command_list_is_what_typer_writes_with_every_command_loaded(width: int) -> None:
    group = typer.main.get_command(app)
    ctx = _click.Context(group, terminal_width=width, max_content_width=width)
    lazy, eager = ctx.make_formatter(), ctx.make_formatter()
    group.format_commands(ctx, lazy)
    assert isinstance(group, TyperGroup)
    TyperGroup.format_commands(group, ctx, eager)  # typer's own: loads every command
    assert lazy.getvalue() == eager.getvalue()
    assert list(group.commands) == list(COMMANDS)


def test_a_mistyped_command_still_gets_a_suggestion() -> None:
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["speek"])
    assert result.exit_code == 2
    assert "No such command 'speek'" in result.output and "'speak'" in result.output
