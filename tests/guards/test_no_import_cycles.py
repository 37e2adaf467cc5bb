"""No import circles anywhere in the package (issue 20): an import inside a function counts, one under
``if TYPE_CHECKING:`` does not (it never runs). Read from the code, nothing imported.

A module's edges are the cosyclone modules it names: ``import a.b`` → ``a.b``; ``from a import b`` → ``a.b`` when
``b`` is a module, else ``a``. (Importing ``a.b`` also runs ``a/__init__``; that implicit edge is not counted, as
import-linter and pydeps do not count it.)
"""

from __future__ import annotations

from tests.guards._imports import Module, all_modules, runtime_imports

MODULES = all_modules()
NAMES = {m.name for m in MODULES}

#: Circles inside client/ and emulator/ that their own helpers are cutting (issue 20): each entry is
#: the exact set of modules of one circle. It may only shrink — the integrator removes it once they have merged.
#: A new circle, or a known one that grew, fails the test. Empty since the merge of emusplit step 1 (which cut
#: engine_choice → speech_engine → voice_binding → voice_engine) and ops (quality ↔ voice_ops); the client's
#: _fast_http → _steps → _transport circle runs only under TYPE_CHECKING, which does not count.
KNOWN_CYCLES: list[frozenset[str]] = []


def _runtime_imports(module: Module) -> set[str]:
    """The cosyclone modules ``module`` imports when it runs (``TYPE_CHECKING`` blocks skipped)."""
    return runtime_imports(module, NAMES)


def import_graph() -> dict[str, set[str]]:
    return {module.name: _runtime_imports(module) for module in MODULES}


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def test_the_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [frozenset({"a", "b", "c"})]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles() -> None:
    found = cycles(import_graph())
    unexpected = [sorted(c) for c in found if c not in KNOWN_CYCLES]
    assert not unexpected, f"import circles: {unexpected}"


def test_every_known_cycle_is_still_there() -> None:
    found = cycles(import_graph())
    fixed = [sorted(c) for c in KNOWN_CYCLES if c not in found]
    assert not fixed, f"remove the fixed circles from KNOWN_CYCLES: {fixed}"
