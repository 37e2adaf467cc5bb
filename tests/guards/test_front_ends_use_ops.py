"""The front ends (``cli/``, ``mcp/``, and the web studio to come) stand on the library layer only: at run time
they import :mod:`cosyclone.ops`, the schema types (and the catalog's facts), the errors and the version — plus
their own package. Everything else (client, registry, audio, quality, emulator) is reached through ``ops``; a type
needed only to render a result may be imported under ``TYPE_CHECKING``. Nothing imports a front end (the one
launch edge, ``cosyclone mcp`` starting the MCP server, aside).
"""

from __future__ import annotations

import pytest

from tests.guards._imports import Module, all_modules, imported_names
from tests.guards.test_no_import_cycles import _runtime_imports

MODULES = all_modules()
FRONT_ENDS = ("cosyclone.cli", "cosyclone.mcp", "cosyclone.studio")
ALLOWED = ("cosyclone.ops", "cosyclone.schema", "cosyclone.catalog", "cosyclone._exceptions", "cosyclone._version")
#: ``cosyclone emulator`` is the emulator's own front end: it starts the server and reports its engine choice.
EXCEPTIONS = {
    "cosyclone.cli.emulator": {"cosyclone.emulator.server", "cosyclone.emulator.voice.engine_choice"},
    "cosyclone.cli.mcp": {"cosyclone.mcp.server"},  # the launch edges: `cosyclone mcp`, `cosyclone studio`
    "cosyclone.cli.studio": {"cosyclone.studio.app"},
}


def _under(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def _own(module: Module) -> str:
    return ".".join(module.name.split(".")[:2])


@pytest.mark.parametrize("module", [m for m in MODULES if _under(m.name, FRONT_ENDS)], ids=str)
def test_a_front_end_imports_only_ops_schema_and_errors(module: Module) -> None:
    foreign = {
        name for name in _runtime_imports(module) if not _under(name, (*ALLOWED, _own(module))) and name != "cosyclone"
    } - EXCEPTIONS.get(module.name, set())
    assert not foreign, f"{module.name} imports {sorted(foreign)}: go through cosyclone.ops"


#: ``python -m cosyclone`` runs the CLI.
ENTRY_POINTS = {"cosyclone.__main__"}


@pytest.mark.parametrize(
    "module", [m for m in MODULES if not _under(m.name, FRONT_ENDS) and m.name not in ENTRY_POINTS], ids=str
)
def test_nothing_imports_a_front_end(module: Module) -> None:
    found = {n for n in imported_names(module) if _under(n, FRONT_ENDS)}
    assert not found, f"{module.name} imports the front end {sorted(found)}"


def test_the_exceptions_are_still_needed() -> None:
    by_name = {m.name: m for m in MODULES}
    for importer, allowed in EXCEPTIONS.items():
        assert allowed <= _runtime_imports(by_name[importer]), f"{importer}: remove the exception {allowed}"
