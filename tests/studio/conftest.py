"""The studio through the real entry point (``python -m cosyclone --emulator studio``) and a real browser.

The browser is Debian's ``chromium`` driven by Playwright (``executable_path``: Playwright's own browser download
does not work on our machines), with a fake microphone fed from a WAV file. The browser tests skip only when
chromium is missing *and* we are not in CI; in CI (``CI=true``) a missing browser is a failure.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from tests.conftest import AUDIO_FIXTURES

CHROMIUM = os.environ.get("COSYCLONE_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def browser_available() -> None:
    """Skip only when chromium is absent and we are not in CI (playwright is a dev dependency: never skipped)."""
    if Path(CHROMIUM).is_file():
        return
    why = f"no chromium at {CHROMIUM} (apt-get install -y chromium)"
    if IN_CI:
        pytest.fail(f"the browser tests must run in CI: {why}")
    pytest.skip(why)


@dataclass
class Studio:
    url: str
    home: Path
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)


@pytest.fixture
def start_studio(tmp_path: Path, own_cosyclone_home: Path) -> Iterator[Callable[..., Studio]]:
    """Start ``cosyclone [GLOBAL_ARGS] --no-evidence studio --port 0 --no-browser`` (the real entry point, its own
    COSYCLONE_HOME, no real credentials); every studio started is stopped after the test."""
    started: list[subprocess.Popen[str]] = []

    def start(
        *global_args: str, env: dict[str, str] | None = None, studio_args: tuple[str, ...] = ("--no-browser",)
    ) -> Studio:
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("DASHSCOPE_", "ALIBABA_CLOUD_"))}
        merged = {**clean, "COSYCLONE_HOME": str(own_cosyclone_home), "PYTHONUNBUFFERED": "1", **(env or {})}
        command = [sys.executable, "-m", "cosyclone", *global_args, "--no-evidence", "studio", "--port", "0"]
        process = subprocess.Popen(
            [*command, *studio_args],
            cwd=tmp_path,
            env=merged,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append(process)
        assert process.stdout is not None
        output: list[str] = []
        deadline = time.monotonic() + 60
        url = None
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            output.append(line)
            found = re.search(r"http://127\.0\.0\.1:\d+/", line)
            url = found.group(0) if found else None
        assert url is not None, "".join(output)
        return Studio(url=url, home=own_cosyclone_home, process=process, output=output)

    yield start
    for process in started:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def studio(start_studio: Callable[..., Studio]) -> Studio:
    """The studio on its embedded emulator."""
    return start_studio("--emulator")


@pytest.fixture
def microphone(tmp_path: Path) -> Path:
    """What the fake microphone hears: flite's awb reading the consent sentence, a 1.2 s pause, then awb's sample
    (17 s). A recording stopped after ~5.5 s holds just the consent sentence; one of ~18 s is a good sample."""
    consent, rate = sf.read(AUDIO_FIXTURES / "consent" / "flite-awb-consent.wav", dtype="float32")
    sample, sample_rate = sf.read(AUDIO_FIXTURES / "good" / "flite-awb.wav", dtype="float32")
    assert rate == sample_rate == 16000
    joined = np.concatenate([consent, np.zeros(int(1.2 * rate), dtype=np.float32), sample])
    path = tmp_path / "microphone.wav"
    sf.write(path, joined, rate, subtype="PCM_16")
    return path


@pytest.fixture
def page(browser_available: None, microphone: Path) -> Iterator[Any]:
    """A Chromium page whose microphone plays ``microphone`` once (no loop); page errors are collected in
    ``page.errors`` and checked after the test (none allowed)."""
    from playwright.sync_api import sync_playwright

    args = [
        "--no-sandbox",
        "--headless",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={microphone}%noloop",
        "--autoplay-policy=no-user-gesture-required",
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
        page.on(
            "console", lambda message: errors.append(f"console: {message.text}") if message.type == "error" else None
        )
        page.errors = errors  # type: ignore[attr-defined]
        try:
            yield page
        finally:
            context.close()
            browser.close()
        assert errors == [], errors
