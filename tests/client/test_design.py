"""``voices.design`` on Client and AsyncClient against the emulator over real sockets (contract §11.1), and the
§11.2 rule on system voices checked before sending."""

from __future__ import annotations

import asyncio

import pytest

from cosyclone import AsyncClient, Client, DesignedVoice, DesignOptions, InvalidRequestError
from cosyclone.audio.io import decode
from cosyclone.emulator.server import EmulatorServer
from tests.helpers.emulator_fixtures import EMULATOR_API_KEY


def test_design_returns_the_voice_and_its_preview(client: Client) -> None:
    designed = client.voices.design(
        "一位沉稳的中年男性，音色低沉浑厚", prefix="zhvd", target_model="cosyvoice-v3-flash", preview_format="mp3"
    )
    assert isinstance(designed, DesignedVoice)
    assert designed.voice_id.startswith("cosyvoice-v3-flash-vd-zhvd-") and designed.status == "OK"
    assert designed.language == "zh" and designed.preview_text  # a Chinese default preview
    assert (designed.preview_format, designed.preview_sample_rate) == ("mp3", 24000)
    assert decode(designed.preview_audio).sample_rate == 24000
    fetched = client.voices.get(designed.voice_id)
    assert fetched.voice_prompt == "一位沉稳的中年男性，音色低沉浑厚" and fetched.resource_link is None
    result = client.speech.synthesize("你好。", voice=designed.voice_id, format="wav")
    assert result.model == "cosyvoice-v3-flash" and result.audio


def test_async_design_is_the_twin(emulator: EmulatorServer) -> None:
    async def main() -> DesignedVoice:
        async with AsyncClient(api_key=EMULATOR_API_KEY, base_url=emulator.http_base_url) as client:
            return await client.voices.design("a bright young female voice", prefix="av", preview_format="pcm")

    designed = asyncio.run(main())
    assert "-vd-av-" in designed.voice_id and designed.preview_format == "pcm"
    assert designed.preview_audio[:4] != b"RIFF" and len(designed.preview_audio) > 24000


def test_design_from_checked_options_is_the_same_design(client: Client) -> None:
    options = DesignOptions(voice_prompt="a bright young female voice", prefix="from", response_format="wav")
    by_options = client.voices.design_from(options)
    by_keywords = client.voices.design("a bright young female voice", prefix="from", preview_format="wav")
    assert by_options.voice_id != by_keywords.voice_id and "-vd-from-" in by_options.voice_id
    assert by_options.preview_audio == by_keywords.preview_audio, "the same prompt gives the same preview"
    assert (by_options.preview_format, by_options.status) == ("wav", "OK")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"voice_prompt": "x" * 501}, "voice_prompt"),
        ({"preview_text": "y" * 201}, "preview_text"),
        ({"preview_sample_rate": 22050}, "sample_rate"),
        ({"preview_format": "opus"}, "response_format"),
        ({"target_model": "cosyvoice-v2"}, "target_model"),
        ({"language_hints": ["ja"]}, "language_hints"),
    ],
)
def test_rules_are_checked_before_any_call(client: Client, emulator: EmulatorServer, kwargs: dict, field: str) -> None:
    arguments = {"voice_prompt": "a calm voice", "prefix": "rules", **kwargs}
    prompt = arguments.pop("voice_prompt")
    with pytest.raises(InvalidRequestError) as raised:
        client.voices.design(prompt, **arguments)
    assert any(p.field.startswith(field) for p in raised.value.problems)
    assert client.voices.list(prefix="rules").voices == []


def test_a_system_voice_of_another_generation_is_refused_before_sending(client: Client) -> None:
    """Contract §11.2: qwen-audio-3.1 speaks only *_v3.1 system voices, and no other model speaks them."""
    assert client.speech.synthesize("Hello.", voice="longanhuan_v3.1", model="qwen-audio-3.1-tts-flash").audio
    for voice, model in (("longanhuan_v3.6", "qwen-audio-3.1-tts-flash"), ("longanhuan_v3.1", "cosyvoice-v3-flash")):
        with pytest.raises(InvalidRequestError, match="voice"):
            client.speech.synthesize("Hello.", voice=voice, model=model)
