"""Commands loaded on first use (click's documented "lazily loading subcommands" pattern on typer's group).

``cosyclone --help`` lists every command with a one-line summary kept in a static table (:data:`Entry`), so
it imports none of the command modules (nor pydantic, httpx, numpy, which some of them need to build their
options); a command's module is imported only when that command runs, completes or shows its own help.
The summaries are checked against the loaded commands by a test (``tests/guards/test_startup.py``), so the
table cannot drift from the commands' docstrings. Who may import it: ``cli/app.py`` (and the tests).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from typing import ClassVar

import typer
import typer.main
from typer import _click
from typer.core import TyperGroup


@dataclass(frozen=True)
class Entry:
    """A command not yet loaded: the module whose ``register(app)`` adds it, and its summary for the list."""

    module: str
    summary: str


@functools.cache
def load_command(name: str, module: str) -> _click.Command:
    """Import ``module`` and build the command ``name`` its ``register(app)`` adds, as typer would.

    Once per process: typer builds a new group on every call of the app (the tests call it many times), and a
    ``register`` may not be repeatable (``speak`` extends its function's signature)."""
    holder = typer.Typer(add_completion=False, rich_markup_mode=None)
    importlib.import_module(module).register(holder)
    command = typer.main.get_group(holder).commands[name]
    return command


class LazyCommands(MutableMapping[str, _click.Command]):
    """A group's ``commands``: the names come from the table; each command is built when first looked up."""

    def __init__(self, table: dict[str, Entry]) -> None:
        self.table = table
        self._loaded: dict[str, _click.Command] = {}

    def __getitem__(self, name: str) -> _click.Command:
        if name not in self._loaded:
            if name not in self.table:
                raise KeyError(name)
            self._loaded[name] = load_command(name, self.table[name].module)
        return self._loaded[name]

    def __setitem__(self, name: str, command: _click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        yield from self.table
        yield from (name for name in self._loaded if name not in self.table)

    def __len__(self) -> int:
        return len(self.table) + sum(1 for name in self._loaded if name not in self.table)

    def summary(self, name: str) -> str | None:
        """The static summary of a command not loaded yet (None when it is loaded or not in the table)."""
        entry = self.table.get(name)
        return entry.summary if entry is not None and name not in self._loaded else None


class LazyGroup(TyperGroup):
    """A typer group whose commands come from :attr:`TABLE` (set by a subclass) and load on first use."""

    TABLE: ClassVar[dict[str, Entry]] = {}

    def __init__(self, **attrs: object) -> None:
        super().__init__(**attrs)  # type: ignore[arg-type]
        self.commands = LazyCommands(self.TABLE)

    def list_commands(self, ctx: _click.Context) -> list[str]:
        return list(self.commands)  # names only: typer's own lists items(), which would load every command

    def format_commands(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        """The command list of ``--help`` exactly as typer writes it, from the summaries (nothing imported)."""
        assert isinstance(self.commands, LazyCommands)
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            summary = self.commands.summary(name)
            if summary is not None:
                rows.append((name, _click.utils.make_default_short_help(summary, limit)))
            elif not self.commands[name].hidden:
                rows.append((name, self.commands[name].get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)
