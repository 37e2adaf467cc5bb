"""The error corpus through the MCP server: the same mistakes as ``tests/cli/test_error_corpus.py`` give the same
sentence (field, value, rule, what to do) as the CLI — never pydantic's raw report, never a traceback.

One server (``cosyclone --base-url <emulator> mcp``) answers every case in turn, as an agent would meet them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AUDIO_FIXTURES
from tests.mcp.stdio_agent import connect

pytestmark = pytest.mark.anyio

WAV = str(AUDIO_FIXTURES / "good" / "flite-awb.wav")

#: (tool, arguments, words every one of which the tool error must contain, words it must not contain)
CASES: list[tuple[str, dict[str, Any], tuple[str, ...], tuple[str, ...]]] = [
    ("synthesize", {"text": 5, "voice": "narrator"}, ("InvalidRequestError", "text=5", "valid string", "hint:"), ()),
    ("clone_voice", {"sample": ["a.wav"], "prefix": "x"}, ("sample=", "valid string", "clone_voice"), ()),
    ("synthesize", {"text": "Hi.", "voice": "narrator", "volume": "loud"}, ("volume='loud'", "integer"), ()),
    ("list_voices", {"page_size": "many"}, ("page_size", "is not an argument of list_voices"), ()),
    ("synthesize", {"text": "Hi.", "voice": "narator"}, ("narator", "did you mean", "narrator"), ("model=None",)),
    ("get_voice", {"voice": "narator"}, ("narator", "did you mean", "narrator"), ()),
    ("synthesize", {"text": "Hi.", "voice": "zzqqxx"}, ("zzqqxx", "registry", "model"), ("model=None",)),
    (
        "synthesize",
        {"text": "Hi.", "voice": "narrator", "format": "opus", "sample_rate": 22050, "output_path": "a.opus"},
        ("sample_rate=22050", "opus", "24000"),
        (),
    ),
    ("clone_voice", {"sample": "missing.wav", "prefix": "x"}, ("sample", "missing.wav", "no such file"), ()),
    ("clone_voice", {"sample": WAV, "prefix": "my-voice"}, ("prefix='my-voice'", "letters and digits"), ()),
    ("delete_voice", {"voice": "narrator", "confirm": False}, ("confirm",), ()),
    ("synthesize", {"text": "Hi.", "voice": "narrator", "volume": 300}, ("volume", "100"), ()),
]


async def test_the_same_mistakes_give_the_cli_sentences(tmp_path: Path, base_url: str) -> None:
    async with connect(tmp_path, "--base-url", base_url) as agent:
        await agent.ok("clone_voice", sample=WAV, prefix="narrator")
        for tool, arguments, words, absent in CASES:
            message = await agent.error(tool, **arguments)
            assert "validation error for" not in message and "errors.pydantic.dev" not in message, message
            assert "Traceback" not in message
            for word in words:
                assert word in message, f"{tool}{arguments}: {word!r} missing from\n{message}"
            for word in absent:
                assert word not in message, f"{tool}{arguments}: {word!r} in\n{message}"
