"""Damaged and hostile audio: the preflight (``check_sample``) and the emulator's sample judging must answer every
file within a few seconds and bounded memory, with a failing finding — never hang, crash or balloon.

Files are made here, byte by byte: truncated WAV/MP3/M4A, WAV headers that lie (a 4 GB data chunk, 0 channels,
a sample rate of 0 or 10^9, a fmt chunk whose length or fields are absurd), random bytes behind real magic
numbers, an Ogg stream with a broken page, and "bombs": tiny files that decode to hours (FLAC frames of
constant silence — 13 bytes per 65535 samples — and MP3 silence frames repeated).

Each file is judged in a child process under ``RLIMIT_AS`` (so a runaway allocation fails there instead of
taking the machine down) with a wall-clock timeout; the child reports, per file, the verdict, the time taken and
the growth of its peak RSS (``/proc/self/clear_refs`` resets the peak before each file).
"""

from __future__ import annotations

import json
import os
import random
import struct
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AUDIO_FIXTURES

#: Address space allowed to the child: the interpreter with numpy, scipy and PyAV needs ~0.4 GB.
ADDRESS_SPACE_BYTES = 1536 * 1024 * 1024
#: Per file: the time and the peak-RSS growth allowed.
MAX_SECONDS = 5.0
MAX_RSS_GROWTH_MB = 400.0
CHILD_TIMEOUT_S = 60.0
GOOD_WAV = AUDIO_FIXTURES / "good" / "librivox-reader-15s.wav"
GOOD_MP3 = AUDIO_FIXTURES / "good" / "librivox-reader-15s.mp3"
GOOD_M4A = AUDIO_FIXTURES / "good" / "librivox-reader-15s.m4a"

#: A bomb must be cut short: whatever cap the decoder gets, it is surely below this much decoded audio.
BOMB_MAX_DECODED_S = 600.0


# ----- making hostile files ---------------------------------------------------------------------------------


