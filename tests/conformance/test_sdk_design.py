"""Voice design (contract §11.1) as the official SDK and a raw HTTP client see it on the emulator.

The SDK has no CosyVoice design call (``VoiceEnrollmentService.create_voice`` always sends ``url``; 2.0.2's
``VoiceDesign`` drives the separate ``qwen-voice-design`` family), so creation goes over raw HTTP; query, list,
delete and synthesis with the designed voice go through the SDK.
"""

from __future__ import annotations

import base64
import re
from typing import Any

import httpx
import pytest

from cosyclone.audio.io import decode
from cosyclone.audio.metrics import median_f0_hz
from cosyclone.emulator.voice.designed import voice_traits
from cosyclone.schema.enrollment import CUSTOMIZATION_PATH
from tests.conformance.conftest import SDK

pytest.importorskip("dashscope")

from dashscope.audio.http_tts.http_speech_synthesizer import HttpSpeechSynthesizer
from dashscope.audio.tts_v2 import AudioFormat, SpeechSynthesizer, VoiceEnrollmentService
from dashscope.audio.tts_v2.enrollment import VoiceEnrollmentException

MODEL = "cosyvoice-v3-flash"
DESIGNED = re.compile(r"^cosyvoice-v3-flash-vd-dz-[0-9a-f]{32}$")
PROMPT = "a warm low male voice, calm and slow"


def design(sdk: SDK, *, parameters: dict[str, Any] | None = None, **fields: Any) -> httpx.Response:
    body = {
        "model": "voice-enrollment",
        "input": {
            "action": "create_voice",
            "target_model": MODEL,
            "prefix": "dz",
            "voice_prompt": PROMPT,
            "preview_text": "Hello there, this is my new voice.",
            **fields,
        },
        "parameters": {"sample_rate": 24000, "response_format": "wav"} if parameters is None else parameters,
    }
    body["input"] = {k: v for k, v in body["input"].items() if v is not None}
    return httpx.post(
        f"{sdk.emulator.http_base_url}/{CUSTOMIZATION_PATH}",
        json=body,
        headers={"Authorization": f"Bearer {sdk.api_key}"},
        timeout=60.0,
    )


def designed_voice(sdk: SDK, **fields: Any) -> str:
    reply = design(sdk, **fields)
    assert reply.status_code == 200, reply.text
    return str(reply.json()["output"]["voice_id"])


def test_design_answers_a_vd_voice_id_and_a_wav_preview(sdk: SDK) -> None:
    reply = design(sdk)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert set(body) == {"request_id", "output", "usage"} and body["usage"] == {"count": 1}
    output = body["output"]
    assert DESIGNED.match(output["voice_id"])
    preview = output["preview_audio"]
    assert (preview["sample_rate"], preview["response_format"]) == (24000, "wav")
    decoded = decode(base64.b64decode(preview["data"]))
    assert decoded.sample_rate == 24000 and decoded.samples.shape[0] / 24000 > 1.0


@pytest.mark.parametrize(("fmt", "rate"), [("mp3", 16000), ("pcm", 48000), ("wav", 16000)])
def test_the_preview_comes_in_the_asked_format_and_rate(sdk: SDK, fmt: str, rate: int) -> None:
    reply = design(sdk, parameters={"sample_rate": rate, "response_format": fmt})
    data = base64.b64decode(reply.json()["output"]["preview_audio"]["data"])
    if fmt == "pcm":
        assert data[:4] != b"RIFF" and len(data) % 2 == 0 and len(data) / 2 / rate > 1.0
        return
    decoded = decode(data)
    assert decoded.sample_rate == rate
    assert (data[:4] == b"RIFF") == (fmt == "wav")


