"""The studio's server without a browser: its guards (own Host and Origin only, upload caps, no key on the page)
and the conversion of a browser recording to 16-bit PCM WAV — over real sockets, against the real entry point."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import soundfile as sf

from cosyclone.audio.io import decode, encode
from cosyclone.emulator.server import EmulatorServer
from tests.conftest import AUDIO_FIXTURES, PLANTED_KEY
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
