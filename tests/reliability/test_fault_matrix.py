"""The fault matrix: every operation × every fault the emulator can inject, with the outcome each must have.

Operations: create (through :func:`cosyclone.ops.enrollment.clone_voice`, with a registry in tmp), update, delete,
list, query, upload (getPolicy and the form POST), and synthesis to a file over the WebSocket, plain HTTP and
HTTP+SSE. Faults: 429 with ``Retry-After``, 500, 503, latency past the client timeout, a connection dropped
before / after the server acted, the WebSocket closed mid-stream and ``task-failed`` — each *transient* (one
call) and, where the operation retries, *persistent* (every call).

Each case asserts the outcome (a correct result, or the exact typed error, with a ``request_id`` for status
errors) and the invariants that must hold whatever happened:

- never a duplicate voice, and for create the registry agrees with the service;
- no file (and no ``.part`` left over) under the final name when synthesis to a file fails;
- no request still running on the server when the case is judged (slow requests are waited for).

This generalises ``tests/client/test_retries.py`` and the fault cases of ``tests/cli/test_clone_voices.py``.
Timeouts, retries and back-off are shrunk so that each case takes well under a second or two.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from cosyclone import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    BadRequestError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    SynthesisFailedError,
)
from cosyclone.client import Client
from cosyclone.client import _retry as retry_policy
from cosyclone.client.speech import SynthesisProtocol
from cosyclone.emulator.faults import Fault
from cosyclone.emulator.server import EmulatorServer
from cosyclone.ops.enrollment import clone_voice
from cosyclone.registry import VoiceRegistry
from tests.conftest import AUDIO_FIXTURES
from tests.helpers.emulator_fixtures import EMULATOR_API_KEY, SampleServer
from tests.reliability.conftest import running_tasks, wait_until_idle

SAMPLE = "good/flite-awb.wav"
OTHER_SAMPLE = "good/flite-slt.wav"
#: The client's per-request timeout: short, but with room for the server's real work (create and update fetch
#: and judge the sample, synthesis renders audio). Latency faults are expressed as multiples of it.
TIMEOUT_S: dict[str, float] = {"create": 0.6, "update": 0.6, "ws": 0.5, "http": 0.5, "sse": 0.5}
DEFAULT_TIMEOUT_S = 0.25
MAX_RETRIES = 1
RETRY_AFTER_S = 0.1
PERSISTENT = 20
TEXT = "Reliability matters. Every failure must be typed."

Outcome = type[Exception] | None  # None: the operation succeeds
_TLS = ssl.create_default_context()


@dataclass(frozen=True)
class Case:
    """One cell of the matrix: an operation, a fault, and what must come out."""

    op: str
    fault: Fault
    expect: Outcome
    note: str = ""
    xfail: str | None = None
    #: The client's per-request timeout for this case (default: the operation's).
    timeout: float | None = None
    #: ``httpx``: the client is given an httpx client; ``fast``: its own keep-alive channel for JSON calls (the
    #: default when no http_client is given).
    transport: str = "httpx"

    @property
    def timeout_s(self) -> float:
        return self.timeout if self.timeout is not None else timeout_for(self.op)

    @property
    def id(self) -> str:
        f = self.fault
        kind = {"http_error": str(f.status)}.get(f.kind, f.kind)
        if f.kind == "latency":
            kind = f"latency{f.delay_s / self.timeout_s:g}x"
        span = "persistent" if f.times > 1 else "once"
        suffix = "-fast" if self.transport == "fast" else ""
        return f"{self.op}-{f.target}-{kind}-{span}{suffix}"


def timeout_for(op: str) -> float:
    return TIMEOUT_S.get(op, DEFAULT_TIMEOUT_S)


def _fault(target: str, kind: str, *, times: int = 1, **extra: Any) -> Fault:
    return Fault.model_validate({"target": target, "kind": kind, "times": times, **extra})


def _faults(target: str, *, times: int, timeout_s: float, latency: float = 1.5) -> dict[str, Fault]:
    """The HTTP faults, keyed by a short name, for one target; latency is ``latency`` × the client timeout."""
    return {
        "429": _fault(target, "http_error", times=times, status=429, retry_after_s=RETRY_AFTER_S),
        "500": _fault(target, "http_error", times=times, status=500),
        "503": _fault(target, "http_error", times=times, status=503),
        "latency": _fault(target, "latency", times=times, delay_s=latency * timeout_s),
        "drop_before": _fault(target, "drop_before", times=times),
        "drop_after": _fault(target, "drop_after", times=times),
    }


# ----- the table --------------------------------------------------------------------------------------------

#: What an idempotent call (retried by the transport) ends with when the fault never goes away.
PERSISTENT_ERROR: dict[str, type[Exception]] = {
    "429": RateLimitError,
    "500": InternalServerError,
    "503": InternalServerError,
    "latency": APITimeoutError,
    "drop_before": APIConnectionError,
    "drop_after": APIConnectionError,
}


def _create_cases() -> list[Case]:
    cases: list[Case] = []
    timeout_s = timeout_for("create")
    for times in (1, PERSISTENT):
        f = _faults("create_voice", times=times, timeout_s=timeout_s)
        persistent = times > 1
        cases += [
            Case("create", f["429"], RateLimitError if persistent else None, "429 means not acted: resent"),
            Case("create", f["500"], InternalServerError if persistent else None, "ambiguous: reconcile, resend"),
            Case("create", f["503"], InternalServerError if persistent else None, "503 means not acted: resent"),
            Case("create", f["drop_before"], APIConnectionError if persistent else None, "reconcile finds none"),
            Case("create", f["drop_after"], None, "reconcile finds the voice the lost reply named"),
        ]
        # A create slightly slower than the timeout (plus the server's own work) still ends before the second
        # reconciliation look, one more timeout later; one slower than that ends after both looks.
        slow = _fault("create_voice", "latency", times=times, delay_s=1.2 * timeout_s)
        cases.append(Case("create", slow, None, "found again on the second look"))
        slower = _fault("create_voice", "latency", times=times, delay_s=3 * 0.3)
        cases.append(Case("create", slower, None, "slower than both looks", None, 0.3))
    return cases


def _idempotent_cases(op: str, target: str) -> list[Case]:
    cases = []
    timeout_s = timeout_for(op)
    for fault in _faults(target, times=1, timeout_s=timeout_s).values():
        cases.append(Case(op, fault, None, "retried once, then succeeds"))
    for name, fault in _faults(target, times=PERSISTENT, timeout_s=timeout_s).items():
        cases.append(Case(op, fault, PERSISTENT_ERROR[name], "retries run out: the typed error"))
    return cases


def _synthesis_cases(op: str, target: str) -> list[Case]:
    """Synthesis is retried while no audio has reached the caller (issue 13 item 4): a fault before the first audio
    costs a retry and the result is whole; one that persists, or one after audio has started, is the typed error,
    and nothing is left under the file's name."""
    task_failed: type[Exception] = SynthesisFailedError if op == "ws" else InternalServerError
    failed_500: type[Exception] = SynthesisFailedError if op == "ws" else InternalServerError
    # Plain HTTP hands over its audio only once the whole reply is in: a failure at any sentence comes before it.
    streamed = op != "http"
    cases = [
        Case(op, _fault(target, "http_error", status=429, retry_after_s=RETRY_AFTER_S), None, "retried after 429"),
        Case(op, _fault(target, "http_error", status=500), None, "retried after 500"),
        Case(op, _fault(target, "http_error", status=503), None, "retried after 503"),
        Case(op, _fault(target, "latency", delay_s=1.5 * timeout_for(op)), None, "timed out before audio: retried"),
        Case(op, _fault(target, "drop_before"), None, "dropped before audio: retried"),
        Case(
            op,
            _fault(target, "drop_after"),
            APIConnectionError if op != "http" else None,
            "all audio came, the end did not" if op != "http" else "the reply was lost: retried",
        ),
        Case(
            op,
            _fault(target, "ws_close", after_sentences=1),
            APIConnectionError if streamed else None,
            "closed mid-stream",
        ),
        Case(op, _fault(target, "task_failed", after_sentences=1), task_failed if streamed else None),
    ]
    persistent = {
        "429": (
            _fault(target, "http_error", times=PERSISTENT, status=429, retry_after_s=RETRY_AFTER_S),
            RateLimitError,
        ),
        "500": (_fault(target, "http_error", times=PERSISTENT, status=500), failed_500),
        "drop_before": (_fault(target, "drop_before", times=PERSISTENT), APIConnectionError),
    }
    cases += [Case(op, fault, expect, "retries run out: the typed error") for fault, expect in persistent.values()]
    return cases


