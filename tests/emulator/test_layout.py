"""The emulator's layout (issue 20 items 3, 5, 6): subpackages by concern, no import circle inside it (imports
anywhere in a module count, ``TYPE_CHECKING`` blocks aside), the layers' directions, and small pieces."""

from __future__ import annotations

import ast
from pathlib import Path

import cosyclone.emulator

ROOT = Path(cosyclone.emulator.__file__).parent
PACKAGE = "cosyclone.emulator"


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = [PACKAGE, *path.relative_to(ROOT).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The emulator modules ``path`` imports, wherever in the module, except under ``if TYPE_CHECKING:``."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                name = f"{node.module}.{alias.name}"
                found.add(name if name in modules else node.module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {name for name in found if name in modules}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def test_no_import_circle_in_the_emulator() -> None:
    assert _cycle(_graph()) is None


def test_at_most_14_modules_at_the_top_and_the_three_subpackages() -> None:
    top = sorted(p.name for p in ROOT.glob("*.py"))
    assert len(top) <= 14, top
    assert {"api", "state", "voice"} <= {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}


def test_layers_point_one_way() -> None:
    """voice/ imports neither api/ nor state/; state/ never imports api/."""
    for name, imported in _graph().items():
        if name.startswith(f"{PACKAGE}.voice"):
            assert not {m for m in imported if m.startswith((f"{PACKAGE}.api", f"{PACKAGE}.state"))}, name
        if name.startswith(f"{PACKAGE}.state"):
            assert not {m for m in imported if m.startswith(f"{PACKAGE}.api")}, name


def test_files_under_500_lines_and_functions_under_80() -> None:
    for name, path in _modules().items():
        text = path.read_text(encoding="utf-8")
        assert text.count("\n") <= 500, name
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                assert node.end_lineno - node.lineno + 1 <= 80, f"{name}.{node.name}"
