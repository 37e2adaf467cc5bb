"""Read the imports of cosyclone's modules (no import is executed): the helper of the layering guards."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import cosyclone

SRC = Path(cosyclone.__file__).parent


@dataclass(frozen=True)
class Module:
    name: str  # e.g. "cosyclone.cli.voices"
    path: Path

    @property
    def package(self) -> str:
        """The package the module belongs to (itself for an ``__init__``)."""
        return self.name if self.path.name == "__init__.py" else self.name.rpartition(".")[0]


def all_modules() -> list[Module]:
    modules = []
    for path in sorted(SRC.rglob("*.py")):
        parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules.append(Module(".".join(parts), path))
    return modules


def _import_statements(module: Module, *, runtime_only: bool = False) -> list[tuple[str, list[str]]]:
    """Each import of the module as ``(base, names)`` with relative imports resolved: ``import a.b`` gives
    ``("a.b", [])``, ``from a import b, c`` gives ``("a", ["b", "c"])``. ``runtime_only`` skips the imports under
    ``if TYPE_CHECKING:`` (they never run)."""
    tree = ast.parse(module.path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    if runtime_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                skipped.update(id(inner) for child in node.body for inner in ast.walk(child))
    statements: list[tuple[str, list[str]]] = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            statements.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            statements.append((base, [alias.name for alias in node.names]))
    return statements


def imported_names(module: Module) -> set[str]:
    """Every ``cosyclone…`` name the module imports — top level, inside functions and under ``TYPE_CHECKING`` —
    with relative imports resolved; ``from a import b`` yields both ``a`` and ``a.b`` (b may be a module)."""
    found: set[str] = set()
    for base, names in _import_statements(module):
        found.add(base)
        found.update(f"{base}.{name}" for name in names)
    return {name for name in found if name.split(".")[0] == "cosyclone"}


def runtime_imports(module: Module, modules: set[str]) -> set[str]:
    """The modules among ``modules`` that ``module`` imports when it runs (``TYPE_CHECKING`` blocks skipped):
    ``import a.b`` → ``a.b``; ``from a import b`` → ``a.b`` when that is a module, else ``a``."""
    found: set[str] = set()
    for base, names in _import_statements(module, runtime_only=True):
        if not names:
            found.add(base)
        for name in names:
            found.add(f"{base}.{name}" if f"{base}.{name}" in modules else base)
    return {name for name in found if name in modules and name != module.name}


def imports_under(module: Module, prefix: str) -> set[str]:
    """The names the module imports that are ``prefix`` or inside it."""
    return {n for n in imported_names(module) if n == prefix or n.startswith(prefix + ".")}


def private_owner(name: str) -> str | None:
    """For ``a.b._c.d``: the package ``a.b`` whose private module it is (``None`` if nothing in it is private)."""
    parts = name.split(".")
    for index, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:index])
    return None