def wav(
    payload: bytes,
    *,
    channels: int = 1,
    rate: int = 16000,
    bits: int = 16,
    fmt_tag: int = 1,
    data_size: int | None = None,
    fmt_size: int = 16,
    byte_rate: int | None = None,
    block_align: int | None = None,
    riff_size: int | None = None,
) -> bytes:
    align = block_align if block_align is not None else channels * bits // 8
    rate_bytes = byte_rate if byte_rate is not None else rate * align
    fmt = struct.pack("<HHIIHH", fmt_tag, channels, rate, rate_bytes & 0xFFFFFFFF, align & 0xFFFF, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", fmt_size) + fmt
    body += b"data" + struct.pack("<I", len(payload) if data_size is None else data_size) + payload
    size = riff_size if riff_size is not None else len(body)
    return b"RIFF" + struct.pack("<I", size) + body


def _crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def _crc16(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x8005) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def _utf8_number(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    if n < 0x800:
        return bytes([0xC0 | n >> 6, 0x80 | n & 0x3F])
    if n < 0x10000:
        return bytes([0xE0 | n >> 12, 0x80 | (n >> 6) & 0x3F, 0x80 | n & 0x3F])
    return bytes([0xF0 | n >> 18, 0x80 | (n >> 12) & 0x3F, 0x80 | (n >> 6) & 0x3F, 0x80 | n & 0x3F])


def silent_flac(*, frames: int, rate: int = 48000, declared_samples: int | None = None) -> bytes:
    """A valid mono 16-bit FLAC of ``frames`` × 65535 samples of silence, each frame a CONSTANT subframe."""
    block = 65535
    total = frames * block if declared_samples is None else declared_samples
    info = struct.pack(">HH", block, block) + b"\x00" * 6
    info += ((rate << 44) | (15 << 36) | total).to_bytes(8, "big") + b"\x00" * 16
    out = [b"fLaC", b"\x80", len(info).to_bytes(3, "big"), info]
    # Block size code 7 (16-bit size after the frame number), rate from STREAMINFO, mono, 16-bit samples.
    fixed = bytes([0xFF, 0xF8, 7 << 4, 4 << 1])
    for number in range(frames):
        head = fixed + _utf8_number(number) + struct.pack(">H", block - 1)
        frame = head + bytes([_crc8(head)]) + b"\x00\x00\x00"
        out.append(frame + struct.pack(">H", _crc16(frame)))
    return b"".join(out)


def repeated_mp3_silence(*, seconds: float) -> bytes:
    """MP3 frames of silence (8 kHz, 8 kbit/s: 72 bytes per 72 ms) repeated: MPEG frames carry no counter."""
    import numpy as np

    from cosyclone.audio.io import encode

    encoded = encode(np.zeros(8000 * 4, dtype=np.float32), 8000, "mp3", bit_rate_kbps=8)
    start = encoded.index(b"\xff\xe3", len(encoded) // 2)  # MPEG-2.5 layer III sync, mid-stream
    frame = encoded[start : start + 72]
    return frame * int(seconds * 8000 / 576)


def broken_ogg() -> bytes:
    import numpy as np

    from cosyclone.audio.io import encode

    rng = np.random.default_rng(7)
    data = bytearray(encode(rng.normal(0, 0.1, 48000 * 6).astype(np.float32), 48000, "opus"))
    pages = [i for i in range(len(data)) if data[i : i + 4] == b"OggS"]
    middle = pages[len(pages) // 2]
    data[middle + 27 : middle + 200] = bytes(random.Random(3).randrange(256) for _ in range(173))
    data[pages[-2] + 5] = 0xFF  # an absurd header type on a later page
    return bytes(data)


@dataclass(frozen=True)
class Hostile:
    name: str
    data: bytes
    #: A bomb decodes to far more than it weighs: it runs in a child of its own and must be cut short (fast, small).
    bomb: bool = False
    #: Why this file is expected to fail today (a bug, reported), or None.
    xfail: str | None = None


def hostile_files() -> list[Hostile]:
    rng = random.Random(1234)
    noise = bytes(rng.randrange(256) for _ in range(32000))
    good = GOOD_WAV.read_bytes()
    pcm = good[44:]
    magic = {
        "wav": b"RIFF\x24\x00\x00\x00WAVEfmt ",
        "flac": b"fLaC",
        "ogg": b"OggS\x00\x02",
        "mp3-id3": b"ID3\x04\x00\x00\x00\x00\x00\x10",
        "mp3-sync": b"\xff\xfb\x90\x64",
        "aac-adts": b"\xff\xf1\x50\x80",
        "mp4": b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00",
        "matroska": b"\x1a\x45\xdf\xa3",
        "caf": b"caff\x00\x01\x00\x00",
        "au": b".snd\x00\x00\x00\x18",
        "aiff": b"FORM\x00\x00\x10\x00AIFF",
    }
    files = [
        Hostile("wav-truncated-to-1s", good[: 44 + 32000]),
        Hostile("wav-header-only", good[:44]),
        Hostile("wav-cut-inside-header", good[:30]),
        Hostile("wav-data-4GB", wav(noise, data_size=0xFFFFFFF0)),
        Hostile("wav-riff-4GB", wav(noise, riff_size=0xFFFFFFFF)),
        Hostile("wav-0-channels", wav(noise, channels=0)),
        Hostile("wav-65535-channels", wav(noise, channels=65535)),
        Hostile("wav-rate-0", wav(noise, rate=0)),
        Hostile("wav-rate-1e9", wav(noise, rate=1_000_000_000)),
        Hostile("wav-bits-0", wav(noise, bits=0)),
        Hostile("wav-bits-65535", wav(noise, bits=65535)),
        Hostile("wav-fmt-size-2GB", wav(noise, fmt_size=0x7FFFFFFF)),
        Hostile("wav-fmt-size-4", wav(noise, fmt_size=4)),
        Hostile("wav-fmt-lies-rates", wav(noise, byte_rate=1, block_align=0)),
        Hostile("wav-format-tag-0xFFFF", wav(noise, fmt_tag=0xFFFF)),
        Hostile("wav-float-tag-odd-bits", wav(noise, fmt_tag=3, bits=24)),
        Hostile("wav-speech-rate-lies-1e9", wav(pcm, rate=1_000_000_000)),
        Hostile("mp3-truncated", GOOD_MP3.read_bytes()[:3000]),
        Hostile("m4a-truncated-half", GOOD_M4A.read_bytes()[: GOOD_M4A.stat().st_size // 2]),
        Hostile("m4a-head-only", GOOD_M4A.read_bytes()[:64]),
        Hostile("ogg-broken-page", broken_ogg()),
        Hostile(
            "flac-streaminfo-declares-2^36-samples",
            silent_flac(frames=2, declared_samples=2**36 - 1),
        ),
        *[Hostile(f"random-behind-{kind}", head + noise[:4000]) for kind, head in magic.items()],
        # 5 hours of 48 kHz silence in ~170 kB: 3.2 GiB once decoded to float32.
        Hostile(
            "flac-silence-bomb-5h",
            silent_flac(frames=5 * 3600 * 48000 // 65535),
            bomb=True,
        ),
        Hostile(
            "mp3-silence-15min-repeated-frames",
            repeated_mp3_silence(seconds=900),
            bomb=True,
        ),
    ]
    return files


# ----- judging in a child process ---------------------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import json, resource, sys, time, traceback
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from cosyclone.audio.preflight import check_sample
    from cosyclone.emulator.errors import EmulatorApiError
    from cosyclone.emulator.state.sample_judge import judge_sample

    def peak_kb():
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return 0

    def reset_peak():
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")

    for path in sys.argv[2:]:
        data = open(path, "rb").read()
        out = {"path": path}
        for mode in ("check", "judge"):
            reset_peak()
            base = peak_kb()
            started = time.monotonic()
            try:
                if mode == "check":
                    report = check_sample(data, name=path)
                    out["verdict"] = report.verdict
                    out["fails"] = [f.code for f in report.findings if f.level == "fail"]
                    out["decoded_s"] = report.info.duration_s if report.info is not None else None
                else:
                    try:
                        judgement = judge_sample(data, name=path)
                        out["judge"] = "accepted:" + judgement.outcome
                    except EmulatorApiError as refusal:
                        out["judge"] = f"refused:{refusal.status}:{refusal.code}"
            except BaseException as error:
                out[mode + "_crash"] = f"{type(error).__name__}: {error}"[:300]
            out[mode + "_s"] = round(time.monotonic() - started, 3)
            out[mode + "_rss_mb"] = round((peak_kb() - base) / 1024, 1)
        print(json.dumps(out), flush=True)
    """
)


def _start_child(paths: list[Path]) -> subprocess.Popen[str]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(ADDRESS_SPACE_BYTES), *map(str, paths)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _collect(proc: subprocess.Popen[str], paths: list[Path]) -> dict[str, dict[str, Any]]:
    """Per file, what the child reported — or why it has nothing to report (the child died or hung)."""
    try:
        stdout, stderr = proc.communicate(timeout=CHILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        stderr = f"(killed after {CHILD_TIMEOUT_S} s: a hang)\n" + stderr
    results: dict[str, dict[str, Any]] = {}
    for line in stdout.splitlines():
        if line.startswith("{"):
            item = json.loads(line)
            results[Path(item["path"]).name] = item
    for path in paths:
        results.setdefault(path.name, {"died": f"exit {proc.returncode}: {stderr[-2000:]}"})
    return results


FILES = hostile_files()


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every file judged in a child under RLIMIT_AS: the ordinary ones together, each bomb alone, all at once."""
    folder = tmp_path_factory.mktemp("hostile")
    for hostile in FILES:
        (folder / hostile.name).write_bytes(hostile.data)
    groups = [[folder / h.name for h in FILES if not h.bomb], *[[folder / h.name] for h in FILES if h.bomb]]
    children = [(_start_child(paths), paths) for paths in groups]
    results: dict[str, dict[str, Any]] = {}
    for proc, paths in children:
        results.update(_collect(proc, paths))
    return results


def _assert_contained(name: str, result: dict[str, Any], *, bomb: bool = False) -> None:
    assert "died" not in result, f"{name}: the judging process died: {result['died']}"
    for mode in ("check", "judge"):
        assert mode + "_crash" not in result, f"{name}: {mode} crashed: {result[mode + '_crash']}"
        assert result[mode + "_s"] < MAX_SECONDS, f"{name}: {mode} took {result[mode + '_s']} s"
        assert result[mode + "_rss_mb"] < MAX_RSS_GROWTH_MB, f"{name}: {mode} grew RSS {result[mode + '_rss_mb']} MB"
    if bomb:
        decoded = result.get("decoded_s") or 0.0
        assert decoded <= BOMB_MAX_DECODED_S, f"{name}: decoded {decoded:.0f} s of audio instead of stopping at a cap"
    assert result["verdict"] == "fail" and result["fails"], f"{name}: no failing finding: {result}"
    assert result["judge"].startswith(("refused:400:", "refused:500:InternalError", "accepted:UNDEPLOYED")), (
        f"{name}: the emulator would take it: {result['judge']}"
    )


def _params(*, bombs: bool) -> list[Any]:
    return [
        pytest.param(h, id=h.name, marks=[pytest.mark.xfail(strict=True, reason=h.xfail)] if h.xfail else [])
        for h in FILES
        if h.bomb is bombs
    ]


@pytest.mark.parametrize("hostile", _params(bombs=False))
def test_hostile_file_is_judged_quickly_and_failed(hostile: Hostile, verdicts: dict[str, dict[str, Any]]) -> None:
    _assert_contained(hostile.name, verdicts[hostile.name])


@pytest.mark.parametrize("hostile", _params(bombs=True))
def test_decompression_bomb_stops_at_a_duration_cap(hostile: Hostile, verdicts: dict[str, dict[str, Any]]) -> None:
    assert len(hostile.data) < 2_000_000, "the bomb is small: every size cap lets it through"
    _assert_contained(hostile.name, verdicts[hostile.name], bomb=True)


def test_the_bomb_really_is_valid_flac() -> None:
    """The bomb is not merely garbage: a short one decodes to exact silence of the declared length."""
    from cosyclone.audio.io import decode

    decoded = decode(silent_flac(frames=3, rate=16000))
    assert decoded.samples.shape == (3 * 65535, 1) and decoded.sample_rate == 16000
    assert float(abs(decoded.samples).max()) == 0.0
