"""Contract §11.2–§11.6 on the emulator over real sockets: output rules (12000 Hz, opus rates, bit_rate opus-only),
qwen-audio-3.1 system voices, the SSML tag set and the models that read it, LaTeX as text, and the paths outside
the contract answered in the service's envelope."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from cosyclone.audio.io import decode
from cosyclone.emulator.server import EmulatorServer
from tests.helpers.emulator_fixtures import EMULATOR_API_KEY

AUTH = {"Authorization": f"Bearer {EMULATOR_API_KEY}"}
COSY = "cosyvoice-v3-flash"
QWEN31 = "qwen-audio-3.1-tts-flash"
INVALID = "Required parameter(sample_rate) missing or invalid, please check the request parameters."


def seed(emulator: EmulatorServer, model: str = COSY) -> str:
    tenant = emulator.backend.tenant_of_key(EMULATOR_API_KEY)
    return emulator.backend.seed_voice(tenant, target_model=model).voice_id


def http(
    emulator: EmulatorServer, voice: str, text: str = "Hello there.", model: str = COSY, **inputs: Any
) -> httpx.Response:
    body = {"model": model, "input": {"text": text, "voice": voice, **inputs}}
    return httpx.post(f"{emulator.http_base_url}/services/audio/tts/SpeechSynthesizer", json=body, headers=AUTH)


def audio_of(response: httpx.Response) -> bytes:
    assert response.status_code == 200, response.text
    return httpx.get(response.json()["output"]["audio"]["url"]).content


def ws_task(emulator: EmulatorServer, voice: str, text: str, model: str = COSY, **parameters: Any) -> dict[str, Any]:
    """One WebSocket task; the last event (task-finished or task-failed)."""
    header = {"task_id": "t1", "streaming": "duplex"}
    params = {"text_type": "PlainText", "voice": voice, **parameters}
    run = {"task_group": "audio", "task": "tts", "function": "SpeechSynthesizer", "model": model}
    with connect(emulator.ws_url, additional_headers=AUTH) as conn:
        conn.send(json.dumps({"header": {**header, "action": "run-task"}, "payload": {**run, "parameters": params}}))
        conn.send(json.dumps({"header": {**header, "action": "continue-task"}, "payload": {"input": {"text": text}}}))
        conn.send(json.dumps({"header": {**header, "action": "finish-task"}, "payload": {"input": {}}}))
        while True:
            message = conn.recv(timeout=20)
            if isinstance(message, str):
                event: dict[str, Any] = json.loads(message)
                if event["header"]["event"] in ("task-finished", "task-failed"):
                    return event


# ----- §11.3 output rules --------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [COSY, "qwen-audio-3.0-tts-flash"])
@pytest.mark.parametrize("fmt", ["wav", "mp3", "opus"])
def test_12000_hz_is_accepted(emulator: EmulatorServer, model: str, fmt: str) -> None:
    decoded = decode(audio_of(http(emulator, seed(emulator, model), model=model, format=fmt, sample_rate=12000)))
    assert decoded.sample_rate == (48000 if fmt == "opus" else 12000) and decoded.info.duration_s > 0.3


@pytest.mark.parametrize("rate", [22050, 44100])
def test_opus_at_22050_or_44100_is_refused_on_both_transports(emulator: EmulatorServer, rate: int) -> None:
    voice = seed(emulator)
    refused = http(emulator, voice, format="opus", sample_rate=rate)
    assert refused.status_code == 400
    assert (refused.json()["code"], refused.json()["message"]) == ("InvalidParameter", INVALID)
    event = ws_task(emulator, voice, "Hello.", format="opus", sample_rate=rate)
    assert event["header"]["event"] == "task-failed"
    assert (event["header"]["error_code"], event["header"]["error_message"]) == ("InvalidParameter", INVALID)
    for good in (8000, 16000, 24000, 48000):
        assert ws_task(emulator, voice, "Hello.", format="opus", sample_rate=good)["header"]["event"] == "task-finished"


def test_bit_rate_counts_only_with_opus(emulator: EmulatorServer) -> None:
    voice = seed(emulator)
    mp3 = audio_of(http(emulator, voice, format="mp3", sample_rate=24000))
    mp3_with = audio_of(http(emulator, voice, format="mp3", sample_rate=24000, bit_rate=16))
    assert len(mp3_with) == len(mp3)  # ignored with mp3 (the service's handling is UNCERTAIN; a client never sends it)
    low = audio_of(http(emulator, voice, format="opus", sample_rate=24000, bit_rate=8))
    high = audio_of(http(emulator, voice, format="opus", sample_rate=24000, bit_rate=128))
    assert len(high) > 2 * len(low)
    out_of_range = http(emulator, voice, format="opus", sample_rate=24000, bit_rate=600)
    assert out_of_range.status_code == 400 and "bit_rate" in out_of_range.json()["message"]


# ----- §11.2 qwen-audio-3.1 system voices -----------------------------------------------------------------------


def test_qwen_audio_31_speaks_its_own_voices_only(emulator: EmulatorServer) -> None:
    assert audio_of(http(emulator, "longanhuan_v3.1", model=QWEN31))
    for model, voice in ((QWEN31, "longanhuan_v3.6"), (QWEN31, "longanhuan"), (COSY, "longanhuan_v3.1")):
        refused = http(emulator, voice, model=model)
        assert refused.status_code == 400, (model, voice)
        body = refused.json()
        assert (body["code"], body["message"]) == (
            "InvalidParameter",
            "[cosyvoice:]Engine error [411]: TTS speak operation failed",
        )
    assert ws_task(emulator, "Emily_v3.1", "Hello.", model=QWEN31)["header"]["event"] == "task-finished"
    assert ws_task(emulator, "Emily_v3.1", "Hello.", model=COSY)["header"]["event"] == "task-failed"


# ----- §11.4 SSML and LaTeX -----------------------------------------------------------------------------------


def test_the_documented_ssml_elements_are_read(emulator: EmulatorServer) -> None:
    voice = seed(emulator)
    text = (
        '<speak rate="1" bgm="https://example.com/m.wav" backgroundMusicVolume="30">Visit <sub alias="World Wide '
        'Web">WWW</sub> <soundEvent src="https://example.com/ding.wav"/>on <say-as interpret-as="date">2026-12-03'
        '</say-as> <phoneme alphabet="py" ph="zhong1">中</phoneme><break time="300ms"/>.</speak>'
    )
    response = http(emulator, voice, text, enable_ssml=True)
    assert response.status_code == 200, response.text
    spoken = "Visit World Wide Web on 2026-12-03 中."
    assert response.json()["usage"]["characters"] == len(spoken) + 1  # 中 counts 2; tags bill 0


@pytest.mark.parametrize("element", ['<prosody rate="fast">x</prosody>', "<audio src='a.wav'/>", "<speak>x</speak>"])
def test_other_elements_are_refused_as_malformed(emulator: EmulatorServer, element: str) -> None:
    refused = http(emulator, seed(emulator), f"<speak>Hi {element}</speak>", enable_ssml=True)
    assert refused.status_code == 400 and "not well-formed SSML" in refused.json()["message"]


@pytest.mark.parametrize("model", ["cosyvoice-v1", "qwen-audio-3.0-tts-flash"])
def test_models_without_ssml_refuse_markup_but_speak_plain_text(emulator: EmulatorServer, model: str) -> None:
    voice = seed(emulator, model)
    ssml = '<speak>Hello <break time="200ms"/>there.</speak>'
    event = ws_task(emulator, voice, ssml, model=model, enable_ssml=True)
    assert event["header"]["event"] == "task-failed"
    assert event["header"]["error_message"] == "SSML text is not supported at the moment!"
    # The 1.x SDK's call() turns the switch on for every text: plain text still speaks.
    assert ws_task(emulator, voice, "Hello there.", model=model, enable_ssml=True)["header"]["event"] == "task-finished"


@pytest.mark.parametrize("model", ["cosyvoice-v3.5-plus", "cosyvoice-v2"])
def test_ssml_is_not_refused_for_v35_and_v2(emulator: EmulatorServer, model: str) -> None:
    event = ws_task(
        emulator, seed(emulator, model), '<speak>Hi <break time="100ms"/>you.</speak>', model=model, enable_ssml=True
    )
    assert event["header"]["event"] == "task-finished"


def test_latex_is_read_as_text(emulator: EmulatorServer) -> None:
    text = r"勾股定理：$a^2 + b^2 = c^2$，以及 \(\frac{1}{2}\)。"
    response = http(emulator, seed(emulator), text)
    assert response.status_code == 200, response.text
    assert decode(audio_of(response)).info.duration_s > 1.0


# ----- §11.6 paths outside the contract -------------------------------------------------------------------------


def test_the_realtime_handshake_is_a_404_with_the_envelope(emulator: EmulatorServer) -> None:
    url = emulator.ws_url.replace("/api-ws/v1/inference", "/api-ws/v1/realtime") + "?model=qwen3-tts-flash-realtime"
    with pytest.raises(InvalidStatus) as refused:
        connect(url, additional_headers=AUTH)
    response = refused.value.response
    assert response.status_code == 404
    body = json.loads(response.body or b"{}")
    assert set(body) == {"request_id", "code", "message"} and "realtime" in body["message"]


def test_multimodal_generation_answers_model_not_exist_as_json(emulator: EmulatorServer) -> None:
    body = {"model": "qwen3-tts-flash", "input": {"text": "Hi.", "voice": "Cherry", "language_type": "English"}}
    url = f"{emulator.http_base_url}/services/aigc/multimodal-generation/generation"
    response = httpx.post(url, json=body, headers=AUTH)
    assert response.status_code == 400 and response.headers["content-type"].startswith("application/json")
    assert (response.json()["code"], response.json()["message"]) == ("InvalidParameter", "Model not exist.")


# ----- §11.1 designed voices survive a restart --------------------------------------------------------------------


def design(emulator: EmulatorServer, prompt: str, *, prefix: str, preview_text: str = "Hi.") -> str:
    """A designed voice's id (contract §11.1), made over raw HTTP."""
    body = {
        "model": "voice-enrollment",
        "input": {
            "action": "create_voice",
            "target_model": COSY,
            "prefix": prefix,
            "voice_prompt": prompt,
            "preview_text": preview_text,
        },
    }
    reply = httpx.post(f"{emulator.http_base_url}/services/audio/tts/customization", json=body, headers=AUTH)
    return str(reply.json()["output"]["voice_id"])


