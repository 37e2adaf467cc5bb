"""WebSocket duplex synthesis (contract §5) against the in-process emulator, with the ``websockets`` client."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from cosyclone.audio.io import decode
from cosyclone.audio.metrics import median_f0_hz
from cosyclone.emulator.faults import Fault
from cosyclone.emulator.server import EmulatorServer
from cosyclone.schema.synthesis import SAMPLE_RATES, ServerEvent, billed_characters
from cosyclone.schema.synthesis_params import OPUS_SAMPLE_RATES
from tests.helpers.emulator_fixtures import EMULATOR_API_KEY, OTHER_API_KEY

MODEL = "cosyvoice-v3-flash"
ENGINE_418 = "[cosyvoice:]Engine return error code: 418"
#: Extra audio an MP3 stream carries (the encoder's priming + padding, once per task; the most at 8 kHz).
MP3_SLACK_S = 0.2


@dataclass
class TaskResult:
    events: list[dict[str, Any]] = field(default_factory=list)
    frames: list[bytes] = field(default_factory=list)
    order: list[str] = field(default_factory=list)  # event types and "audio", as received

    @property
    def last(self) -> dict[str, Any]:
        return self.events[-1]

    @property
    def audio(self) -> bytes:
        return b"".join(self.frames)

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["payload"].get("output", {}).get("type") == kind]


class Client:
    """A thin protocol driver over a ``websockets`` sync connection."""

    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn

    def send(self, action: str, task_id: str, payload: dict[str, Any]) -> None:
        self.conn.send(
            json.dumps({"header": {"action": action, "task_id": task_id, "streaming": "duplex"}, "payload": payload})
        )

    def run(self, voice: str, *, model: str = MODEL, task_id: str | None = None, **parameters: Any) -> str:
        task_id = task_id or uuid.uuid4().hex
        params = {"text_type": "PlainText", "voice": voice, "format": "pcm", "sample_rate": 16000, **parameters}
        payload = {"task_group": "audio", "task": "tts", "function": "SpeechSynthesizer", "model": model}
        self.send("run-task", task_id, {**payload, "parameters": params, "input": {}})
        return task_id

    def text(self, task_id: str, text: str | None = None, **extra: Any) -> None:
        self.send("continue-task", task_id, {"input": {"text": text, **extra} if text is not None else extra})

    def finish(self, task_id: str, **extra: Any) -> None:
        self.send("finish-task", task_id, {"input": extra})

    def collect(self, *, until: tuple[str, ...] = ("task-finished", "task-failed"), timeout: float = 10) -> TaskResult:
        result = TaskResult()
        while True:
            message = self.conn.recv(timeout=timeout)
            if isinstance(message, bytes):
                result.frames.append(message)
                result.order.append("audio")
                continue
            event = json.loads(message)
            ServerEvent.model_validate(event)  # every event parses through the schema
            result.events.append(event)
            kind = event["payload"].get("output", {}).get("type") or event["header"]["event"]
            result.order.append(kind)
            if kind in until:
                return result

    def started(self) -> dict[str, Any]:
        return self.collect(until=("task-started", "task-failed")).last

    def speak(self, voice: str, text: str, **parameters: Any) -> TaskResult:
        task_id = self.run(voice, **parameters)
        assert self.started()["header"]["event"] == "task-started"
        self.text(task_id, text)
        self.finish(task_id)
        return self.collect()


@pytest.fixture
def ws(emulator: EmulatorServer) -> Any:
    with connect(emulator.ws_url, additional_headers={"Authorization": f"Bearer {EMULATOR_API_KEY}"}) as conn:
        yield Client(conn)


def seed(emulator: EmulatorServer, *, model: str = MODEL, key: str = EMULATOR_API_KEY, **kw: Any) -> str:
    tenant = emulator.backend.tenant_of_key(key)
    return emulator.backend.seed_voice(tenant, target_model=model, **kw).voice_id


def failure(result: TaskResult | dict[str, Any]) -> tuple[str, str]:
    event = result.last if isinstance(result, TaskResult) else result
    assert event["header"]["event"] == "task-failed", event
    assert event["payload"] == {}
    return event["header"]["error_code"], event["header"]["error_message"]


# ----- handshake ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-key"}, {"Authorization": "Basic sk-x"}])
def test_handshake_without_an_accepted_key_is_refused_with_401(
    emulator: EmulatorServer, headers: dict[str, str]
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(emulator.ws_url, additional_headers=headers)
    assert refused.value.response.status_code == 401
    assert json.loads(refused.value.response.body or b"{}")["code"] == "InvalidApiKey"


@pytest.mark.parametrize("suffix", ["", "/"])
def test_the_path_is_served_with_and_without_a_trailing_slash(emulator: EmulatorServer, suffix: str) -> None:
    # Several public clients hard-code ``…/api-ws/v1/inference/`` (contract §10.6).
    url = emulator.ws_url.rstrip("/") + suffix
    with connect(url, additional_headers={"Authorization": f"Bearer {EMULATOR_API_KEY}"}) as conn:
        result = Client(conn).speak(seed(emulator), "Slash or not.")
    assert result.last["header"]["event"] == "task-finished" and len(result.frames) == 1


def test_the_slash_path_refuses_a_bad_key_like_the_other(emulator: EmulatorServer) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(emulator.ws_url + "/", additional_headers={"Authorization": "Bearer not-a-key"})
    assert refused.value.response.status_code == 401


# ----- the happy path -------------------------------------------------------------------------------------------


def test_a_task_streams_begin_synthesis_audio_end_per_sentence(emulator: EmulatorServer, ws: Client) -> None:
    voice = seed(emulator)
    text = "Hello world. 你好世界。Last one"
    result = ws.speak(voice, text)
    assert result.order == ["sentence-begin", "sentence-synthesis", "audio", "sentence-end"] * 3 + ["task-finished"]
    begins = result.of_type("sentence-begin")
    assert [e["payload"]["output"]["original_text"] for e in begins] == ["Hello world.", "你好世界。", "Last one"]
    assert [e["payload"]["output"]["sentence"]["index"] for e in begins] == [0, 1, 2]
    ends = result.of_type("sentence-end")
    assert [e["payload"]["usage"]["characters"] for e in ends] == [12, 22, 30]
    finished = result.last
    assert finished["payload"]["usage"]["characters"] == billed_characters("Hello world.你好世界。Last one") == 30
    assert uuid.UUID(finished["header"]["attributes"]["request_uuid"])
    assert all(len(frame) > 1000 for frame in result.frames)


def test_partial_sentences_wait_for_more_text_or_finish(emulator: EmulatorServer, ws: Client) -> None:
    voice = seed(emulator)
    task = ws.run(voice)
    ws.started()
    ws.text(task, "First sentence. Second sen")
    first = ws.collect(until=("sentence-end",))
    assert first.of_type("sentence-begin")[0]["payload"]["output"]["original_text"] == "First sentence."
    with pytest.raises(TimeoutError):
        ws.conn.recv(timeout=0.3)  # "Second sen" stays buffered
    ws.text(task, "tence continues")
    with pytest.raises(TimeoutError):
        ws.conn.recv(timeout=0.3)
    ws.finish(task)
    rest = ws.collect()
    assert [e["payload"]["output"]["original_text"] for e in rest.of_type("sentence-begin")] == [
        "Second sentence continues"
    ]


def test_flush_synthesizes_the_unfinished_rest(emulator: EmulatorServer, ws: Client) -> None:
    voice = seed(emulator)
    task = ws.run(voice)
    ws.started()
    ws.text(task, "no end mark yet")
    ws.text(task, None, flush=True)
    flushed = ws.collect(until=("sentence-end",))
    assert flushed.of_type("sentence-end")[0]["payload"]["output"]["original_text"] == "no end mark yet"
    ws.finish(task)
    assert ws.collect().order == ["task-finished"]


def test_several_tasks_run_one_after_another_on_one_connection(emulator: EmulatorServer, ws: Client) -> None:
    voice = seed(emulator)
    for text in ("One.", "Two.", "Three."):
        result = ws.speak(voice, text)
        assert result.last["header"]["event"] == "task-finished"
        assert result.of_type("sentence-end")[0]["payload"]["output"]["original_text"] == text


def test_same_request_gives_the_same_audio(emulator: EmulatorServer, ws: Client) -> None:
    voice = seed(emulator)
    first = ws.speak(voice, "Deterministic audio, please.", seed=3)
    again = ws.speak(voice, "Deterministic audio, please.", seed=3)
    assert first.audio == again.audio


def test_word_timestamps_when_enabled(emulator: EmulatorServer, ws: Client) -> None:
    voice = seed(emulator)
    plain = ws.speak(voice, "Good morning. Fine day.")
    assert all(e["payload"]["output"]["sentence"]["words"] == [] for e in plain.events[:-1])
    timed = ws.speak(voice, "Good morning. Fine day.", word_timestamp_enabled=True)
    ends = timed.of_type("sentence-end")
    words = [w for e in ends for w in e["payload"]["output"]["sentence"]["words"]]
    assert [w["text"] for w in words] == ["Good", "morning", "Fine", "day"]
    for end in ends:
        text = end["payload"]["output"]["original_text"]
        for w in end["payload"]["output"]["sentence"]["words"]:
            assert text[w["begin_index"] : w["end_index"]] == w["text"]
    times = [t for w in words for t in (w["begin_time"], w["end_time"])]
    assert times == sorted(times) and times[-1] > 1000  # ms from the task's start, across sentences


def test_voices_with_different_f0_sound_different(emulator: EmulatorServer, ws: Client) -> None:
    text = "A sentence long enough to measure the pitch of this voice reliably."
    pitches = []
    for f0 in (110.0, 210.0):
        decoded = decode(ws.speak(seed(emulator, f0_hz=f0), text, format="wav").audio)
        pitches.append(median_f0_hz(decoded.samples[:, 0], sample_rate_hz=decoded.sample_rate))
    assert pitches[0] == pytest.approx(110, rel=0.06)
    assert pitches[1] == pytest.approx(210, rel=0.06)


# ----- formats ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["pcm", "wav", "mp3", "opus"])
def test_every_format_and_sample_rate_concatenates_to_one_playable_file(
    emulator: EmulatorServer,
    ws: Client,
    fmt: str,
) -> None:
    voice = seed(emulator)
    text = "First part. Second part! 第三部分。"
    for rate in SAMPLE_RATES:
        if fmt == "opus" and rate not in OPUS_SAMPLE_RATES:  # refused (contract §11.3), see the test below
            continue
        result = ws.speak(voice, text, format=fmt, sample_rate=rate)
        # One binary frame after each sentence-synthesis; MP3 and Opus (one encoder per task) send what the
        # encoder held back, and the end of the stream, as one more frame just before task-finished.
        tail = ["audio"] if fmt in ("mp3", "opus") else []
        sentence = ["sentence-begin", "sentence-synthesis", "audio", "sentence-end"]
        assert result.order == sentence * 3 + tail + ["task-finished"]
        assert len(result.frames) == 3 + len(tail)
        pcm = ws.speak(voice, text, format="pcm", sample_rate=rate).audio
        expected_s = len(pcm) / 2 / rate
        if fmt == "pcm":
            assert result.audio == pcm
            continue
        decoded = decode(result.audio)
        assert decoded.info.codec == {"wav": "pcm_s16le", "mp3": "mp3", "opus": "opus"}[fmt]
        assert decoded.sample_rate == (48000 if fmt == "opus" else rate)
        decoded_s = decoded.samples.shape[0] / decoded.sample_rate
        # MP3: the encoder's priming and padding come once per task (no Info tag in a stream to trim them).
        slack = MP3_SLACK_S if fmt == "mp3" else 0.05
        assert expected_s - 0.05 <= decoded_s <= expected_s + slack
        if fmt == "wav":
            assert result.frames[0][:4] == b"RIFF" and all(f[:4] != b"RIFF" for f in result.frames[1:])


def test_sdk_default_format_means_mp3_at_22050(emulator: EmulatorServer, ws: Client) -> None:
    result = ws.speak(seed(emulator), "Default format.", format="Default", sample_rate=0)
    decoded = decode(result.audio)
    assert (decoded.info.codec, decoded.sample_rate) == ("mp3", 22050)


# ----- voices and parameters --------------------------------------------------------------------------------------


def test_system_voices_work_for_models_that_have_them(ws: Client) -> None:
    assert ws.speak("longanyang", "System voice.").last["header"]["event"] == "task-finished"
    ws.run("longanyang", model="cosyvoice-v3.5-plus")
    assert failure(ws.started()) == ("InvalidParameter", ENGINE_418)


def test_voice_rules_answer_418(emulator: EmulatorServer, ws: Client) -> None:
    v3 = seed(emulator)
    deploying = seed(emulator, status="DEPLOYING")
    rejected = seed(emulator, status="UNDEPLOYED")
    foreign = seed(emulator, key=OTHER_API_KEY)
    cases = [
        (v3, "cosyvoice-v3-plus"),  # model mismatch
        (f"{MODEL}-nobody-{uuid.uuid4().hex}", MODEL),  # unknown cloned voice
        (deploying, MODEL),
        (rejected, MODEL),
        (foreign, MODEL),  # another key's voice
    ]
    for voice, model in cases:
        ws.run(voice, model=model)
        assert failure(ws.started()) == ("InvalidParameter", ENGINE_418), voice
    assert ws.speak(v3, "Still fine.").last["header"]["event"] == "task-finished"


@pytest.mark.parametrize(
    "parameters",
    [
        {"text_type": "Markdown"},  # SSML is accepted since issue 12 (contract §10.5); other types are not
        {"format": "flac"},
        {"sample_rate": 11025},
        {"volume": 101},
        {"rate": 2.5},
        {"pitch": 0.1},
        {"volume": "loud"},
    ],
)
def test_bad_parameters_fail_the_task(emulator: EmulatorServer, ws: Client, parameters: dict[str, Any]) -> None:
    ws.run(seed(emulator), **parameters)
    assert failure(ws.started())[0] == "InvalidParameter"


def test_unknown_model_fails(ws: Client) -> None:
    ws.run("longanyang", model="cosyvoice-v9")
    assert failure(ws.started()) == ("InvalidParameter", "Model not exist.")


def test_ssml_allows_one_continue_task_and_tags_are_not_billed(emulator: EmulatorServer, ws: Client) -> None:
    voice = seed(emulator)
    result = ws.speak(voice, '<speak>Hello <break time="200ms"/>there.</speak>', enable_ssml=True)
    assert result.last["payload"]["usage"]["characters"] == len("Hello there.")
    task = ws.run(voice, enable_ssml=True)
    ws.started()
    ws.text(task, "<speak>One</speak>")
    ws.text(task, "<speak>Two</speak>")
    assert failure(ws.collect())[0] == "InvalidParameter"


# ----- protocol errors ----------------------------------------------------------------------------------------------


def test_continue_or_finish_without_a_running_task_fails(ws: Client) -> None:
    ws.text("never-started", "Hello.")
    refused = ws.collect()
    assert refused.last["header"]["task_id"] == "never-started" and failure(refused)[0] == "InvalidParameter"
    ws.finish("never-started")
    assert failure(ws.collect())[0] == "InvalidParameter"


def test_text_is_null_fails(emulator: EmulatorServer, ws: Client) -> None:
    task = ws.run(seed(emulator))
    ws.started()
    ws.send("continue-task", task, {"input": {}})
    assert failure(ws.collect()) == ("InvalidParameter", "Parameter invalid: text is null")


def test_text_limits_per_message_and_per_task(emulator: EmulatorServer, ws: Client) -> None:
    voice = seed(emulator)
    task = ws.run(voice)
    ws.started()
    ws.text(task, "好" * 10_001)  # 20 002 billed characters
    assert failure(ws.collect())[0] == "InvalidParameter"
    task = ws.run(voice)
    ws.started()
    for _ in range(10):
        ws.text(task, "x" * 20_000)  # no sentence end: buffered, nothing synthesized
    ws.text(task, "y")
    assert failure(ws.collect())[0] == "InvalidParameter"


def test_idle_timeout_fails_the_task_with_the_configured_seconds(emulator: EmulatorServer, ws: Client) -> None:
    emulator.backend.idle_timeout_s = 0.3
    task = ws.run(seed(emulator))
    ws.started()
    ws.text(task, "Waiting")
    start = time.monotonic()
    assert failure(ws.collect()) == ("CLIENT_ERROR", "request timeout after 0.3 seconds.")
    assert time.monotonic() - start >= 0.25


def test_run_task_while_a_task_runs_is_refused_for_the_new_task(emulator: EmulatorServer, ws: Client) -> None:
    voice = seed(emulator)
    first = ws.run(voice)
    ws.started()
    second = ws.run(voice)
    refused = ws.collect()
    assert refused.last["header"]["task_id"] == second and failure(refused)[0] == "InvalidParameter"
    ws.text(first, "Still running.")
    ws.finish(first)
    assert ws.collect().last["header"]["event"] == "task-finished"


def test_cancel_directive_drops_the_buffer_and_finishes(emulator: EmulatorServer, ws: Client) -> None:
    task = ws.run(seed(emulator))
    ws.started()
    ws.text(task, "never spoken")
    ws.finish(task, directive="cancel")
    result = ws.collect()
    assert result.order == ["task-finished"] and result.last["payload"]["usage"]["characters"] == 0


# ----- latency and faults -------------------------------------------------------------------------------------------


def test_sentence_latency_delays_each_sentence(emulator: EmulatorServer, ws: Client) -> None:
    emulator.backend.sentence_latency_s = 0.15
    start = time.monotonic()
    ws.speak(seed(emulator), "One. Two. Three.")
    assert time.monotonic() - start >= 0.45


def test_fault_task_failed_after_sentences(emulator: EmulatorServer, ws: Client) -> None:
    voice = seed(emulator)
    emulator.backend.faults.add(
        Fault(target="synthesis_ws", kind="task_failed", after_sentences=1, code="Throttling", message="busy")
    )
    result = ws.speak(voice, "One. Two. Three.")
    assert len(result.frames) == 1 and failure(result) == ("Throttling", "busy")
    assert ws.speak(voice, "Next task is fine.").last["header"]["event"] == "task-finished"


def test_fault_task_failed_defaults_to_internal_error(emulator: EmulatorServer, ws: Client) -> None:
    emulator.backend.faults.add(Fault(target="synthesis_ws", kind="task_failed"))
    ws.run(seed(emulator))
    assert failure(ws.started())[0] == "InternalError"


def test_fault_http_error_fails_the_run_task(emulator: EmulatorServer, ws: Client) -> None:
    emulator.backend.faults.add(Fault(target="synthesis_ws", kind="http_error", status=429))
    ws.run(seed(emulator))
    assert failure(ws.started())[0] == "Throttling.RateQuota"


def test_fault_ws_close_after_sentences(emulator: EmulatorServer, ws: Client) -> None:
    emulator.backend.faults.add(Fault(target="synthesis_ws", kind="ws_close", after_sentences=2))
    task = ws.run(seed(emulator))
    ws.started()
    ws.text(task, "One. Two. Three.")
    received: list[object] = []
    with pytest.raises(ConnectionClosed):
        while True:
            received.append(ws.conn.recv(timeout=5))
    assert sum(isinstance(m, bytes) for m in received) == 2


def test_fault_latency_delays_each_sentence(emulator: EmulatorServer, ws: Client) -> None:
    emulator.backend.faults.add(Fault(target="synthesis_ws", kind="latency", delay_s=0.2))
    start = time.monotonic()
    result = ws.speak(seed(emulator), "One. Two.")
    assert time.monotonic() - start >= 0.4 and result.last["header"]["event"] == "task-finished"


def test_fault_ws_close_truncate_style_sends_close_code_1011(emulator: EmulatorServer, ws: Client) -> None:
    emulator.backend.faults.add(Fault(target="synthesis_ws", kind="ws_close", after_sentences=0, drop_style="truncate"))
    ws.run(seed(emulator))
    with pytest.raises(ConnectionClosed) as closed:
        ws.conn.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011


def test_fault_drop_after_cuts_before_task_finished(emulator: EmulatorServer, ws: Client) -> None:
    emulator.backend.faults.add(Fault(target="synthesis_ws", kind="drop_after"))
    task = ws.run(seed(emulator))
    ws.started()
    ws.text(task, "One. Two.")
    ws.finish(task)
    received: list[object] = []
    with pytest.raises(ConnectionClosed):
        while True:
            received.append(ws.conn.recv(timeout=5))
    assert sum(isinstance(m, bytes) for m in received) == 2
    assert not any(isinstance(m, str) and "task-finished" in m for m in received)


# ----- one task-failed per task (contract §10.7) ----------------------------------------------------------------


def assert_silent(ws: Client, *, for_s: float = 0.4) -> None:
    """Nothing more arrives on the connection for ``for_s`` seconds."""
    with pytest.raises(TimeoutError):
        message = ws.conn.recv(timeout=for_s)
        pytest.fail(f"unexpected frame {message!r}")


def refused_run(emulator: EmulatorServer, ws: Client, how: str) -> str:
    """Send a run-task that is refused (``how``), followed at once by continue-task and finish-task."""
    if how == "voice":
        task = ws.run("cosyvoice-v3-flash-nobody-" + "0" * 32)
    elif how == "parameter":
        task = ws.run(seed(emulator), volume=500)
    elif how == "busy":
        ws.run(seed(emulator), task_id="busy")
        assert ws.started()["header"]["event"] == "task-started"
        task = ws.run(seed(emulator))
    else:
        emulator.backend.faults.add(Fault(target="synthesis_ws", kind="http_error", status=429))
        task = ws.run(seed(emulator))
    ws.text(task, "Sent before task-started. ")
    ws.text(task, "And more.", flush=True)
    ws.finish(task)
    return task


@pytest.mark.parametrize("how", ["voice", "parameter", "busy", "fault"])
def test_a_refused_task_gets_exactly_one_task_failed(emulator: EmulatorServer, ws: Client, how: str) -> None:
    task = refused_run(emulator, ws, how)
    refused = ws.collect()
    assert refused.last["header"]["task_id"] == task and failure(refused)[0] in (
        "InvalidParameter",
        "Throttling.RateQuota",
    )
    assert refused.frames == []
    if how == "busy":  # the running task is untouched: finish it
        ws.finish("busy")
        assert ws.collect().last["header"]["event"] == "task-finished"
    assert_silent(ws)
    assert ws.speak(seed(emulator), "The connection still serves.").last["header"]["event"] == "task-finished"


def test_a_task_failed_mid_stream_gets_no_second_task_failed(emulator: EmulatorServer, ws: Client) -> None:
    task = ws.run(seed(emulator))
    ws.started()
    ws.text(task, "好" * 10_001)  # over the per-message limit: task-failed
    ws.text(task, "More.")
    ws.finish(task)
    assert failure(ws.collect())[0] == "InvalidParameter"
    assert_silent(ws)
