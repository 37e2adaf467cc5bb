"""Talking to ``cosyclone mcp`` over stdio as an agent host does: spawn the server, open a session, call tools.

:func:`connect` spawns ``python -m cosyclone [global args] mcp`` with a planted API key, a temporary
COSYCLONE_HOME and a temporary working directory, and checks afterwards that the key appeared nowhere.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.types import CallToolResult, TextContent

from tests.conftest import PLANTED_KEY


class Agent:
    """An MCP client session that remembers every text it was given (to grep for the API key)."""

    def __init__(self, session: ClientSession, instructions: str | None) -> None:
        self.session = session
        self.instructions = instructions or ""
        self.texts: list[str] = []

    async def call(self, name: str, **arguments: Any) -> CallToolResult:
        result = await self.session.call_tool(name, arguments)
        self.texts.extend(block.text for block in result.content if isinstance(block, TextContent))
        return result

    async def ok(self, name: str, **arguments: Any) -> dict[str, Any]:
        """Call a tool that must succeed; its structured result."""
        result = await self.call(name, **arguments)
        assert not result.is_error, text_of(result)
        assert isinstance(result.structured_content, dict)
        assert json.loads(text_of(result)) == result.structured_content
        return result.structured_content

    async def error(self, name: str, **arguments: Any) -> str:
        """Call a tool that must fail; the text of its tool error."""
        result = await self.call(name, **arguments)
        assert result.is_error, text_of(result)
        text = text_of(result)
        assert "Traceback" not in text and 'File "' not in text
        return text


def text_of(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


@contextlib.asynccontextmanager
async def connect(tmp_path: Path, *global_args: str, api_key: str | None = PLANTED_KEY) -> AsyncIterator[Agent]:
    """Spawn ``cosyclone [global_args] mcp`` in tmp_path and open an initialized session with it."""
    env = {"HOME": str(tmp_path / "home"), "COSYCLONE_HOME": str(tmp_path / "cosyclone-home")}
    if os.environ.get("PYTHONPATH"):  # the checkout under test (a worktree's src/ before the installed one)
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    if api_key is not None:
        env["DASHSCOPE_API_KEY"] = api_key
    if "PYTHONPATH" in os.environ:  # the code under test (a worktree's src, ahead of the editable install)
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    (tmp_path / "home").mkdir(exist_ok=True)
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "cosyclone", *global_args, "mcp"], env=env, cwd=tmp_path
    )
    with (tmp_path / "server-stderr.log").open("w", encoding="utf-8") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as session:
            initialized = await session.initialize()
            agent = Agent(session, initialized.instructions)
            yield agent
    for text in agent.texts:
        assert PLANTED_KEY not in text
    stderr = (tmp_path / "server-stderr.log").read_text(encoding="utf-8")
    assert PLANTED_KEY not in stderr and "Traceback" not in stderr, stderr
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert PLANTED_KEY.encode() not in path.read_bytes(), f"API key leaked into {path}"
