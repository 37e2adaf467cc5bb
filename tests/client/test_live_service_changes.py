"""Issue 12 through the client, against a live emulator: Qwen-Audio targets (clone, then speech over HTTP without
asking), a local sample sent inline as ``input.audio`` with the ``oss://`` upload as fallback (and how many
requests each path makes), disputed region rules, volume normalization, SSML."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from cosyclone import InvalidRequestError
from cosyclone.client import Client
from cosyclone.emulator.faults import Fault
from cosyclone.emulator.server import EmulatorServer
from tests.conftest import AUDIO_FIXTURES
from tests.helpers.emulator_fixtures import EMULATOR_API_KEY, SampleServer

GOOD = AUDIO_FIXTURES / "good" / "librivox-reader-15s.wav"
QWEN_AUDIO = "qwen-audio-3.0-tts-flash"


class Recorder:
    """Every request a client sends: method, URL path and JSON body (if any)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, object] | None]] = []

    def __call__(self, request: httpx.Request) -> None:
        body = None
        if request.headers.get("content-type", "").startswith("application/json"):
            body = json.loads(request.content)
        self.requests.append((request.method, request.url.path, body))

    def actions(self) -> list[str]:
        out = []
        for method, path, body in self.requests:
            given = body.get("input") if isinstance(body, dict) else None
            action = given.get("action") if isinstance(given, dict) else None
            out.append(str(action) if action else f"{method} {path.rsplit('/', 1)[-1]}")
        return out


@pytest.fixture
def recorded(emulator: EmulatorServer) -> Iterator[tuple[Client, Recorder]]:
    recorder = Recorder()
    http = httpx.Client(timeout=30, event_hooks={"request": [recorder]})
    with Client(api_key=EMULATOR_API_KEY, base_url=emulator.http_base_url, http_client=http) as made:
        yield made, recorder
    http.close()


def test_a_local_file_goes_inline_in_one_request_and_the_upload_takes_three(recorded: tuple[Client, Recorder]) -> None:
    client, recorder = recorded
    inline = client.voices.create(prefix="inline", sample=GOOD)
    inline_actions = recorder.actions()
    recorder.requests.clear()
    uploaded = client.voices.create(prefix="oss", sample=GOOD, upload="oss")
    upload_actions = recorder.actions()
    assert inline_actions == ["create_voice"]
    assert upload_actions == ["GET uploads", "POST oss", "create_voice"]
    assert any("inline" in note for note in inline.notes)
    assert inline.sample_url.startswith("data:audio/wav;base64,…")
    assert client.voices.get(inline.voice_id).resource_link.startswith("data:audio/wav;sha256=")  # type: ignore[union-attr]
    assert client.voices.get(uploaded.voice_id).resource_link.startswith("oss://")  # type: ignore[union-attr]


def test_an_m4a_goes_inline_as_audio_mp4(client: Client) -> None:
    created = client.voices.create(prefix="m4a", sample=AUDIO_FIXTURES / "good" / "librivox-reader-15s.m4a")
    assert created.sample_url.startswith("data:audio/mp4;base64,")
    assert client.voices.wait_until_ready(created.voice_id, timeout=10).status == "OK"


def test_a_service_refusing_audio_gets_the_upload_and_one_voice(
    recorded: tuple[Client, Recorder], emulator: EmulatorServer
) -> None:
    client, recorder = recorded
    emulator.backend.faults.add(Fault(target="create_voice", kind="refuse_audio"))
    created = client.voices.create(prefix="fallback", sample=GOOD)
    assert recorder.actions() == ["create_voice", "GET uploads", "POST oss", "create_voice"]
    assert any("refused the sample inline" in note for note in created.notes)
    assert [v.voice_id for v in client.voices.list(prefix="fallback").voices] == [created.voice_id]


def test_any_400_to_the_inline_sample_gets_the_upload(
    recorded: tuple[Client, Recorder], emulator: EmulatorServer
) -> None:
    """A service that judges the inline sample otherwise than we did (here: too large) is not our user's problem."""
    client, recorder = recorded
    emulator.backend.faults.add(
        Fault(
            target="create_voice", kind="http_error", status=400, code="Audio.FileSizeExceed", message="File too large"
        )
    )
    created = client.voices.create(prefix="big", sample=GOOD)
    assert recorder.actions() == ["create_voice", "GET uploads", "POST oss", "create_voice"]
    assert [v.voice_id for v in client.voices.list(prefix="big").voices] == [created.voice_id]


