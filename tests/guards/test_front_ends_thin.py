"""The voice commands of the CLI and the MCP tools are thin: they parse, call :mod:`cosyclone.ops.voices` /
:mod:`cosyclone.ops.clone`, and render. Neither touches the registry or the client's voice operations itself, and
both call the same library functions (so the CLI and MCP views of a voice cannot drift apart again)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.guards._imports import SRC

FRONT_ENDS = [SRC / "cli" / "voices.py", SRC / "cli" / "clone.py", SRC / "mcp" / "tools.py"]
SHARED = {"list_voices", "show_voice", "delete_voice", "resolve_voice"}


def _attribute_uses(path: Path) -> set[str]:
    return {
        node.attr for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(node, ast.Attribute)
    }


@pytest.mark.parametrize("path", FRONT_ENDS, ids=lambda p: p.name)
def test_no_registry_or_voice_operation_in_a_front_end(path: Path) -> None:
    used = _attribute_uses(path)
    assert not used & {"registry", "voices", "mark_deleted", "set_status", "write_json"}, path.name


def test_both_front_ends_call_the_same_voice_operations() -> None:
    for path in (SRC / "cli" / "voices.py", SRC / "mcp" / "tools.py"):
        missing = SHARED - _attribute_uses(path)
        assert not missing, f"{path.name} does not call voice_ops.{missing}"