def test_a_designed_voice_survives_a_restart_and_keeps_its_sound(tmp_path: Any) -> None:
    text = "The birch canoe slid on the smooth planks."
    with EmulatorServer(data_dir=tmp_path / "state") as emu:
        voice_id = design(emu, "a deep low male voice, slow", prefix="keep", preview_text="Hello there.")
        before = audio_of(http(emu, voice_id, text, format="wav", sample_rate=16000))
    with EmulatorServer(data_dir=tmp_path / "state") as emu:
        query = {"model": "voice-enrollment", "input": {"action": "query_voice", "voice_id": voice_id}}
        queried = httpx.post(f"{emu.http_base_url}/services/audio/tts/customization", json=query, headers=AUTH)
        assert queried.json()["output"]["voice_prompt"] == "a deep low male voice, slow"
        assert audio_of(http(emu, voice_id, text, format="wav", sample_rate=16000)) == before


def test_pace_words_change_how_long_a_designed_voice_takes(emulator: EmulatorServer) -> None:
    text = "The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background."
    voices = {
        prompt: design(emulator, prompt, prefix="pace")
        for prompt in ("a man who speaks slowly", "a man who speaks fast")
    }
    seconds = {
        prompt: decode(audio_of(http(emulator, voice, text, format="wav"))).info.duration_s
        for prompt, voice in voices.items()
    }
    assert seconds["a man who speaks slowly"] > 1.15 * seconds["a man who speaks fast"]
