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


def imported_names(module: Module) -> set[str]:
    """Every ``cosyclone…`` name the module imports — top level, inside functions and under ``TYPE_CHECKING`` —
    with relative imports resolved; ``from a import b`` yields both ``a`` and ``a.b`` (b may be a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(module.path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] == "cosyclone"}


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