CASES: list[Case] = [
    *_create_cases(),
    *_idempotent_cases("update", "update_voice"),
    *_idempotent_cases("delete", "delete_voice"),
    *_idempotent_cases("list", "list_voice"),
    *_idempotent_cases("query", "query_voice"),
    *_idempotent_cases("upload", "get_policy"),
    *_idempotent_cases("upload", "upload"),
    *_synthesis_cases("ws", "synthesis_ws"),
    *_synthesis_cases("http", "synthesis_http"),
    *_synthesis_cases("sse", "synthesis_http"),
]
#: The JSON calls of voice operations again, over the client's own keep-alive channel (no http_client given).
CASES += [replace(c, transport="fast") for c in CASES if c.op in ("create", "update", "delete", "list", "query")]


# ----- running a case ---------------------------------------------------------------------------------------


@dataclass
class World:
    """What a case runs against, and what it can look at afterwards without going through faults."""

    emulator: EmulatorServer
    samples: SampleServer
    client: Client
    registry: VoiceRegistry
    tmp: Path
    tenant: str
    seeded: list[str] = field(default_factory=list)

    def service_voices(self) -> dict[str, dict[str, Any]]:
        state = self.emulator.backend.snapshot()["tenants"].get(self.tenant, {"voices": []})
        return {v["voice_id"]: v for v in state["voices"]}

    def uploads(self) -> list[str]:
        state = self.emulator.backend.snapshot()["tenants"].get(self.tenant, {"uploads": []})
        return [u["url"] for u in state["uploads"]]

    def seed(self, prefix: str = "seeded") -> str:
        record = self.emulator.backend.seed_voice(
            self.tenant, prefix=prefix, resource_link=self.samples.url(SAMPLE), f0_hz=120.0
        )
        self.seeded.append(record.voice_id)
        return record.voice_id


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Back-off without Retry-After shrinks to a few tens of ms (the policy's shape is unit-tested elsewhere)."""
    monkeypatch.setattr(retry_policy, "INITIAL_RETRY_DELAY_S", 0.02)
    monkeypatch.setattr(retry_policy, "MAX_RETRY_DELAY_S", 0.1)


@pytest.fixture
def world(
    emulator: EmulatorServer, sample_server: SampleServer, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[World]:
    case = getattr(request, "param", None)
    timeout = case.timeout_s if isinstance(case, Case) else DEFAULT_TIMEOUT_S
    registry = VoiceRegistry(tmp_path / "registry.sqlite3")
    client = Client(
        api_key=EMULATOR_API_KEY,
        base_url=emulator.http_base_url,
        timeout=timeout,
        max_retries=MAX_RETRIES,
        registry=registry,
        # All traffic is plain http on loopback: share one TLS context instead of loading certificates per case.
        http_client=None if getattr(case, "transport", "") == "fast" else httpx.Client(timeout=timeout, verify=_TLS),
    )
    try:
        yield World(
            emulator, sample_server, client, registry, tmp_path, emulator.backend.tenant_of_key(EMULATOR_API_KEY)
        )
    finally:
        client.close()
        registry.close()


def _run(case: Case, world: World) -> Callable[[], Any]:
    """The call under test for ``case`` (setup done, fault not yet armed), and its success check."""
    op = case.op
    if op == "create":
        return lambda: clone_voice(
            world.client, world.registry, sample=world.samples.url(SAMPLE), prefix="matrix", wait_timeout_s=5
        )
    if op == "update":
        voice_id = world.seed()
        return lambda: world.client.voices.update(voice_id, world.samples.url(OTHER_SAMPLE))
    if op == "delete":
        voice_id = world.seed()
        return lambda: world.client.voices.delete(voice_id)
    if op == "list":
        world.seed("one")
        world.seed("two")
        return lambda: world.client.voices.list()
    if op == "query":
        voice_id = world.seed()
        return lambda: world.client.voices.get(voice_id)
    if op == "upload":
        return lambda: world.client.uploads.upload(AUDIO_FIXTURES / SAMPLE)
    voice_id = world.seed()
    protocol: SynthesisProtocol = {"ws": "websocket", "http": "http", "sse": "sse"}[op]  # type: ignore[assignment]
    out = world.tmp / "speech.mp3"
    return lambda: world.client.speech.to_file(TEXT, out, voice=voice_id, protocol=protocol)


def _check_success(case: Case, world: World, result: Any) -> None:
    voices = world.service_voices()
    op = case.op
    if op == "create":
        assert list(voices) == [result.voice_id], "exactly the one voice the clone returned"
        assert voices[result.voice_id]["status"] == "OK"
    elif op == "update":
        (voice_id,) = world.seeded
        assert voices[voice_id]["resource_link"] == world.samples.url(OTHER_SAMPLE)
        assert isinstance(result, str) and result, "update returns the request_id"
    elif op == "delete":
        assert voices == {}, "the voice is gone"
    elif op == "list":
        assert sorted(v.voice_id for v in result.voices) == sorted(world.seeded)
        assert result.request_id
    elif op == "query":
        assert result.voice_id == world.seeded[0] and result.status == "OK"
    elif op == "upload":
        assert result.url in world.uploads(), "the oss:// URL names a stored object"
    else:
        assert result.path == world.tmp / "speech.mp3" and result.path.stat().st_size > 0
        assert result.request_id and result.characters > 0


def _check_failure(case: Case, world: World, error: Exception) -> None:
    assert case.expect is not None
    assert type(error) is case.expect, f"expected {case.expect.__name__}, got {type(error).__name__}: {error}"
    if isinstance(error, APIStatusError):
        assert error.request_id, f"a status error must carry the request_id: {error!r}"
    voices = world.service_voices()
    if case.op == "create":
        assert voices == {}, "a create that failed for good left no voice behind"
    if case.op in ("update", "query", "list"):
        assert sorted(voices) == sorted(world.seeded), "a failed call changed no voice set"
    if case.op in ("ws", "sse") and (case.fault.after_sentences or case.fault.kind == "drop_after"):
        assert getattr(error, "delivered_bytes", 0) > 0, "an error after audio says how much was delivered"


def _check_invariants(case: Case, world: World) -> None:
    voices = world.service_voices()
    if case.op == "create":
        assert len(voices) <= 1, f"duplicate voices for one clone: {sorted(voices)}"
        local = {r.voice_id for r in world.registry.list()}
        assert local == set(voices), "the registry agrees with the service"
    if case.op in ("ws", "http", "sse"):
        leftovers = sorted(p.name for p in world.tmp.iterdir() if p.name.startswith("speech"))
        assert leftovers in ([], ["speech.mp3"]), f"partial files left: {leftovers}"


@pytest.fixture
def case(world: World, request: pytest.FixtureRequest) -> Case:
    found: Case = request.param
    return found


@pytest.mark.parametrize(
    ("case", "world"),
    [
        pytest.param(c, c, id=c.id, marks=[pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail else [])
        for c in CASES
    ],
    indirect=True,
)
def test_fault_matrix(case: Case, world: World) -> None:
    call = _run(case, world)
    before = running_tasks(world.emulator)
    world.emulator.backend.faults.add(case.fault)
    started = time.monotonic()
    result: Any = None
    error: Exception | None = None
    try:
        result = call()
    except Exception as raised:  # judged below: the type must be the expected one
        error = raised
    elapsed = time.monotonic() - started
    world.client.speech.close()  # our own open WebSocket is not "a request still running"
    wait_until_idle(world.emulator, ignore=before)  # a request the client gave up on may still act: judge after
    if case.expect is None:
        assert error is None, f"expected success, got {type(error).__name__}: {error}"
        _check_success(case, world, result)
        if case.fault.kind == "http_error" and case.fault.status == 429 and case.op != "ws":
            # (a WebSocket task-failed has no headers, so no Retry-After: the policy's back-off applies)
            assert elapsed >= RETRY_AFTER_S, "Retry-After was honoured"
    else:
        assert error is not None, f"expected {case.expect.__name__}, got a result: {result!r}"
        _check_failure(case, world, error)
    _check_invariants(case, world)


def test_matrix_covers_every_operation_and_fault() -> None:
    """The table is complete: each operation meets each fault kind that applies to it."""
    seen: dict[str, set[str]] = {}
    for case in CASES:
        seen.setdefault(case.op, set()).add(case.fault.kind)
    http_kinds = {"http_error", "latency", "drop_before", "drop_after"}
    for op in ("create", "update", "delete", "list", "query", "upload"):
        assert seen[op] == http_kinds, op
    for op in ("ws", "http", "sse"):
        assert seen[op] == http_kinds | {"ws_close", "task_failed"}, op
    statuses = {c.fault.status for c in CASES if c.fault.kind == "http_error"}
    assert statuses == {429, 500, 503}
    assert all(c.fault.retry_after_s for c in CASES if c.fault.kind == "http_error" and c.fault.status == 429)
    assert {c.fault.target for c in CASES} == {
        "create_voice",
        "update_voice",
        "delete_voice",
        "list_voice",
        "query_voice",
        "get_policy",
        "upload",
        "synthesis_ws",
        "synthesis_http",
    }


def test_a_bad_request_is_never_retried(world: World) -> None:
    """Contrast case: a plain 400 is final at once (one call consumed, not two)."""
    world.emulator.backend.faults.add(_fault("list_voice", "http_error", times=2, status=400))
    with pytest.raises(BadRequestError) as info:
        world.client.voices.list()
    assert info.value.request_id
    assert len(world.emulator.backend.faults.pending()) == 1


def test_unknown_voice_is_not_found_not_retried(world: World) -> None:
    with pytest.raises(NotFoundError) as info:
        world.client.voices.get("cosyvoice-v3.5-plus-nobody-0123456789abcdef0123456789abcdef")
    assert info.value.request_id and info.value.status_code == 400
