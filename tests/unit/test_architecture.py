"""Guards on the architecture: the layering of imports, the public surface, and docs generated from code."""

from __future__ import annotations

import ast
from pathlib import Path

import cosyclone
from cosyclone.cli.docgen import render

SRC = Path(cosyclone.__file__).parent
ROOT = SRC.parent.parent


def imports_of(path: Path) -> set[str]:
    """Every ``cosyclone…`` module a file imports (top level and inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.split(".")[0] == "cosyclone"}


def modules_under(package: str) -> list[Path]:
    return sorted((SRC / package).rglob("*.py"))


def test_schema_and_catalog_import_nothing_of_ours() -> None:
    for path in [*modules_under("schema"), SRC / "catalog.py"]:
        foreign = {m for m in imports_of(path) if not m.startswith("cosyclone.schema")}
        assert not foreign, f"{path.relative_to(SRC)} imports {foreign}"


def test_client_and_emulator_never_import_each_other() -> None:
    for path in modules_under("client"):
        assert not {m for m in imports_of(path) if m.startswith("cosyclone.emulator")}, path
    for path in modules_under("emulator"):
        assert not {m for m in imports_of(path) if m.startswith(("cosyclone.client", "cosyclone.cli"))}, path


def test_audio_is_below_client_and_cli() -> None:
    for path in modules_under("audio"):
        assert not {
            m for m in imports_of(path) if m.startswith(("cosyclone.client", "cosyclone.cli", "cosyclone.emulator"))
        }


def test_public_surface_is_pinned() -> None:
    assert sorted(cosyclone.__all__) == cosyclone.__all__
    for name in cosyclone.__all__:
        assert hasattr(cosyclone, name), name
    assert "CosycloneError" in cosyclone.__all__ and "prepare_clone" in cosyclone.__all__


def test_every_error_class_says_what_to_do() -> None:
    from cosyclone import _exceptions as errors

    for name in dir(errors):
        cls = getattr(errors, name)
        if isinstance(cls, type) and issubclass(cls, errors.APIStatusError):
            assert cls.default_hint, name


def test_cli_reference_is_current() -> None:
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == render(), "run `make docs`"