def test_forcing_data_uri_surfaces_the_refusal(client: Client, emulator: EmulatorServer) -> None:
    emulator.backend.faults.add(Fault(target="create_voice", kind="refuse_audio"))
    with pytest.raises(Exception, match="Required parameter"):
        client.voices.create(prefix="forced", sample=GOOD, upload="data-uri")
    assert client.voices.list(prefix="forced").voices == []


def test_upload_mode_is_checked_before_any_call(client: Client) -> None:
    with pytest.raises(InvalidRequestError, match="upload"):
        client.voices.create(prefix="bad", sample=GOOD, upload="ftp")  # type: ignore[arg-type]


def test_qwen_audio_clone_then_speech_over_http_without_asking(
    recorded: tuple[Client, Recorder], sample_server: SampleServer
) -> None:
    client, recorder = recorded
    created = client.voices.create(
        prefix="qwen", sample=sample_server.url("good/librivox-reader-15s.wav"), target_model=QWEN_AUDIO
    )
    assert client.voices.wait_until_ready(created.voice_id, timeout=10).status == "OK"
    assert client.speech.plan(created.voice_id) == (QWEN_AUDIO, "sse")
    recorder.requests.clear()
    result = client.speech.synthesize("Hello there. How are you?", voice=created.voice_id, format="wav")
    assert result.model == QWEN_AUDIO and len(result.audio) > 44 and result.characters > 0
    assert [path.rsplit("/", 1)[-1] for _, path, _ in recorder.requests] == ["SpeechSynthesizer"]
    with_instruction = client.speech.synthesize("Hello.", voice=created.voice_id, instruction="speak slowly")
    assert with_instruction.audio


def test_volume_normalization_is_sent(recorded: tuple[Client, Recorder], sample_server: SampleServer) -> None:
    client, recorder = recorded
    client.voices.create(
        prefix="vol", sample=sample_server.url("good/librivox-reader-15s.wav"), enable_volume_normalization=True
    )
    body = recorder.requests[-1][2]
    assert isinstance(body, dict) and body["input"]["enable_volume_normalization"] is True  # type: ignore[index]


def test_a_disputed_region_warns_sends_and_explains_a_refusal(
    emulator: EmulatorServer, sample_server: SampleServer
) -> None:
    url = sample_server.url("good/librivox-reader-15s.wav")
    with Client(api_key=EMULATOR_API_KEY, base_url=emulator.http_base_url, region="ap-southeast-1") as client:
        with pytest.raises(InvalidRequestError, match="clones only in cn-beijing"):
            client.voices.create(prefix="sg", sample=url, target_model="cosyvoice-v3.5-plus")
        created = client.voices.create(prefix="sg", sample=url, target_model="cosyvoice-v3-flash")
        assert any("disagree" in note for note in created.notes)
        emulator.backend.faults.add(
            Fault(target="create_voice", kind="http_error", status=403, code="Model.AccessDenied", message="denied")
        )
        with pytest.raises(Exception) as caught:
            client.voices.create(prefix="sg", sample=url, target_model="cosyvoice-v3-flash")
    assert "disagree" in str(caught.value) and "cn-beijing" in str(caught.value)


def test_ssml_sends_text_type_and_the_break_is_silence(client: Client, emulator: EmulatorServer) -> None:
    tenant = emulator.backend.tenant_of_key(EMULATOR_API_KEY)
    voice = emulator.backend.seed_voice(tenant, target_model="cosyvoice-v3-flash").voice_id
    plain = client.speech.synthesize("Hello there.", voice=voice, format="pcm", sample_rate=16000)
    ssml = client.speech.synthesize(
        '<speak>Hello <break time="1s"/>there.</speak>', voice=voice, format="pcm", sample_rate=16000, ssml=True
    )
    assert len(ssml.audio) / 32000 > len(plain.audio) / 32000 + 0.8
    assert ssml.characters == plain.characters
    over_http = client.speech.synthesize(
        '<speak>Hello <break time="1s"/>there.</speak>', voice=voice, protocol="sse", ssml=True
    )
    assert over_http.audio
    with pytest.raises(Exception, match="SSML"):
        client.speech.synthesize("<speak>Hello <break", voice=voice, ssml=True)
