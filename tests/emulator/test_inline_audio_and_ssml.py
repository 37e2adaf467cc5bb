"""Issue 12 in the emulator: ``input.audio`` (a URL or a ``data:audio/…;base64,`` URI, never both with ``url``),
judged like a download; the ``refuse_audio`` fault; ``enable_volume_normalization`` as a bool or a string; the
Qwen-Audio targets on both synthesis endpoints; SSML over HTTP (malformed is 400, breaks are silence)."""

from __future__ import annotations

import base64

import httpx
import pytest

from cosyclone.emulator.faults import Fault
from cosyclone.emulator.server import EmulatorServer
from cosyclone.schema.synthesis import SYNTHESIS_PATH
from tests.conftest import AUDIO_FIXTURES
from tests.emulator._api import GOOD_SAMPLE, assert_error, auth, call
from tests.helpers.emulator_fixtures import EMULATOR_API_KEY, SampleServer

QWEN = "qwen-audio-3.0-tts-flash"
SSML_MODEL = "cosyvoice-v3-flash"


def inline(path: str = GOOD_SAMPLE, mime: str = "audio/wav") -> str:
    return f"data:{mime};base64," + base64.b64encode((AUDIO_FIXTURES / path).read_bytes()).decode()


def create(emulator: EmulatorServer, **fields: object) -> httpx.Response:
    return call(emulator, {"action": "create_voice", "target_model": QWEN, "prefix": "inl", **fields})


def test_a_data_uri_enrolls_like_a_download(emulator: EmulatorServer) -> None:
    response = create(emulator, audio=inline())
    assert response.status_code == 200, response.text
    voice_id = response.json()["output"]["voice_id"]
    assert voice_id.startswith(QWEN + "-inl-")
    query = call(emulator, {"action": "query_voice", "voice_id": voice_id}).json()["output"]
    assert query["status"] == "OK" and query["resource_link"].startswith("data:audio/wav;sha256=")


def test_audio_may_also_be_a_url(emulator: EmulatorServer, sample_server: SampleServer) -> None:
    response = create(emulator, audio=sample_server.url(GOOD_SAMPLE))
    assert response.status_code == 200, response.text


def test_a_silent_inline_sample_is_judged_as_a_download_would_be(emulator: EmulatorServer) -> None:
    silent = next(p for p in (AUDIO_FIXTURES / "bad").glob("*silen*.wav"))
    response = create(emulator, audio=inline(str(silent.relative_to(AUDIO_FIXTURES))))
    assert response.status_code == 400 and response.json()["code"].startswith("Audio.")


@pytest.mark.parametrize(
    ("fields", "code", "names"),
    [
        ({"audio": "data:audio/wav;base64,AAAA", "url": "https://example.invalid/a.wav"}, "InvalidParameter", "audio"),
        ({}, "InvalidParameter", "url"),
        ({"audio": "data:text/plain;base64,AAAA"}, "InvalidParameter", "audio"),
        ({"audio": "data:audio/wav;base64,@@@@"}, "InvalidParameter", "audio"),
        ({"audio": "ftp://example.invalid/a.wav"}, "InvalidParameter", "audio"),
        ({"audio": "data:audio/wav;base64," + "A" * (10 * 1024 * 1024)}, "Audio.FileSizeExceed", ""),
    ],
    ids=["both", "neither", "not-audio", "not-base64", "bad-scheme", "over-10MB"],
)
def test_bad_samples_are_400(emulator: EmulatorServer, fields: dict[str, object], code: str, names: str) -> None:
    body = assert_error(create(emulator, **fields), 400, code)
    assert names in body["message"]


def test_the_refuse_audio_fault(emulator: EmulatorServer, sample_server: SampleServer) -> None:
    emulator.backend.faults.add(Fault(target="create_voice", kind="refuse_audio", times=2))
    body = assert_error(create(emulator, audio=inline()), 400, "InvalidParameter")
    assert body["message"].startswith("Required parameter(url)")
    assert create(emulator, url=sample_server.url(GOOD_SAMPLE)).status_code == 200  # url passes (a use is spent)
    assert create(emulator, audio=inline()).status_code == 200  # the fault is used up


@pytest.mark.parametrize("value", [True, False, "true", "false", "TRUE"])
def test_volume_normalization_as_bool_or_string(
    emulator: EmulatorServer, sample_server: SampleServer, value: object
) -> None:
    response = create(emulator, url=sample_server.url(GOOD_SAMPLE), enable_volume_normalization=value)
    assert response.status_code == 200, response.text


def test_volume_normalization_of_another_kind_is_400(emulator: EmulatorServer, sample_server: SampleServer) -> None:
    response = create(emulator, url=sample_server.url(GOOD_SAMPLE), enable_volume_normalization="loud")
    assert_error(response, 400, "InvalidParameter")


def _speak(emulator: EmulatorServer, voice: str, text: str, *, model: str = QWEN, **fields: object) -> httpx.Response:
    body = {"model": model, "input": {"text": text, "voice": voice, "format": "pcm", "sample_rate": 16000, **fields}}
    return httpx.post(f"{emulator.http_base_url}/{SYNTHESIS_PATH}", json=body, headers=auth(EMULATOR_API_KEY))


def _seconds(emulator: EmulatorServer, response: httpx.Response) -> float:
    assert response.status_code == 200, response.text
    return len(httpx.get(response.json()["output"]["audio"]["url"]).content) / 32000


def test_ssml_over_http_breaks_are_silence_and_malformed_is_400(emulator: EmulatorServer) -> None:
    tenant = emulator.backend.tenant_of_key(EMULATOR_API_KEY)
    # contract §11.4: SSML is read by the CosyVoice v2/v3/v3.5 models, not by qwen-audio (see test_contract_11b)
    voice = emulator.backend.seed_voice(tenant, target_model=SSML_MODEL).voice_id
    plain = _seconds(emulator, _speak(emulator, voice, "Good morning to you.", model=SSML_MODEL))
    ssml_text = '<speak>Good morning <break time="1500ms"/>to <say-as interpret-as="name">you</say-as>.</speak>'
    by_text_type = _seconds(emulator, _speak(emulator, voice, ssml_text, model=SSML_MODEL, text_type="SSML"))
    by_switch = _seconds(emulator, _speak(emulator, voice, ssml_text, model=SSML_MODEL, enable_ssml=True))
    assert by_text_type == by_switch and by_switch > plain + 1.3
    response = _speak(emulator, voice, "<speak>Good <break time='soon'/></speak>", model=SSML_MODEL, enable_ssml=True)
    assert "SSML" in assert_error(response, 400, "InvalidParameter")["message"]
    doctype = '<!DOCTYPE x [<!ENTITY a "b">]><speak>&a;</speak>'
    response = _speak(emulator, voice, doctype, model=SSML_MODEL, enable_ssml=True)
    assert_error(response, 400, "InvalidParameter")
