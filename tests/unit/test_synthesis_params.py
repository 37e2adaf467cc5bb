"""Guard: the synthesis parameters are declared once (schema/synthesis_params.py) and every surface derives its
list from that declaration, so adding a parameter there shows up everywhere with no other edit."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from cosyclone.cli.app import app
from cosyclone.client._speech_options import build_options, wire_parameters
from cosyclone.emulator.api.openapi import openapi_document
from cosyclone.emulator.api.synthesis_rules import server_options
from cosyclone.emulator.errors import EmulatorApiError
from cosyclone.ops.batch import ITEM_PARAMETERS, read_items
from cosyclone.schema.synthesis import HttpSynthesisInput, SynthesisParameters
from cosyclone.schema.synthesis_params import (
    SYNONYMS,
    SynthesisOptions,
    SynthesisOptionsDict,
    mcp_synthesis_input_schema,
    synthesis_params,
)

NAMES_SPECS = synthesis_params()
NAMES = [spec.name for spec in NAMES_SPECS]
WIRE_NAMES = {spec.wire_name for spec in synthesis_params()}


def test_declaration_lists_the_contract_parameters() -> None:
    assert list(SynthesisOptions.model_fields) == NAMES
    assert {"format", "sample_rate", "volume", "rate", "pitch", "bit_rate", "seed"} <= set(NAMES)


def test_speech_keyword_arguments_are_the_declared_ones() -> None:
    assert list(SynthesisOptionsDict.__annotations__) == [*NAMES, *SYNONYMS]


def test_wire_models_carry_every_declared_parameter() -> None:
    run_task = SynthesisParameters.model_json_schema(by_alias=True)["properties"]
    http_input = HttpSynthesisInput.model_json_schema(by_alias=True)["properties"]
    assert set(run_task) == WIRE_NAMES | {"voice", "text_type"}
    assert set(http_input) == WIRE_NAMES | {"voice", "text"}


def test_openapi_synthesis_body_lists_exactly_the_declared_parameters() -> None:
    schemas = openapi_document()["components"]["schemas"]
    assert set(schemas["HttpSynthesisInput"]["properties"]) == WIRE_NAMES | {"text", "voice"}
    assert schemas["HttpSynthesisInput"]["properties"]["volume"]["maximum"] == 100


def test_cli_speak_has_one_option_per_declared_parameter() -> None:
    command = typer.main.get_command(app)
    speak = command.commands["speak"]  # type: ignore[attr-defined]
    flags = {opt for param in speak.params for opt in param.opts}
    own = {"--voice", "--output", "-o", "--file", "-f", "--model", "--http", "--sse", "--overwrite", "--json"}
    assert flags - own - {"TEXT", "text"} == {spec.cli_flag for spec in synthesis_params()}


def test_batch_columns_are_the_declared_parameters(tmp_path: Path) -> None:
    assert ("voice", "model", *NAMES) == ITEM_PARAMETERS
    source = tmp_path / "script.csv"
    source.write_text('id,text,volume,rate,language_hints,enable_ssml\na,hello,70,1.5,"zh,en",true\n')
    [item] = read_items(source)
    assert item.parameters == {"volume": 70, "rate": 1.5, "language_hints": ["zh", "en"], "enable_ssml": True}


def test_mcp_schema_helper_lists_exactly_the_declared_parameters() -> None:
    schema = mcp_synthesis_input_schema()
    assert list(schema["properties"]) == NAMES
    assert all(prop["default"] is None for prop in schema["properties"].values())
    assert not any(key.startswith("x-") for prop in schema["properties"].values() for key in prop)


@pytest.mark.parametrize("spec", [s for s in synthesis_params() if s.maximum is not None], ids=lambda s: s.name)
def test_emulator_checks_every_declared_bound(spec) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(EmulatorApiError) as caught:
        server_options({spec.wire_name: spec.maximum + 1, "format": (spec.formats or ("mp3",))[0]})
    assert f"({spec.wire_name})" in caught.value.message


def test_server_defaults_fill_what_is_not_sent() -> None:
    options = server_options({"format": "Default"})
    assert (options.format, options.sample_rate, options.seed, options.enable_ssml) == ("mp3", 22050, 0, False)


def test_client_sends_a_parameter_only_with_the_formats_it_applies_to() -> None:
    for spec in synthesis_params():
        if spec.formats is None:
            continue
        for fmt in ("pcm", "mp3", "opus"):
            options = build_options(format=fmt, **{spec.name: spec.minimum})
            wire = wire_parameters(options, "longxiaochun", wire_format=fmt).to_wire()
            assert (spec.wire_name in wire) == (fmt in spec.formats)


def test_client_leaves_switches_that_are_off_unsent() -> None:
    wire = wire_parameters(build_options(enable_ssml=False), "v", wire_format="mp3").to_wire()
    assert "enable_ssml" not in wire and wire["format"] == "mp3" and wire["volume"] == 50


def test_a_parameter_limited_to_some_models_is_refused_for_others(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    from cosyclone import InvalidRequestError
    from cosyclone.client import _speech_options

    limited = [dataclasses.replace(s, models=("cosyvoice-v3-flash",)) if s.name == "seed" else s for s in NAMES_SPECS]
    monkeypatch.setattr(_speech_options, "synthesis_params", lambda: tuple(limited))
    _speech_options.check_model_support(build_options(seed=7), "cosyvoice-v3-flash")
    _speech_options.check_model_support(build_options(), "cosyvoice-v2")
    with pytest.raises(InvalidRequestError, match="seed"):
        _speech_options.check_model_support(build_options(seed=7), "cosyvoice-v2")
