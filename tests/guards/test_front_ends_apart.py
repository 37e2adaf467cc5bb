"""Importing the MCP server loads none of the CLI (checked in a fresh interpreter), and the CLI loads none of the
MCP server until the ``mcp`` command runs."""

from __future__ import annotations

import json
import subprocess
import sys


def _loaded(statement: str, prefix: str) -> list[str]:
    """The ``prefix…`` modules a fresh interpreter has loaded after running ``statement``."""
    code = (
        f"import json, sys; {statement}; "
        f"print(json.dumps(sorted(m for m in sys.modules if m == {prefix!r} or m.startswith({prefix + '.'!r}))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded: list[str] = json.loads(out)
    return loaded


def test_importing_the_mcp_server_imports_no_cli() -> None:
    assert _loaded("import cosyclone.mcp.server", "cosyclone.cli") == []


def test_importing_the_cli_imports_no_mcp_server() -> None:
    assert _loaded("import cosyclone.cli.app", "cosyclone.mcp.server") == []


def test_building_the_mcp_server_imports_no_cli() -> None:
    statement = (
        "from cosyclone.mcp.server import build_server; from cosyclone.ops.session import Session; "
        "build_server(Session())"
    )
    assert _loaded(statement, "cosyclone.cli") == []
