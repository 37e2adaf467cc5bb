"""The studio's server without a browser: its guards (own Host and Origin only, upload caps, no key on the page)
and the conversion of a browser recording to 16-bit PCM WAV — over real sockets, against the real entry point."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
import soundfile as sf

from cosyclone.audio.io import decode, encode
from cosyclone.emulator.server import EmulatorServer
from tests.conftest import AUDIO_FIXTURES, PLANTED_KEY, CLIResult
from tests.helpers.emulator_fixtures import emulator  # noqa: F401
from tests.studio.conftest import Studio

SAMPLE = AUDIO_FIXTURES / "good" / "flite-awb.wav"


def origin(studio: Studio) -> dict[str, str]:
    return {"Origin": studio.url.rstrip("/")}


def test_a_foreign_host_or_origin_is_refused(studio: Studio) -> None:
    with httpx.Client(base_url=studio.url, timeout=60) as http:
        assert http.get("/api/config").status_code == 200
        rebound = http.get("/api/config", headers={"Host": "attacker.example:80"})
        assert rebound.status_code == 403 and "Host" in rebound.json()["message"]
        port = studio.url.rsplit(":", 1)[1].rstrip("/")
        assert http.get("/", headers={"Host": f"localhost:{port}"}).status_code == 200
        foreign = http.post("/api/sample", content=SAMPLE.read_bytes(), headers={"Origin": "http://attacker.example"})
        assert foreign.status_code == 403
        cross_site = http.delete("/api/voices/x", headers={**origin(studio), "Sec-Fetch-Site": "cross-site"})
        assert cross_site.status_code == 403
        bare = http.post("/api/sample", content=SAMPLE.read_bytes())  # no Origin: not from the page
        assert bare.status_code == 403 and "Origin" in bare.json()["message"]
        same = http.post("/api/sample", content=SAMPLE.read_bytes(), headers={"Sec-Fetch-Site": "same-origin"})
        assert same.status_code == 200 and same.json()["verdict"] == "pass"


def test_uploads_are_capped_and_names_never_become_paths(studio: Studio) -> None:
    with httpx.Client(base_url=studio.url, timeout=60) as http:
        huge = http.post("/api/sample", content=b"\0" * (25 * 1024 * 1024 + 1), headers=origin(studio))
        assert huge.status_code == 413 and "25 MB" in huge.json()["message"]
        escape = http.post("/api/consent?sample=../../registry.sqlite3", content=b"x", headers=origin(studio))
        assert escape.status_code == 400 and "is not the name of a sample" in escape.json()["message"]
        assert http.get("/files/..%2Fregistry.sqlite3").status_code == 404
        page = http.get("/")
        assert "script-src 'self'" in page.headers["content-security-policy"]


def test_a_browser_recording_is_kept_as_16_bit_wav(studio: Studio) -> None:
    decoded = decode(SAMPLE)
    ogg_opus = encode(decoded.samples, decoded.sample_rate, "opus")  # what Firefox's MediaRecorder may give
    with httpx.Client(base_url=studio.url, timeout=60) as http:
        checked = http.post("/api/sample", content=ogg_opus, headers={**origin(studio), "Content-Type": "audio/ogg"})
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["converted_from"] == "ogg" and body["sample"].endswith(".wav")
    kept = studio.home / "studio" / "samples" / body["sample"]
    info = sf.info(kept)
    assert info.format == "WAV" and info.subtype == "PCM_16"
    assert body["verdict"] in ("pass", "warn")


def test_the_api_key_never_reaches_the_page(
    start_studio: Callable[..., Studio],
    emulator: EmulatorServer,  # noqa: F811
) -> None:
    studio = start_studio("--base-url", emulator.http_base_url, env={"DASHSCOPE_API_KEY": PLANTED_KEY})
    seen: list[str] = []
    with httpx.Client(base_url=studio.url, timeout=60, headers=origin(studio)) as http:
        for path in ("/", "/static/studio.js", "/api/config", "/api/voices"):
            seen.append(http.get(path).text)
        seen.append(http.delete("/api/voices/cosyvoice-v3.5-plus-nobody-0123456789abcdef").text)
        seen.append(http.post("/api/speak", json={"voice_id": "nobody", "text": "Hi."}).text)
    assert all(PLANTED_KEY not in text for text in seen)
    assert any("NotFound" in text or "InvalidRequest" in text for text in seen[-2:])
    for path in Path(studio.home).rglob("*"):
        if path.is_file():
            assert PLANTED_KEY.encode() not in path.read_bytes(), path


def test_an_organisations_own_wording_replaces_the_sentences(start_studio: Callable[..., Studio]) -> None:
    wording = "We at Acme agree to have our voice cloned for the training videos."
    studio = start_studio("--emulator", studio_args=("--no-browser", "--consent-text", wording))
    with httpx.Client(base_url=studio.url, timeout=60) as http:
        assert http.get("/api/config").json()["consent_texts"] == {"own": wording}


def test_the_page_offers_the_sentence_in_each_language(studio: Studio) -> None:
    with httpx.Client(base_url=studio.url, timeout=60, headers=origin(studio)) as http:
        texts = http.get("/api/config").json()["consent_texts"]
        assert set(texts) == {"en", "zh"} and "克隆" in texts["zh"]
        sample = http.post("/api/sample", content=SAMPLE.read_bytes()).json()["sample"]
        wrong = http.post(f"/api/consent?sample={sample}&language=fr", content=SAMPLE.read_bytes())
        assert wrong.status_code == 400 and "language" in wrong.json()["message"]


def test_without_a_key_the_studio_does_not_start(run_cli: Callable[..., CLIResult]) -> None:
    refused = run_cli("studio", "--port", "0", "--no-browser")
    assert refused.returncode == 2 and "--emulator" in refused.stderr
    assert "serving at" not in refused.stdout
    busy = run_cli("studio", "--port", "99999", "--no-browser")
    assert busy.returncode == 2 and "--port" in busy.stderr


def test_the_page_opens_in_the_browser_unless_told_not_to(start_studio: Callable[..., Studio], tmp_path: Path) -> None:
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n', encoding="utf-8")
    browser.chmod(0o755)
    studio = start_studio("--emulator", env={"BROWSER": str(browser)}, studio_args=())
    for _ in range(100):
        if opened.exists() and opened.read_text(encoding="utf-8").strip():
            break
        time.sleep(0.1)
    assert opened.read_text(encoding="utf-8").strip() == studio.url
