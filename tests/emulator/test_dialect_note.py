"""A synthesis instruction asking for a Chinese dialect (contract §10.11) is accepted; the emulator speaks
standard Mandarin and says so in its log."""

from __future__ import annotations

import logging

import pytest

from cosyclone.client import Client
from cosyclone.emulator.server import EmulatorServer
from tests.helpers.emulator_fixtures import EMULATOR_API_KEY

MODEL = "cosyvoice-v3-flash"  # takes an instruction


def test_a_cantonese_instruction_is_accepted_and_noted(
    emulator: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING), Client(api_key=EMULATOR_API_KEY, base_url=emulator.http_base_url) as client:
        result = client.speech.synthesize(
            "你好，今天天气很好。", voice="longanyang", model=MODEL, format="wav", instruction="请用粤语说这句话"
        )
    assert len(result.audio) > 10_000
    notes = [r.getMessage() for r in caplog.records if "as standard Mandarin" in r.getMessage()]
    assert notes and "Cantonese" in notes[0] and "longanyang" in notes[0]


def test_a_plain_instruction_gets_no_dialect_note(emulator: EmulatorServer, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING), Client(api_key=EMULATOR_API_KEY, base_url=emulator.http_base_url) as client:
        result = client.speech.synthesize("你好。", voice="longanyang", model=MODEL, format="wav", instruction="慢一点")
    assert len(result.audio) > 1_000
    assert not [r for r in caplog.records if "as standard Mandarin" in r.getMessage()]
