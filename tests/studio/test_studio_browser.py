"""The studio in a real browser (Chromium, fake microphone), against the real entry point on the emulator.

Happy path: record a sample → its preflight → record the consent → verified → clone → speak → the score appears by
itself; the registry lists the voice, plays it and deletes it after a confirmation. Then a refused consent (the
wrong speaker) and a failing sample, which leave the clone button disabled. No test may leave a page error.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import AUDIO_FIXTURES
from tests.studio.conftest import Studio

pytestmark = pytest.mark.timeout(400)

SCREENSHOTS = os.environ.get("COSYCLONE_STUDIO_SCREENSHOTS")  # a folder: the happy path saves its screenshots there


def by_testid(page: Any, name: str) -> Any:
    return page.get_by_test_id(name)


def record(page: Any, button: str, seconds: float) -> None:
    by_testid(page, button).click()
    page.wait_for_timeout(600)
    assert "Stop" in by_testid(page, button).inner_text()
    page.wait_for_timeout(int(seconds * 1000))
    by_testid(page, button).click()


def picture_drawn(page: Any) -> None:
    picture = by_testid(page, "preflight-picture")
    expect(picture).to_be_visible(timeout=60_000)
    assert (
        picture.evaluate(
            "img => img.complete ? img.naturalWidth : new Promise(ok => img.onload = () => ok(img.naturalWidth))"
        )
        > 0
    )


def open_studio(page: Any, studio: Studio) -> None:
    page.goto(studio.url)
    page.wait_for_selector("body[data-ready=true]")
    assert by_testid(page, "consent-text").inner_text().startswith("I agree that this tool may clone my voice")
    assert by_testid(page, "clone").is_disabled()


def shot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=True)


def test_record_check_consent_clone_speak_and_score(page: Any, studio: Studio) -> None:
    open_studio(page, studio)
    models = by_testid(page, "target-model").locator("option").all_inner_texts()
    assert "cosyvoice-v3.5-plus" in models

    by_testid(page, "record-sample").click()  # the microphone: the consent sentence, a pause, then awb's sample
    started = time.monotonic()
    live = page.wait_for_selector("[data-testid=preflight-live]:not([hidden])", timeout=15_000)  # checked as it grows
    assert re.match(r"so far \(\d+ s\): (pass|warn|fail)", live.inner_text()), live.inner_text()
    levels = []
    for _ in range(20):  # the level meter moves with the voice
        levels.append(by_testid(page, "sample-level").evaluate("meter => meter.value"))
        page.wait_for_timeout(100)
    assert max(levels) > 0.05, levels
    page.wait_for_timeout(max(0, int((started + 17.5 - time.monotonic()) * 1000)))
    assert float(by_testid(page, "sample-elapsed").inner_text().split()[0]) > 10
    by_testid(page, "record-sample").click()
    preflight = by_testid(page, "preflight")
    page.wait_for_selector("[data-testid=preflight] > strong", timeout=60_000)
    verdict = preflight.locator("strong").inner_text()
    assert verdict in ("pass", "warn"), preflight.inner_text()
    picture_drawn(page)
    assert by_testid(page, "clone").is_disabled()  # no consent yet

    record(page, "record-consent", 5.0)  # the microphone starts again: the consent sentence alone
    consent = by_testid(page, "consent")
    page.wait_for_selector("[data-testid=consent] > strong", timeout=60_000)
    text = consent.inner_text()
    assert consent.locator("strong").inner_text() == "verified", text
    assert "refused" not in text and "unverified" not in text
    assert re.search(r"speaker: similarity to the sample 0\.\d\d ≥ 0\.80", text), text
    assert not by_testid(page, "clone").is_disabled()
    shot(page, "studio-ready-to-clone.png")

    by_testid(page, "prefix").fill("studio")
    by_testid(page, "clone").click()
    page.wait_for_selector("[data-testid=voice-id]:not(:empty)", timeout=180_000)
    voice_id = by_testid(page, "voice-id").inner_text()
    assert voice_id.startswith("cosyvoice-v3.5-plus-studio-")

    by_testid(page, "speak-text").fill("The studio speaks with the new voice.")
    by_testid(page, "speak").click()
    expect(by_testid(page, "speech")).to_have_attribute("src", re.compile("/files/speech-"), timeout=60_000)
    duration = by_testid(page, "speech").evaluate(
        "a => new Promise(ok => { if (a.readyState >= 1) ok(a.duration);"
        " else a.addEventListener('loadedmetadata', () => ok(a.duration)); })"
    )
    assert duration > 0.5

    score = by_testid(page, "score")  # appears by itself
    page.wait_for_selector("[data-testid=score-similarity]", timeout=180_000)
    similarity = float(by_testid(page, "score-similarity").inner_text())
    assert 0.0 <= similarity <= 1.0
    assert by_testid(page, "score-verdict").inner_text() in ("same speaker", "inconclusive", "different", "not judged")
    assert "speaker similarity" in score.inner_text()
    shot(page, "studio-cloned-and-scored.png")

    from cosyclone.registry import VoiceRegistry

    with VoiceRegistry(studio.home / "emulator" / "registry.sqlite3") as registry:  # what `voices show` reads
        kept = registry.consent(voice_id)
    assert kept is not None and kept["verified"] is True
    assert kept["text"] == by_testid(page, "consent-text").inner_text()
    assert Path(kept["recording"]).is_relative_to(studio.home)

    row = page.locator(f"[data-testid=voice-row][data-voice-id='{voice_id}']")
    row.get_by_test_id("voice-play").click()
    expect(by_testid(page, "voice-audio")).to_have_attribute("src", re.compile("/files/speech-"), timeout=60_000)
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_test_id("voice-delete").click()
    page.wait_for_selector(f"[data-testid=voice-row][data-voice-id='{voice_id}']", state="detached")


def test_a_consent_from_another_speaker_is_refused(page: Any, studio: Studio) -> None:
    open_studio(page, studio)
    by_testid(page, "sample-file").set_input_files(str(AUDIO_FIXTURES / "good" / "flite-awb.wav"))
    page.wait_for_selector("[data-testid=preflight] > strong", timeout=60_000)
    assert by_testid(page, "preflight").locator("strong").inner_text() == "pass"
    expect(by_testid(page, "sample-elapsed")).to_have_text("11.7 s")  # the chosen file's length, not 0.0 s
    by_testid(page, "consent-file").set_input_files(str(AUDIO_FIXTURES / "consent" / "flite-slt-consent.wav"))
    page.wait_for_selector("[data-testid=consent] > strong", timeout=60_000)
    text = by_testid(page, "consent").inner_text()
    assert by_testid(page, "consent").locator("strong").inner_text() == "refused"
    assert "verified" not in text
    assert re.search(r"speaker: similarity to the sample 0\.\d\d < 0\.80", text), text
    assert by_testid(page, "clone").is_disabled()
    shot(page, "studio-consent-refused.png")
    by_testid(page, "consent-language").select_option("zh")  # the same recording, held to the Mandarin sentence
    expect(by_testid(page, "consent-text")).to_contain_text("克隆")
    expect(by_testid(page, "consent")).to_contain_text("words: character error rate", timeout=60_000)
    expect(by_testid(page, "consent").locator("strong")).to_have_text("refused")


def test_a_failing_sample_keeps_the_clone_disabled(page: Any, studio: Studio) -> None:
    open_studio(page, studio)
    by_testid(page, "sample-file").set_input_files(str(AUDIO_FIXTURES / "bad" / "short-3s.wav"))
    page.wait_for_selector("[data-testid=preflight] > strong", timeout=60_000)
    preflight = by_testid(page, "preflight").inner_text()
    assert by_testid(page, "preflight").locator("strong").inner_text() == "fail"
    assert "5" in preflight and "speech" in preflight  # the reason: less than 5 s of continuous speech
    picture_drawn(page)
    assert by_testid(page, "clone").is_disabled()
