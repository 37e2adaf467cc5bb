"""The client's shape (issue 20): one HTTP stack (no hand-written HTTP/1.1 codec), no import cycles among its
modules (imports anywhere in a module count, ``TYPE_CHECKING`` blocks aside), no function over 80 lines and no
file over 500 lines."""

from __future__ import annotations

import ast
from pathlib import Path

CLIENT = Path(__file__).resolve().parents[2] / "src" / "cosyclone" / "client"
PACKAGE = "cosyclone.client"


def _modules() -> dict[str, ast.Module]:
    return {
        f"{PACKAGE}.{path.stem}" if path.stem != "__init__" else PACKAGE: ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(CLIENT.glob("*.py"))
    }


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(inner) for inner in ast.walk(node)}
    return skipped


def _imports(name: str, tree: ast.Module, known: set[str]) -> set[str]:
    skipped = _type_checking_nodes(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {module for module in found if module in known and module != name}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_no_import_cycle_in_the_client() -> None:
    modules = _modules()
    graph = {name: _imports(name, tree, set(modules)) for name, tree in modules.items()}
    graph[PACKAGE] = set()  # the package's __init__ re-exports; submodules importing siblings is not a cycle
    assert _cycle(graph) is None, " → ".join(_cycle(graph) or [])


def test_the_cycle_finder_finds_one() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_one_http_stack() -> None:
    for path in CLIENT.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "HTTP/1.1" not in text and "h11" not in text.split('"""', 2)[-1], f"{path.name} speaks HTTP itself"
    assert not (CLIENT / "_http11.py").exists() and not (CLIENT / "_fast_http.py").exists()


def test_functions_and_files_are_small() -> None:
    for path in CLIENT.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 500, f"{path.name} has {len(text.splitlines())} lines"
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                assert length <= 80, f"{path.name}:{node.lineno} {node.name} has {length} lines"
