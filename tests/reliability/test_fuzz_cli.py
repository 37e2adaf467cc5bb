"""Bad input, generated: ``cosyclone`` argument lists, in-process (typer's CliRunner) and as real processes.

Whatever the arguments, the CLI ends with a documented exit code (0 ok, 1 saved response invalid or declined,
2 bad input, 3 sample failed, 4 service refused, 5 network), never a Python traceback, and never shows the API
key. The service is the shared emulator; generated URLs stay on this machine (the package's tripwire refuses DNS
and non-loopback connections in-process; subprocesses only get fixed 127.0.0.1 URLs).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cosyclone.cli.app import app
from cosyclone.emulator.server import EmulatorServer
from tests.conftest import AUDIO_FIXTURES, PLANTED_KEY
from tests.helpers.emulator_fixtures import SampleServer
from tests.reliability.conftest import EXPLORE, EXPLORE_FACTOR

EXIT_CODES = {0, 1, 2, 3, 4, 5, 6}  # the table in cli/exit_codes.py (70 is a bug, 141 needs a pipe)
GOOD = str(AUDIO_FIXTURES / "good" / "flite-awb.wav")
BAD = str(AUDIO_FIXTURES / "bad" / "short-3s.wav")
NOT_AUDIO = str(AUDIO_FIXTURES / "bad" / "not-audio.wav")

GLOBALS = [
    ["--region", "ap-southeast-1"],
    ["--region", "mars"],
    ["--workspace", "ws-1"],
    ["--no-evidence"],
    ["--evidence-dir", "ev"],
    ["--verbose"],
    ["--base-url", "http://127.0.0.1:9/api/v1"],  # nothing listens on port 9: network errors
]
VOICE = "cosyvoice-v3.5-plus-ghost-0123456789abcdef0123456789abcdef"

#: Each command with its arguments: (literal, or a pool name) — then a few optional flags.
TEMPLATES: dict[str, tuple[list[str], list[list[str]]]] = {
    "check": (["SAMPLE"], [["--json"], ["--plot", "plot.png"], ["--fix", "fix.wav"], ["SAMPLE"]]),
    "clone": (
        ["SAMPLE", "--prefix", "PREFIX"],
        [
            ["--json"],
            ["--no-wait"],
            ["--force"],
            ["--new"],
            ["--target-model", "MODEL"],
            ["--language-hint", "TEXT"],
            ["--max-prompt-audio-length", "NUMBER"],
            ["--enable-preprocess"],
            ["--timeout", "NUMBER"],
        ],
    ),
    "speak": (
        ["TEXT", "--voice", "VOICE"],
        [
            ["-o", "OUT"],
            ["--model", "MODEL"],
            ["--format", "FORMAT"],
            ["--sample-rate", "NUMBER"],
            ["--http"],
            ["--sse"],
            ["--json"],
            ["--ssml"],
            ["--volume", "NUMBER"],
            ["--rate", "NUMBER"],
            ["--seed", "NUMBER"],
        ],
    ),
    "batch": (
        ["INPUT", "--voice", "VOICE", "--out-dir", "DIR"],
        [["--concurrency", "NUMBER"], ["--format", "FORMAT"], ["--resume"], ["--json"], ["--retries", "NUMBER"]],
    ),
    "prepare": (
        ["--prefix", "PREFIX", "--voice-sample-url", "URL"],
        [
            ["--target-model", "MODEL"],
            ["--language-hint", "TEXT"],
            ["--max-prompt-audio-length", "NUMBER"],
            ["--enable-preprocess"],
            ["--skip-catalog-check"],
            ["--validate-response", "INPUT"],
            ["-o", "OUT"],
        ],
    ),
    "voices list": ([], [["--local"], ["--json"], ["--prefix", "PREFIX"]]),
    "voices show": (["VOICE"], [["--json"], ["--wait"], ["--timeout", "NUMBER"]]),
    "voices update": (["VOICE", "SAMPLE"], [["--json"], ["--no-wait"], ["--force"]]),
    "voices delete": (["VOICE", "--yes"], [["--json"]]),
    "voices sync": ([], [["--adopt"], ["--json"]]),
    "voices import": (["VOICE"], [["--json"]]),
}
NOISE = ["--json", "--help", "--", "-", "--bogus", "-o", "--voice", "x"]


def _pools(sample_url: str) -> dict[str, st.SearchStrategy[str]]:
    text = st.text(max_size=12)
    return {
        "SAMPLE": st.sampled_from(
            [
                GOOD,
                GOOD,
                BAD,
                NOT_AUDIO,
                str(AUDIO_FIXTURES),
                "missing.wav",
                sample_url,
                "http://10.0.0.1/x.wav",
                "oss://dir/x.wav",
                "ftp://x",
                "",
            ]
        ),
        "PREFIX": st.sampled_from(["fuzz", "Fuzz9", "a" * 11, "a b", "", "-x"]) | text,
        "MODEL": st.sampled_from(["cosyvoice-v3.5-plus", "cosyvoice-v3-flash", "cosyvoice-v1", "nope"]) | text,
        "TEXT": st.sampled_from(["Hello there.", "", "zh", "<speak>Hi</speak>", "Hello. " * 20]) | text,
        "VOICE": st.sampled_from([VOICE, "longxiaochun", "fuzz", "ghost", ""]) | text,
        # Output paths that are directories or sit under a file crash today: see test_unwritable_output_paths.
        "OUT": st.sampled_from(["out.mp3", "out.wav", "out.opus", "out.xyz", "sub/dir/out.pcm"]),
        "FORMAT": st.sampled_from(["mp3", "wav", "pcm", "opus", "flac", ""]),
        "NUMBER": st.sampled_from(["0", "1", "-1", "16000", "22050", "3.5", "1e309", "nan", "65536", "x"]),
        "INPUT": st.sampled_from(["lines.txt", "saved.json", NOT_AUDIO, "missing.txt"]),
        "DIR": st.sampled_from(["outdir", ".", "sub/outdir"]),
        "URL": st.sampled_from([sample_url, "http://10.0.0.1/x.wav", "oss://d/x.wav", "ftp://x", ""]) | text,
    }


@st.composite
def argument_lists(draw: st.DrawFn, sample_url: str) -> list[str]:
    pools = _pools(sample_url)
    args: list[str] = []
    for option in draw(st.lists(st.sampled_from(GLOBALS), max_size=2)):
        args += option
    command = draw(st.sampled_from(sorted(TEMPLATES)))
    required, optional = TEMPLATES[command]
    chosen = draw(st.lists(st.sampled_from(optional), max_size=3))
    args += command.split()
    for token in [*required, *[t for group in chosen for t in group]]:
        args.append(draw(pools[token]) if token in pools else token)
    if draw(st.integers(0, 4)) == 0:
        args.insert(draw(st.integers(0, len(args))), draw(st.sampled_from(NOISE) | st.text(max_size=6)))
    return args


@pytest.fixture
def cli_env(emulator: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lines.txt").write_text("Hello there.\nSecond line.\n", encoding="utf-8")
    (tmp_path / "saved.json").write_text('{"output": {"voice_id": 3}}', encoding="utf-8")
    for name in [n for n in os.environ if n.startswith(("DASHSCOPE_", "ALIBABA_CLOUD_"))]:
        monkeypatch.delenv(name)
    yield {
        "DASHSCOPE_API_KEY": PLANTED_KEY,
        "DASHSCOPE_HTTP_BASE_URL": emulator.http_base_url,
        "COSYCLONE_HOME": str(tmp_path / "home"),
        "HOME": str(tmp_path),
    }


def _judge(args: list[str], code: int | None, output: str) -> None:
    assert code in EXIT_CODES, f"exit {code} for {args!r}:\n{output[-2000:]}"
    assert "Traceback (most recent call last)" not in output, f"traceback for {args!r}:\n{output[-3000:]}"
    assert PLANTED_KEY not in output, f"the API key was shown for {args!r}"


@pytest.mark.slow
@settings(
    max_examples=40 * EXPLORE_FACTOR,
    deadline=None,
    derandomize=not EXPLORE,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_generated_arguments_in_process(data: Any, cli_env: dict[str, str], sample_server: SampleServer) -> None:
    args = data.draw(argument_lists(sample_server.url("good/flite-awb.wav")))
    result = CliRunner().invoke(app, args, env=cli_env, input="", catch_exceptions=True)
    crash = result.exception if not isinstance(result.exception, SystemExit) else None
    assert crash is None, f"{args!r} raised {type(crash).__name__}: {crash}\n{result.output[-2000:]}"
    _judge(args, result.exit_code, result.output)


#: Hostile argument lists for the real entry point (each runs as its own process, all at once).
SUBPROCESS_CASES: list[list[str]] = [
    ["clone"],
    ["clone", NOT_AUDIO, "--prefix", "x y", "--json"],
    ["--region", "mars", "voices", "list", "--json"],
    ["speak", "", "--voice", "longxiaochun", "--model", "cosyvoice-v3-flash", "-o", "x.mp3"],
    ["--base-url", "http://127.0.0.1:9/api/v1", "voices", "show", "abc", "--json"],
    ["check", "missing.wav", NOT_AUDIO, "--json"],
    ["prepare", "--prefix", "a" * 50, "--voice-sample-url", "ftp://x", "--max-prompt-audio-length", "nan"],
    ["batch", NOT_AUDIO, "--voice", "x", "--out-dir", "o", "--concurrency", "0"],
]


def test_hostile_arguments_as_real_processes(emulator: EmulatorServer, tmp_path: Path, cli_env: dict[str, str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DASHSCOPE_", "ALIBABA_CLOUD_"))}
    env.update(cli_env)
    procs = [
        (
            args,
            subprocess.Popen(
                [sys.executable, "-m", "cosyclone", *args],
                cwd=tmp_path,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for args in SUBPROCESS_CASES
    ]
    for args, proc in procs:
        stdout, stderr = proc.communicate(timeout=120)
        _judge(args, proc.returncode, stdout + stderr)
        assert proc.returncode != 0, f"{args!r} should fail"


UNWRITABLE_OUTPUT = (
    "the CLI turns only CosycloneError into an exit code (cli/_output.reporting); an output path it cannot use "
    "escapes as a traceback with exit 1: `-o .` / `--plot .` / `--fix .` / `prepare -o .` raise ValueError "
    "(\"PosixPath('.') has an empty name\", from _files.part_path), and an output under an existing file "
    "(`batch --out-dir FILE`, `speak -o FILE/x.mp3`, `--evidence-dir FILE`) raises FileExistsError from mkdir. "
    "Fix: check output paths before any work (InvalidRequestError naming the option → exit 2, as `check --fix` "
    "already does for one case), or map OSError/ValueError of output writing to exit 2 in reporting()."
)


UNWRITABLE_CASES: dict[str, list[str]] = {
    "speak-o-dot": ["speak", "Hi.", "--voice", "longxiaochun", "--model", "cosyvoice-v3-flash", "-o", "."],
    "speak-o-under-a-file": [
        "speak",
        "Hi.",
        "--voice",
        "longxiaochun",
        "--model",
        "cosyvoice-v3-flash",
        "-o",
        "lines.txt/x.mp3",
    ],
    "check-plot-dot": ["check", GOOD, "--plot", "."],
    "check-fix-dot": ["check", GOOD, "--fix", "."],
    "prepare-o-dot": ["prepare", "--prefix", "a", "--voice-sample-url", "https://example.invalid/a.wav", "-o", "."],
    "evidence-dir-is-a-file": [
        "--evidence-dir",
        "lines.txt",
        "prepare",
        "--prefix",
        "a",
        "--voice-sample-url",
        "https://e.invalid/a",
    ],
    "batch-out-dir-is-a-file": ["batch", "lines.txt", "--voice", VOICE, "--out-dir", "lines.txt"],
}


@pytest.mark.parametrize(
    "args",
    [pytest.param(args, id=name) for name, args in UNWRITABLE_CASES.items()],
)
def test_unwritable_output_paths(args: list[str], cli_env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, args, env=cli_env, input="", catch_exceptions=True)
    crash = result.exception if not isinstance(result.exception, SystemExit) else None
    assert crash is None, f"{args!r} raised {type(crash).__name__}: {crash}"
    _judge(args, result.exit_code, result.output)
    assert result.exit_code == 2
