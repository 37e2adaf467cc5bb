"""The MCP tool ``design_voice`` over stdio against the shared test emulator (contract §11.1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cosyclone.audio.io import decode
from tests.mcp.stdio_agent import connect

pytestmark = pytest.mark.anyio


async def test_design_voice_makes_a_voice_that_speaks(tmp_path: Path, base_url: str) -> None:
    async with connect(tmp_path, "--base-url", base_url) as agent:
        listed = {tool.name: tool for tool in (await agent.session.list_tools()).tools}
        schema = listed["design_voice"].input_schema
        assert schema["required"] == ["voice_prompt", "prefix"] and schema["additionalProperties"] is False
        assert schema["properties"]["preview_sample_rate"]["enum"] == [16000, 24000, 48000]
        designed = await agent.ok("design_voice", voice_prompt="an energetic young woman, fast", prefix="mcpvd")
        assert "-vd-mcpvd-" in designed["voice_id"] and designed["status"] == "OK"
        preview = Path(designed["preview_file"])
        assert preview.is_relative_to(tmp_path) and decode(preview.read_bytes()).sample_rate == 24000
        assert "synthesize" in designed["next_step"]
        spoken = await agent.ok("synthesize", text="Hello there.", voice=designed["voice_id"])
        assert spoken["model"] == "cosyvoice-v3.5-plus"
        shown = await agent.ok("get_voice", voice=designed["voice_id"])
        assert shown["kind"] == "designed" and shown["voice_prompt"] == "an energetic young woman, fast"
        refused = await agent.error("design_voice", voice_prompt="x" * 501, prefix="mcpvd")
        assert "voice_prompt" in refused
        qwen = await agent.error("design_voice", voice_prompt="calm", prefix="q", target_model="qwen3-tts-vd-1")
        assert "target_model" in qwen
