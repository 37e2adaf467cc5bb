"""Every clone option is declared once (``schema/clone_options.py``) and shows up — and only the declared ones —
in the CLI flags of ``clone`` / ``prepare`` / ``compare``, the MCP ``clone_voice`` tool, the wire models, the
client's keyword arguments and the catalog's model check."""

from __future__ import annotations

import asyncio
from typing import Any

from cosyclone.catalog import TARGET_MODELS, models_accepting
from cosyclone.cli._lazy import load_command
from cosyclone.cli.app import COMMANDS
from cosyclone.ops.session import Session
from cosyclone.schema.clone import VoiceCloneRequest
from cosyclone.schema.clone_options import (
    CloneOptions,
    CloneWireOptions,
    CloneWireOptionsDict,
    cli_clone_options,
    clone_options,
    wire_clone_options,
)
from cosyclone.schema.enrollment import CreateVoiceInput


def _flags(name: str) -> set[str]:
    command = load_command(name, COMMANDS[name].module)
    return {flag for param in command.params for flag in (*param.opts, *param.secondary_opts)}


def _declared_flags(command: str) -> set[str]:
    return {flag for spec in cli_clone_options(command) for flag in spec.cli_flag.split("/")}


def test_every_option_is_read_from_the_declaration() -> None:
    assert [spec.name for spec in clone_options()][:2] == ["prefix", "target_model"]
    assert {spec.name for spec in clone_options()} == set(CloneOptions.model_fields)
    assert {spec.name for spec in wire_clone_options()} == set(CloneWireOptions.model_fields)


def test_the_cli_commands_offer_the_declared_flags() -> None:
    assert _declared_flags("clone") == {flag for spec in clone_options() for flag in spec.cli_flag.split("/")}
    for command in ("clone", "prepare", "compare"):
        assert _declared_flags(command) <= _flags(command), command
    assert _declared_flags("compare") == {"--prefix"}


def test_the_mcp_clone_tool_offers_every_option_the_cli_clone_offers() -> None:
    from cosyclone.mcp.server import build_server

    async def listed() -> dict[str, Any]:
        tools = await build_server(Session()).list_tools()
        return {tool.name: tool.input_schema for tool in tools}

    schema = asyncio.run(listed())["clone_voice"]
    assert {spec.mcp_name for spec in cli_clone_options("clone")} <= set(schema["properties"])
    assert {"enable_volume_normalization", "upload"} <= set(schema["properties"])
    assert schema["properties"]["upload"]["enum"] == ["auto", "data-uri", "oss"]


def test_the_wire_models_and_the_client_take_the_wire_options() -> None:
    wire = set(CloneWireOptions.model_fields)
    assert wire <= set(CreateVoiceInput.model_fields) and wire <= set(VoiceCloneRequest.model_fields)
    assert set(CloneWireOptionsDict.__annotations__) == wire


def test_the_catalog_reads_which_models_accept_an_option() -> None:
    for spec in wire_clone_options():
        if spec.models is not None:
            assert set(spec.models) <= set(TARGET_MODELS), spec.name
            assert set(models_accepting(spec.name)) == set(spec.models), spec.name
