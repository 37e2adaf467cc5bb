"""The error corpus (issue 13): every path a user meets when something is off, through the real ``cosyclone``
entry point (a subprocess) against the emulator.

Each case asserts the documented exit code, the key words of the one message (input, rule, next step), that no
traceback is shown, that no file that was there before is lost or changed, and that no ``.part`` file is left.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cosyclone.emulator.server import EmulatorServer
from cosyclone.registry import VoiceRecord, VoiceRegistry
from cosyclone.registry.migrations import MIGRATIONS
from tests.conftest import AUDIO_FIXTURES, PLANTED_KEY
from tests.helpers.emulator_fixtures import OTHER_API_KEY

GOOD = AUDIO_FIXTURES / "good" / "flite-awb.wav"
GHOST = "cosyvoice-v3.5-plus-ghost-0123456789abcdef0123456789abcdef"


@dataclass
class World:
    """What a case's setup may use: the working folder, the emulator and this key's tenant and registry."""

    cwd: Path
    home: Path
    emulator: EmulatorServer
    values: dict[str, str] = field(default_factory=dict)

    @property
    def tenant(self) -> str:
        return self.emulator.backend.tenant_of_key(PLANTED_KEY)

    def seed(self, name: str, **kwargs: Any) -> str:
        """Seed a voice on the emulator for this key; its id becomes ``{name}`` in the case's arguments."""
        voice_id = self.emulator.backend.seed_voice(self.tenant, **kwargs).voice_id
        self.values[name] = voice_id
        return voice_id

    def registry(self) -> VoiceRegistry:
        return VoiceRegistry(self.home / "registry.sqlite3")

    def record(self, voice_id: str, *, account: str | None = None, deleted: bool = False, prefix: str = "") -> None:
        from cosyclone._config import account_fingerprint

        with self.registry() as registry:
            registry.record(
                VoiceRecord(
                    voice_id=voice_id,
                    target_model="cosyvoice-v3.5-plus",
                    region="cn-beijing",
                    account=account or account_fingerprint(PLANTED_KEY),
                    prefix=prefix or voice_id.split("-")[3],
                    status="OK",
                )
            )
            if deleted:
                registry.mark_deleted(voice_id)

    def write(self, name: str, data: bytes | str) -> Path:
        path = self.cwd / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path


@dataclass
class Case:
    args: list[str]
    code: int
    words: tuple[str, ...]
    setup: Callable[[World], object] | None = None
    stdin: bytes = b""
    env: dict[str, str] = field(default_factory=dict)
    absent: tuple[str, ...] = ()  # words that must NOT appear (e.g. a flag the command does not have)
    shell_pipe: str | None = None  # run as `cosyclone ARGS | shell_pipe` (exit code of cosyclone)


def _damaged(content: bytes) -> Callable[[World], object]:
    return lambda w: (w.home.mkdir(parents=True, exist_ok=True), (w.home / "registry.sqlite3").write_bytes(content))


