"""Every command in the ```bash blocks of skills/cosyvoice-voice-clone/SKILL.md really runs.

The commands run in document order, one ``bash -c`` each, in a temporary working directory with a temporary
COSYCLONE_HOME and HOME, ``cosyclone`` from this interpreter's environment first on PATH. Commands without
``--emulator`` reach the shared test emulator through ``DASHSCOPE_HTTP_BASE_URL`` /
``DASHSCOPE_WEBSOCKET_BASE_URL`` and a planted API key; ``--emulator`` ones start their own embedded emulator.
Placeholders: ``sample.wav`` is a good fixture, ``raw-take.wav`` a fixable bad one. A command must exit 0
unless its line ends with a comment ``# exit N``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from cosyclone.audio.io import decode
from cosyclone.emulator.server import EmulatorServer
from tests.conftest import AUDIO_FIXTURES, PLANTED_KEY
from tests.helpers.emulator_fixtures import emulator  # noqa: F401

SKILL = Path(__file__).resolve().parents[2] / "skills" / "cosyvoice-voice-clone" / "SKILL.md"
PLACEHOLDERS = {
    "sample.wav": AUDIO_FIXTURES / "good" / "librivox-reader-15s.wav",
    "raw-take.wav": AUDIO_FIXTURES / "bad" / "float32.wav",
}
_BLOCK = re.compile(r"^```bash\n(.*?)^```", re.MULTILINE | re.DOTALL)
_EXPECTED = re.compile(r"#\s*exit\s+(\d+)\b")


@dataclass(frozen=True)
class Command:
    line: str
    expected_exit: int


def skill_commands(text: str) -> list[Command]:
    """The commands of every ```bash block (continuation lines joined, comment-only lines skipped)."""
    commands: list[Command] = []
    for block in _BLOCK.findall(text):
        pending = ""
        for raw in block.splitlines():
            line = pending + raw.strip()
            if line.endswith("\\"):
                pending = line[:-1].rstrip() + " "
                continue
            pending = ""
            if not line or line.startswith("#"):
                continue
            expected = _EXPECTED.search(line)
            commands.append(Command(line, int(expected.group(1)) if expected else 0))
    return commands


def test_skill_has_front_matter_and_the_seed_rules() -> None:
    text = SKILL.read_text(encoding="utf-8")
    front = text.split("---\n")[1]
    assert "name: cosyvoice-voice-clone" in front and "description: Use when" in front
    for fact in (
        "cosyvoice-v3.5-plus",
        "cosyvoice-v3.5-flash",
        "cosyvoice-v3-plus",
        "cosyvoice-v3-flash",
        "cosyvoice-v2",
        "voice-enrollment",
        "ap-southeast-1",
        "letters and digits only, at most 10",
        "output/aliyun-cosyvoice-voice-clone/",
        "--emulator",
        "--json",
        "cosyclone mcp",
        "Exit codes",
    ):
        assert fact in text, fact
    commands = skill_commands(text)
    assert len(commands) >= 10
    assert all(c.line.startswith(("cosyclone ", "printf ")) for c in commands)
    assert {c.expected_exit for c in commands} >= {0, 2, 3}


def test_every_skill_command_runs(
    emulator: EmulatorServer,  # noqa: F811
    isolated_env: dict[str, str],
    tmp_path: Path,
) -> None:
    for name, source in PLACEHOLDERS.items():
        shutil.copyfile(source, tmp_path / name)
    bin_dir = str(Path(sys.executable).parent)
    env = {
        **isolated_env,
        **emulator.env(),
        "DASHSCOPE_API_KEY": PLANTED_KEY,
        "PATH": bin_dir + ":" + isolated_env.get("PATH", "/usr/bin:/bin"),
    }
    commands = skill_commands(SKILL.read_text(encoding="utf-8"))
    for command in commands:
        proc = subprocess.run(
            ["bash", "-c", command.line],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert proc.returncode == command.expected_exit, (
            f"{command.line}\nexit {proc.returncode}, expected {command.expected_exit}\n"
            f"stdout: {proc.stdout[-2000:]}\nstderr: {proc.stderr[-2000:]}"
        )
        assert PLANTED_KEY not in proc.stdout + proc.stderr, command.line

    # What the commands promise was really made.
    assert decode(tmp_path / "hello.mp3").info.duration_s > 0.5
    assert decode(tmp_path / "welcome.mp3").info.duration_s > 0.5
    assert decode(tmp_path / "fixed.wav").info.bit_depth == 16
    assert (tmp_path / "audio" / "manifest.json").exists()
    assert not (tmp_path / "wrong.mp3").exists()
    evidence = tmp_path / "output" / "aliyun-cosyvoice-voice-clone"
    for name in (
        "request.json",
        "preflight.json",
        "clone.json",
        "speak.json",
        "delete.json",
        "validate.txt",
        "score.json",
    ):
        assert (evidence / name).exists(), name
    # The commands without --emulator went to the test emulator (and so never to Alibaba Cloud).
    assert json.loads((evidence / "clone.json").read_text())["base_url"] == emulator.http_base_url
    assert len(json.loads((evidence / "compare.json").read_text())["ranking"]) == 2
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert PLANTED_KEY.encode() not in path.read_bytes(), f"API key leaked into {path}"


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("cosyclone check a.wav\n", [Command("cosyclone check a.wav", 0)]),
        ("# note\ncosyclone x \\\n  --y   # exit 3: why\n\n", [Command("cosyclone x --y   # exit 3: why", 3)]),
    ],
)
def test_command_extraction(block: str, expected: list[Command]) -> None:
    assert skill_commands(f"text\n```bash\n{block}```\n```json\n{{}}\n```\n") == expected