@pytest.mark.parametrize(
    ("fields", "parameters", "named"),
    [
        ({"voice_prompt": None}, None, "voice_prompt"),
        ({"voice_prompt": "x" * 501}, None, "voice_prompt"),
        ({"voice_prompt": "теплый мужской голос"}, None, "voice_prompt"),
        ({"preview_text": None}, None, "preview_text"),
        ({"preview_text": "y" * 201}, None, "preview_text"),
        ({"target_model": "cosyvoice-v2"}, None, "target_model"),
        ({"prefix": "bad-prefix"}, None, "prefix"),
        ({"language_hints": ["fr"]}, None, "language_hints"),
        ({}, {"sample_rate": 22050}, "parameters.sample_rate"),
        ({}, {"response_format": "opus"}, "parameters.response_format"),
        ({"url": "https://example.com/a.wav"}, None, "voice_prompt"),
    ],
)
def test_design_field_rules_name_the_field(
    sdk: SDK, fields: dict[str, Any], parameters: dict[str, Any] | None, named: str
) -> None:
    reply = design(sdk, parameters=parameters, **fields)
    assert reply.status_code == 400
    assert reply.json()["code"] == "InvalidParameter"
    assert (
        reply.json()["message"]
        == f"Required parameter({named}) missing or invalid, please check the request parameters."
    )


def test_the_sdk_queries_lists_and_deletes_a_designed_voice(sdk: SDK) -> None:
    voice_id = designed_voice(sdk)
    service = VoiceEnrollmentService()
    queried = service.query_voice(voice_id)
    assert queried["status"] == "OK" and queried["target_model"] == MODEL
    assert queried["voice_prompt"] == PROMPT and "resource_link" not in queried
    listed = service.list_voices(prefix="dz")
    assert [v["voice_id"] for v in listed] == [voice_id] and listed[0]["voice_prompt"] == PROMPT
    with pytest.raises(VoiceEnrollmentException, match="InvalidParameter"):
        service.update_voice(voice_id, "https://example.com/new.wav")
    service.delete_voice(voice_id)
    with pytest.raises(VoiceEnrollmentException, match="ResourceNotExist"):
        service.query_voice(voice_id)


def test_a_designed_voice_speaks_over_the_websocket_and_http(sdk: SDK) -> None:
    voice_id = designed_voice(sdk)
    audio = SpeechSynthesizer(model=MODEL, voice=voice_id, format=AudioFormat.WAV_16000HZ_MONO_16BIT).call(
        "Good morning, everyone. Today we read a short story together."
    )
    assert audio and decode(audio).samples.shape[0] / 16000 > 1.0
    result = HttpSpeechSynthesizer.call(model=MODEL, text="Good evening.", voice=voice_id)
    assert result.status_code == 200 and httpx.get(result.audio_url).content
    mismatch = HttpSpeechSynthesizer.call(model="cosyvoice-v3-plus", text="Hi.", voice=voice_id)
    assert mismatch.status_code == 400 and "418" in mismatch.message


def test_the_description_moves_the_voice_and_stays_stable(sdk: SDK) -> None:
    low, high = voice_traits("a deep low male voice"), voice_traits("a bright high-pitched young girl")
    assert low == voice_traits("a deep low male voice")
    assert low.f0_hz < 140 < 200 < high.f0_hz and high.formant > low.formant
    assert voice_traits("speaks slowly").pace < 1.0 < voice_traits("speaks fast").pace
    assert voice_traits("an old man").f0_hz < voice_traits("a young man").f0_hz
    assert voice_traits("沉稳的中年男性，音色低沉浑厚").f0_hz < voice_traits("活泼的年轻女孩").f0_hz
    voices = {p: designed_voice(sdk, voice_prompt=p) for p in ("a deep low male voice", "a bright high-pitched girl")}
    pitch: dict[str, float | None] = {}
    for prompt, voice_id in voices.items():
        audio = SpeechSynthesizer(model=MODEL, voice=voice_id, format=AudioFormat.WAV_16000HZ_MONO_16BIT).call(
            "The birch canoe slid on the smooth planks."
        )
        decoded = decode(audio)
        pitch[prompt] = median_f0_hz(decoded.samples[:, 0], sample_rate_hz=decoded.sample_rate)
    low_hz, high_hz = pitch["a deep low male voice"], pitch["a bright high-pitched girl"]
    assert low_hz is not None and high_hz is not None and low_hz < high_hz


def test_qwen_voice_design_is_a_model_the_emulator_does_not_serve(sdk: SDK) -> None:
    from dashscope.v2.client import Client  # 2.0.2: client.audio.voice_design drives the Qwen family

    client = Client(api_key=sdk.api_key, base_url=sdk.emulator.http_base_url, max_retries=0)
    with pytest.raises(Exception, match="Model not exist"):
        client.audio.voice_design.create(
            target_model="qwen3-tts-vd-2026-01-26", voice_prompt="A calm narrator.", preview_text="Welcome."
        )
