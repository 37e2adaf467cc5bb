"""The MCP ``clone_voice`` tool takes the same consent arguments as ``clone --consent``, through the SDK client."""

from __future__ import annotations

from pathlib import Path

import pytest

from cosyclone.audio.recognize import recognizer_available
from tests.conftest import AUDIO_FIXTURES
from tests.mcp.stdio_agent import connect

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(not recognizer_available(), reason="needs the offline recogniser (cosyclone[quality])"),
]

SAMPLE = str(AUDIO_FIXTURES / "good" / "flite-awb.wav")
CONSENT = str(AUDIO_FIXTURES / "consent" / "flite-awb-consent.wav")
WRONG_SPEAKER = str(AUDIO_FIXTURES / "consent" / "flite-slt-consent.wav")


async def test_clone_voice_verifies_the_consent_and_keeps_it(tmp_path: Path, base_url: str) -> None:
    async with connect(tmp_path, "--base-url", base_url) as agent:
        refused = await agent.error("clone_voice", sample=SAMPLE, prefix="awb", consent=WRONG_SPEAKER)
        assert "ConsentRefusedError" in refused and "consent refused: speaker:" in refused and "< 0.80" in refused
        assert (await agent.ok("list_voices"))["count"] == 0

        cloned = await agent.ok("clone_voice", sample=SAMPLE, prefix="awb", consent=CONSENT)
        assert cloned["consent"]["verified"] is True and cloned["consent"]["speaker_similarity"] >= 0.80
        shown = await agent.ok("get_voice", voice=cloned["voice_id"])
        assert shown["consent"]["sha256"] == cloned["consent"]["sha256"]
        assert shown["consent"]["text"] == cloned["consent"]["text"]