def _cut_registry(w: World) -> None:
    w.record(GHOST)
    path = w.home / "registry.sqlite3"
    for extra in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        extra.unlink(missing_ok=True)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _registry_of_another_build(w: World) -> None:
    """A registry whose version number says a column is still to come that its tables already have."""
    w.home.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(w.home / "registry.sqlite3", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")  # as every registry is
    for script in MIGRATIONS[:5]:
        db.executescript(script)
    db.execute("ALTER TABLE voices ADD COLUMN sample_path TEXT")  # another build numbered this one 6
    db.execute("PRAGMA user_version = 6")
    db.close()


def _speakable(w: World) -> None:
    w.seed("voice", prefix="narrator", f0_hz=120.0)


def _key_file(mode: int) -> Callable[[World], object]:
    def setup(w: World) -> None:
        path = w.write("key.txt", PLANTED_KEY)
        path.chmod(mode)

    return setup


SPEAK = ["speak", "Hello there.", "--voice", "{voice}"]
GARBAGE = b"this is not a database, it is a note someone saved over the registry\n" * 4

CASES: dict[str, Case] = {
    # ---- a damaged registry: refused untouched, with the way back
    "registry-garbage-list": Case(
        ["voices", "list", "--local"], 2, ("damaged", "mv", "voices sync --adopt"), _damaged(GARBAGE)
    ),
    "registry-empty-list": Case(["voices", "list", "--local"], 2, ("damaged", "empty"), _damaged(b"")),
    "registry-cut-list": Case(["voices", "list", "--local"], 2, ("damaged", "voices sync --adopt"), _cut_registry),
    "registry-garbage-speak": Case(
        ["speak", "Hi.", "--voice", "narrator", "-o", "a.mp3"], 2, ("damaged",), _damaged(GARBAGE)
    ),
    "registry-garbage-clone": Case(["clone", str(GOOD), "--prefix", "awb"], 2, ("damaged",), _damaged(GARBAGE)),
    "registry-garbage-sync": Case(["voices", "sync"], 2, ("damaged", "move it aside"), _damaged(GARBAGE)),
    "registry-another-build-list": Case(
        ["voices", "list", "--local"],
        2,
        ("damaged", "another build of cosyclone", "duplicate column name: sample_path", "voices sync --adopt"),
        _registry_of_another_build,
    ),
    # ---- where the text comes from
    "speak-file-latin1": Case(
        ["speak", "-f", "notes.txt", "--voice", "{voice}", "-o", "a.mp3"],
        2,
        ("--file", "notes.txt", "not UTF-8", "iconv"),
        lambda w: (_speakable(w), w.write("notes.txt", "café crème".encode("latin-1"))),
    ),
    "speak-stdin-not-utf8": Case(
        ["speak", "--voice", "{voice}", "-o", "a.mp3"], 2, ("stdin", "not UTF-8"), _speakable, stdin=b"caf\xe9\xff"
    ),
    "speak-text-and-file": Case(
        [*SPEAK, "-f", "notes.txt", "-o", "a.mp3"],
        2,
        ("--file", "give one"),
        lambda w: (_speakable(w), w.write("notes.txt", "other text")),
    ),
    "speak-file-missing": Case(
        ["speak", "-f", "nope.txt", "--voice", "{voice}", "-o", "a.mp3"], 2, ("nope.txt", "cannot be read"), _speakable
    ),
    "speak-file-is-dir": Case(
        ["speak", "-f", "folder", "--voice", "{voice}", "-o", "a.mp3"],
        2,
        ("folder", "cannot be read"),
        lambda w: (_speakable(w), (w.cwd / "folder").mkdir()),
    ),
    # ---- options refused before any call
    "speak-json-audio-to-stdout": Case([*SPEAK, "--json"], 2, ("--json", "needs -o"), _speakable),
    "speak-wav-name-mp3-format": Case(
        [*SPEAK, "-o", "x.wav", "--format", "mp3"], 2, ("--format", "x.wav", "contradicts"), _speakable
    ),
    "speak-unknown-extension": Case([*SPEAK, "-o", "x.xyz"], 2, ("x.xyz", "no audio format"), _speakable),
    "speak-language-hint-klingon": Case(
        [*SPEAK, "-o", "a.mp3", "--language-hint", "klingon"], 2, ("klingon", "language hints"), _speakable
    ),
    "speak-instruction-on-v2": Case(
        [
            "speak",
            "Hi.",
            "--voice",
            "longxiaochun",
            "--model",
            "cosyvoice-v2",
            "--instruction",
            "slowly",
            "-o",
            "a.mp3",
        ],
        2,
        ("instruction", "cosyvoice-v3.5-plus"),
    ),
    "speak-volume-out-of-range": Case([*SPEAK, "-o", "a.mp3", "--volume", "500"], 2, ("volume", "100"), _speakable),
    "speak-model-contradicts-voice": Case(
        [*SPEAK, "-o", "a.mp3", "--model", "cosyvoice-v3-flash"], 2, ("enrolled for", "same model"), _speakable
    ),
    "speak-system-voice-without-model": Case(
        ["speak", "Hi.", "--voice", "longxiaochun", "-o", "a.mp3"], 2, ("model", "required")
    ),
    # ---- nothing lost
    "speak-existing-output-kept": Case(
        [*SPEAK, "-o", "keep.mp3"],
        2,
        ("keep.mp3", "already exists", "--overwrite"),
        lambda w: (_speakable(w), w.write("keep.mp3", b"my old recording")),
    ),
    "speak-unwritable-names-user-path": Case(
        [*SPEAK, "-o", "/proc/x.mp3"], 2, ("/proc/x.mp3",), _speakable, absent=(".part",)
    ),
    "check-fix-over-its-input": Case(
        ["check", "rec.wav", "--fix", "rec.wav"],
        2,
        ("--fix", "rec.wav", "sample itself", "--overwrite"),
        lambda w: w.write("rec.wav", GOOD.read_bytes()),
    ),
    "check-fix-over-existing": Case(
        ["check", str(GOOD), "--fix", "old.wav"],
        2,
        ("old.wav", "already exists"),
        lambda w: w.write("old.wav", GOOD.read_bytes()),
    ),
    "check-fix-not-wav": Case(["check", str(GOOD), "--fix", "out.mp3"], 2, ("--fix", "out.mp3", ".wav")),
    "check-fix-dot": Case(["check", str(GOOD), "--fix", "."], 2, ("output", "directory")),
    "check-plot-jpg": Case(["check", str(GOOD), "--plot", "p.jpg"], 2, ("--plot", "p.jpg", ".png")),
    "check-plot-existing": Case(
        ["check", str(GOOD), "--plot", "p.png"], 2, ("p.png", "already exists"), lambda w: w.write("p.png", b"x")
    ),
    "check-missing-sample": Case(["check", "missing.wav"], 2, ("missing.wav",)),
    # ---- the right reason for a refused synthesis
    "speak-unknown-voice-id": Case(
        ["speak", "Hi.", "--voice", GHOST, "-o", "a.mp3"], 4, ("no voice", GHOST, "voices list", "request_id")
    ),
    "speak-undeployed-voice": Case(
        [*SPEAK, "-o", "a.mp3"],
        4,
        ("rejected", "UNDEPLOYED", "cosyclone check"),
        lambda w: w.seed("voice", prefix="bad", status="UNDEPLOYED"),
    ),
    "speak-deploying-voice": Case(
        [*SPEAK, "-o", "a.mp3"],
        4,
        ("still DEPLOYING", "--wait"),
        lambda w: w.seed("voice", prefix="slow", status="DEPLOYING", ready_in_s=3600.0),
    ),
    "speak-voice-of-another-account": Case(
        [*SPEAK, "-o", "a.mp3"],
        4,
        ("no voice", "another account"),
        lambda w: w.values.update(
            voice=w.emulator.backend.seed_voice(w.emulator.backend.tenant_of_key(OTHER_API_KEY)).voice_id
        ),
    ),
    "speak-registry-says-another-account": Case(
        ["speak", "Hi.", "--voice", GHOST, "-o", "a.mp3"],
        4,
        ("belongs to another account", "API key"),
        lambda w: w.record(GHOST, account="someone-else"),
    ),
    "speak-prefix-deleted": Case(
        ["speak", "Hi.", "--voice", "ghost", "-o", "a.mp3"],
        2,
        ("ghost", "deleted", "clone it again"),
        lambda w: w.record(GHOST, deleted=True),
    ),
    "speak-prefix-of-another-account": Case(
        ["speak", "Hi.", "--voice", "ghost", "--model", "cosyvoice-v3.5-plus", "-o", "a.mp3"],
        2,
        ("ghost", "another account"),
        lambda w: w.record(GHOST, account="someone-else"),
        absent=("Engine",),
    ),
    # ---- a closed pipe is not a network problem
    "speak-into-head": Case(
        ["speak", "A long sentence to speak. " * 20, "--voice", "{voice}", "--format", "wav"],
        141,
        (),
        _speakable,
        absent=("network", "error"),
        shell_pipe="head -c 1000 > /dev/null",
    ),
    # ---- clone: every outcome in the table
    "clone-rejected-after-force": Case(
        ["clone", str(AUDIO_FIXTURES / "bad" / "pause-3s.wav"), "--prefix", "pause", "--force"],
        4,
        ("rejected", "UNDEPLOYED"),
    ),
    "clone-timeout-while-deploying": Case(
        ["clone", str(GOOD), "--prefix", "slow", "--timeout", "1"],
        6,
        ("still DEPLOYING", "voices show", "--wait"),
        lambda w: setattr(w.emulator.backend, "ready_delay_s", 3600.0),
    ),
    "clone-failing-sample": Case(
        ["clone", str(AUDIO_FIXTURES / "bad" / "short-3s.wav"), "--prefix", "short"],
        3,
        ("speech_too_short", "--force"),
    ),
    "clone-bad-prefix": Case(["clone", str(GOOD), "--prefix", "my-voice"], 2, ("prefix", "my-voice")),
    # ---- voices
    "voices-delete-declined": Case(
        ["voices", "delete", "{voice}"], 2, ("not deleted", "--yes"), lambda w: w.seed("voice"), stdin=b"n\n"
    ),
    "prepare-saved-response-invalid": Case(
        [
            "prepare",
            "--prefix",
            "demo",
            "--voice-sample-url",
            "https://example.invalid/a.wav",
            "--validate-response",
            "saved.json",
        ],
        1,
        ("response_valid", "voice_id"),
        lambda w: w.write("saved.json", '{"output": {"voice_id": 3}}'),
    ),
    "score-plot-not-png": Case(
        ["score", "{voice}", "--sample", str(GOOD), "--plot", "p.jpg"], 2, ("--plot", ".png"), _speakable
    ),
    "score-unknown-prefix": Case(["score", "nobody", "--sample", str(GOOD)], 2, ("nobody", "neither")),
    "voices-show-unknown-id": Case(["voices", "show", GHOST], 4, ("ResourceNotExist", "voices list")),
    "voices-show-unknown-prefix": Case(["voices", "show", "nobody"], 2, ("nobody", "neither a voice_id nor a prefix")),
    "voices-show-wait-timeout": Case(
        ["voices", "show", "{voice}", "--wait", "--timeout", "1"],
        6,
        ("still DEPLOYING", "--wait"),
        lambda w: w.seed("voice", status="DEPLOYING", ready_in_s=3600.0),
    ),
    "voices-update-silence": Case(
        ["voices", "update", "{voice}", str(AUDIO_FIXTURES / "bad" / "silence-12s.wav")],
        3,
        ("silence-12s.wav", "fails the preflight", "no_speech", "--force"),
        lambda w: w.seed("voice"),
    ),
    # ---- batch
    "batch-unknown-voice-nothing-sent": Case(
        ["batch", "script.txt", "--voice", "nobody", "--out-dir", "out"],
        2,
        ("nobody", "neither a voice_id nor a prefix"),
        lambda w: w.write("script.txt", "One line.\nAnother line.\n"),
    ),
    "batch-out-dir-is-a-file": Case(
        ["batch", "script.txt", "--voice", "{voice}", "--out-dir", "script.txt"],
        2,
        ("--out-dir", "not a folder"),
        lambda w: (_speakable(w), w.write("script.txt", "One line.\n")),
    ),
    # ---- the key
    "key-file-missing": Case(
        ["voices", "list"], 2, ("no DashScope API key", "nope.key", "no such file"), env={"DASHSCOPE_API_KEY": ""}
    ),
    "key-file-is-a-directory": Case(
        ["voices", "list"],
        2,
        ("no DashScope API key", "a directory"),
        lambda w: (w.cwd / "keydir").mkdir(),
        env={"DASHSCOPE_API_KEY": "", "DASHSCOPE_API_KEY_FILE_PATH": "keydir"},
    ),
    "key-file-readable-by-others": Case(
        ["voices", "list", "--local"],
        0,
        ("warning:", "chmod 600"),
        _key_file(0o644),
        env={"DASHSCOPE_API_KEY": "", "DASHSCOPE_API_KEY_FILE_PATH": "key.txt"},
        absent=("warnings.warn", "Warning:"),
    ),
    # ---- other front doors
    "emulator-port-negative": Case(["emulator", "--port", "-1"], 2, ("--port", "0")),
    "emulator-port-too-big": Case(["emulator", "--port", "70000"], 2, ("--port", "65535")),
    "emulator-port-not-a-number": Case(["emulator", "--port", "abc"], 2, ("--port",)),
    "demo-missing-sample": Case(
        ["demo", "--sample", "nope.wav"],
        2,
        ("--sample", "nope.wav", "no such file"),
        absent=("--force", "--skip-catalog-check"),
    ),
    "demo-failing-sample": Case(
        ["demo", "--sample", str(AUDIO_FIXTURES / "bad" / "short-3s.wav")],
        3,
        ("speech_too_short", "--fix", "--sample"),
        absent=("--force", "--skip-catalog-check"),
    ),
    # ---- issue 22: prompts without a terminal, typos, encodings, silent substitutions, outputs checked first
    "voices-delete-no-terminal": Case(
        ["voices", "delete", "{voice}"],
        2,
        ("not confirmed", "needs a terminal", "--yes"),
        lambda w: w.seed("voice"),
        absent=("Aborted",),
    ),
    "compare-no-terminal": Case(
        ["compare", str(GOOD), "--target-model", "cosyvoice-v3-plus"],
        2,
        ("not confirmed", "needs a terminal", "--yes"),
        absent=("Aborted",),
    ),
    "speak-mistyped-prefix": Case(
        ["speak", "Hi.", "--voice", "narator", "-o", "a.mp3"],
        2,
        ("narator", "did you mean", "narrator"),
        lambda w: w.record(w.seed("voice", prefix="narrator"), prefix="narrator"),
        absent=("model=None",),
    ),
    "voices-show-mistyped-prefix": Case(
        ["voices", "show", "narator"],
        2,
        ("narator", "did you mean", "narrator"),
        lambda w: w.record(w.seed("voice", prefix="narrator"), prefix="narrator"),
    ),
    "speak-unknown-name-no-model": Case(
        ["speak", "Hi.", "--voice", "zzqqxx", "-o", "a.mp3"],
        2,
        ("zzqqxx", "registry", "--model", "voices list"),
        absent=("model=None",),
    ),
    "batch-latin1-file": Case(
        ["batch", "script.txt", "--voice", "{voice}", "--out-dir", "out"],
        2,
        ("script.txt", "line 2", "0xe9", "iconv", "UTF-8"),
        lambda w: (_speakable(w), w.write("script.txt", "One line.\ncafé crème\n".encode("latin-1"))),
        absent=("byte 0'",),
    ),
    "batch-resume-broken-manifest": Case(
        ["batch", "script.txt", "--voice", "{voice}", "--out-dir", "out", "--resume"],
        2,
        ("manifest.json", "not valid JSON", "line 1", "mv"),
        lambda w: (_speakable(w), w.write("script.txt", "One line.\n"), w.write("out/manifest.json", '{"items": [')),
    ),
    "batch-out-dir-unwritable": Case(
        ["batch", "script.txt", "--voice", "{voice}", "--out-dir", "/proc/out"],
        2,
        ("--out-dir", "/proc/out", "cannot hold files", "nothing was sent"),
        lambda w: (_speakable(w), w.write("script.txt", "One line.\n")),
    ),
    "speak-opus-rate-not-encodable": Case(
        [*SPEAK, "-o", "a.opus", "--sample-rate", "22050"], 2, ("sample_rate", "22050", "opus", "24000"), _speakable
    ),
    "speak-empty-text-file": Case(
        ["speak", "-f", "empty.txt", "--voice", "{voice}", "-o", "a.mp3"],
        2,
        ("--file", "empty.txt", "empty"),
        lambda w: (_speakable(w), w.write("empty.txt", b"")),
    ),
    "speak-evidence-file-is-a-folder": Case(
        ["--evidence-dir", "ev", *SPEAK, "-o", "a.wav"],
        2,
        ("speak.json", "directory"),
        lambda w: (_speakable(w), (w.cwd / "ev" / "speak.json").mkdir(parents=True)),
    ),
    "voices-import-name-with-space": Case(
        ["voices", "import", "my voice"], 2, ("voice_id", "my voice", "not a voice_id")
    ),
    "check-name-with-brackets": Case(
        ["check", "my[bold]take.wav"],
        0,
        ("my[bold]take.wav",),
        lambda w: w.write("my[bold]take.wav", GOOD.read_bytes()),
    ),
    "mcp-help-lists-every-tool": Case(
        ["mcp", "--help"],
        0,
        (
            "check_sample",
            "clone_voice",
            "list_voices",
            "get_voice",
            "update_voice",
            "delete_voice",
            "synthesize",
            "score_voice",
            "compare_models",
        ),
    ),
    # ---- issue 22 item 15: every setting's message names where it came from
    "credentials-file-damaged": Case(
        ["voices", "list"],
        2,
        ("creds.ini", "damaged", "no section"),
        lambda w: w.write("creds.ini", "this is not an ini file\n"),
        env={"DASHSCOPE_API_KEY": "", "ALIBABA_CLOUD_CREDENTIALS_FILE": "creds.ini"},
    ),
    "region-typo-in-config-file": Case(
        ["voices", "list"],
        2,
        ("cn-bejing", "config.toml", "cn-beijing"),
        lambda w: w.write("config.toml", 'region = "cn-bejing"\n'),
        env={"DASHSCOPE_CONFIG": "config.toml"},
    ),
    "cosyclone-home-is-a-file": Case(
        ["voices", "list", "--local"],
        2,
        ("COSYCLONE_HOME", "afile", "is a file, not a folder"),
        lambda w: w.write("afile", "x"),
        env={"COSYCLONE_HOME": "afile"},
    ),
    "api-key-pasted-with-quotes": Case(
        ["voices", "list"],
        2,
        ("DASHSCOPE_API_KEY", "quotes", "nothing was sent"),
        env={"DASHSCOPE_API_KEY": '"sk-quoted0123456789"'},
        absent=("401", "sk-quoted0123456789"),
    ),
    "base-url-without-scheme": Case(
        ["--base-url", "127.0.0.1:9/api/v1", "voices", "list"], 2, ("--base-url", "http://", "nothing was sent")
    ),
    "workspace-is-a-pasted-url": Case(
        ["--workspace", "https://llm-abc.cn-beijing.maas.aliyuncs.com", "voices", "list"],
        2,
        ("--workspace", "not a workspace id", "llm-abc123"),
    ),
    "global-option-after-command": Case(
        ["clone", str(GOOD), "--emulator"], 2, ("--emulator", "global option", "before the command")
    ),
    "closed-base-url-port": Case(
        ["--base-url", "http://127.0.0.1:9/api/v1", "voices", "list"], 5, ("127.0.0.1:9", "attempt(s)", "--base-url")
    ),
}
CASES["key-file-missing"] = dataclasses.replace(
    CASES["key-file-missing"], env={"DASHSCOPE_API_KEY": "", "DASHSCOPE_API_KEY_FILE_PATH": "nope.key"}
)


def _snapshot(root: Path) -> dict[Path, bytes]:
    files = {}
    for path in root.rglob("*"):
        if path.is_file() and not path.is_relative_to(root / "home"):
            try:
                files[path] = path.read_bytes()
            except OSError:
                continue
    return files


def _run(case: Case, world: World, emulator: EmulatorServer, env: dict[str, str]) -> tuple[int, str]:
    args = [a.format(**world.values) if "{" in a else a for a in case.args]
    command = [sys.executable, "-m", "cosyclone", "--base-url", emulator.http_base_url, *args]
    merged = {**env, "DASHSCOPE_API_KEY": PLANTED_KEY, "COSYCLONE_HOME": str(world.home), **case.env}
    merged = {k: v for k, v in merged.items() if v != ""}
    if case.shell_pipe is not None:
        script = " ".join(_quote(a) for a in command) + f" | {case.shell_pipe}; exit ${{PIPESTATUS[0]}}"
        proc = subprocess.run(["bash", "-c", script], cwd=world.cwd, env=merged, capture_output=True, timeout=120)
    else:
        proc = subprocess.run(command, cwd=world.cwd, env=merged, input=case.stdin, capture_output=True, timeout=120)
    return proc.returncode, (proc.stdout + proc.stderr).decode("utf-8", "replace")


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


@pytest.mark.parametrize("name", sorted(CASES))
def test_error_case(name: str, emulator: EmulatorServer, isolated_env: dict[str, str], tmp_path: Path) -> None:
    case = CASES[name]
    world = World(cwd=tmp_path, home=tmp_path / "home" / "cosyclone", emulator=emulator)
    if case.setup is not None:
        case.setup(world)
    before = _snapshot(tmp_path)
    registry = world.home / "registry.sqlite3"
    registry_before = registry.read_bytes() if name.startswith("registry-") else None
    code, output = _run(case, world, emulator, isolated_env)
    if registry_before is not None:
        assert registry.read_bytes() == registry_before, f"{name}: the damaged registry was modified"
    assert code == case.code, f"{name}: exit {code}, expected {case.code}\n{output[-3000:]}"
    assert "Traceback" not in output, f"{name}: a traceback\n{output[-3000:]}"
    assert PLANTED_KEY not in output
    for word in case.words:
        assert word in output, f"{name}: {word!r} missing from\n{output[-3000:]}"
    for word in case.absent:
        assert word not in output, f"{name}: {word!r} should not appear in\n{output[-3000:]}"
    after = _snapshot(tmp_path)
    for path, data in before.items():
        assert after.get(path) == data, f"{name}: {path} was lost or changed"
    assert not [p for p in tmp_path.rglob("*.part")], f"{name}: a .part file was left"


def test_the_corpus_is_big_enough() -> None:
    assert len(CASES) >= 60
    assert {case.code for case in CASES.values()} >= {0, 1, 2, 3, 4, 6, 141}
