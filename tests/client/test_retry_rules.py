"""Retry only what may succeed (issue 22 item 17), against the emulator over real sockets: a refusal that cannot
succeed (HTTP 400, a WebSocket ``task-failed`` with ``InvalidParameter``) is sent once; 429, 5xx and the
service's transient ``task-failed`` codes are retried by the one policy; and the policy module imports no driver."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import pytest

from cosyclone import APIStatusError, BadRequestError, RateLimitError
from cosyclone.client import AsyncClient, Client
from cosyclone.client import _retry as retry_policy
from cosyclone.emulator.faults import Fault
from cosyclone.emulator.server import EmulatorServer
from tests.helpers.emulator_fixtures import EMULATOR_API_KEY

CLIENT_DIR = Path(__file__).resolve().parents[2] / "src" / "cosyclone" / "client"


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry_policy, "INITIAL_RETRY_DELAY_S", 0.02)
    monkeypatch.setattr(retry_policy, "MAX_RETRY_DELAY_S", 0.1)


@pytest.fixture
def voice(emulator: EmulatorServer) -> str:
    tenant = emulator.backend.tenant_of_key(EMULATOR_API_KEY)
    return emulator.backend.seed_voice(tenant, prefix="retry", f0_hz=140.0).voice_id


def _left(emulator: EmulatorServer) -> int:
    """How many uses of the armed faults are left (each call consumes one)."""
    return sum(fault.times for fault in emulator.backend.faults.pending())


def test_http_400_invalid_parameter_is_sent_once(client: Client, emulator: EmulatorServer) -> None:
    emulator.backend.faults.add(
        Fault(target="list_voice", kind="http_error", status=400, code="InvalidParameter", times=3)
    )
    with pytest.raises(BadRequestError) as info:
        client.voices.list()
    assert info.value.code == "InvalidParameter" and info.value.status_code == 400
    assert _left(emulator) == 2, "one call, no retry"


@pytest.mark.parametrize("protocol", ["http", "sse"])
def test_http_synthesis_400_is_sent_once(client: Client, emulator: EmulatorServer, voice: str, protocol: str) -> None:
    emulator.backend.faults.add(
        Fault(target="synthesis_http", kind="http_error", status=400, code="InvalidParameter", times=3)
    )
    with pytest.raises(BadRequestError):
        client.speech.synthesize("Refused.", voice=voice, protocol=protocol)  # type: ignore[arg-type]
    assert _left(emulator) == 2


def test_websocket_task_failed_invalid_parameter_is_sent_once(
    client: Client, emulator: EmulatorServer, voice: str
) -> None:
    emulator.backend.faults.add(
        Fault(target="synthesis_ws", kind="task_failed", code="InvalidParameter", message="bad field", times=3)
    )
    with pytest.raises(APIStatusError) as info:
        client.speech.synthesize("Refused.", voice=voice)
    assert info.value.code == "InvalidParameter" and info.value.request_id
    assert _left(emulator) == 2, "one task, no retry"


def test_async_websocket_task_failed_invalid_parameter_is_sent_once(emulator: EmulatorServer, voice: str) -> None:
    emulator.backend.faults.add(
        Fault(target="synthesis_ws", kind="task_failed", code="InvalidParameter", message="bad field", times=3)
    )

    async def scenario() -> None:
        async with AsyncClient(api_key=EMULATOR_API_KEY, base_url=emulator.http_base_url, max_retries=3) as client:
            await client.speech.synthesize("Refused.", voice=voice)

    with pytest.raises(APIStatusError) as info:
        asyncio.run(scenario())
    assert info.value.code == "InvalidParameter"
    assert _left(emulator) == 2


@pytest.mark.parametrize("code", ["Throttling", "Throttling.RateQuota", "InternalError"])
def test_websocket_transient_task_failed_is_retried(
    client: Client, emulator: EmulatorServer, voice: str, code: str
) -> None:
    emulator.backend.faults.add(Fault(target="synthesis_ws", kind="task_failed", code=code, message="busy", times=2))
    result = client.speech.synthesize("Busy twice.", voice=voice)
    assert result.audio and _left(emulator) == 0


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_http_429_and_5xx_are_retried(client: Client, emulator: EmulatorServer, voice: str, status: int) -> None:
    emulator.backend.faults.add(Fault(target="query_voice", kind="http_error", status=status, times=2))
    assert client.voices.get(voice).voice_id == voice
    emulator.backend.faults.add(Fault(target="synthesis_http", kind="http_error", status=status, times=2))
    assert client.speech.synthesize("Retried.", voice=voice, protocol="http").audio
    assert _left(emulator) == 0


def test_async_429_is_retried_then_surfaces(emulator: EmulatorServer) -> None:
    emulator.backend.faults.add(Fault(target="list_voice", kind="http_error", status=429, code="Throttling", times=9))

    async def scenario() -> None:
        async with AsyncClient(api_key=EMULATOR_API_KEY, base_url=emulator.http_base_url, max_retries=2) as client:
            await client.voices.list()

    with pytest.raises(RateLimitError):
        asyncio.run(scenario())
    assert _left(emulator) == 6, "the first call and two retries"


def test_policy_decisions() -> None:
    policy = retry_policy.RetryPolicy(max_retries=2)
    refused = BadRequestError("no", status_code=400, code="InvalidParameter")
    failed = APIStatusError("no", status_code=None, code="InvalidParameter")
    quota = APIStatusError("no", status_code=400, code="Throttling.AllocationQuota")
    throttled = APIStatusError("busy", status_code=None, code="Throttling")
    limited = RateLimitError("busy", status_code=429, code="Throttling", retry_after_s=0.25)
    assert [policy.delay(e, 0) for e in (refused, failed, quota)] == [None, None, None]
    assert policy.delay(throttled, 0) is not None and policy.delay(throttled, 2) is None
    assert policy.delay(limited, 0) == 0.25, "Retry-After honoured"
    for attempt in range(5):  # exponential back-off with jitter, capped (0.02 s doubling, at most 0.1 s here)
        step = min(0.02 * 2**attempt, 0.1)
        assert step / 2 <= retry_policy.retry_delay(attempt) <= step


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_retry_policy_imports_no_driver() -> None:
    for name in ("_retry.py", "_steps.py", "_speech_retry.py"):
        imported = _imports(CLIENT_DIR / name)
        drivers = {n for n in imported if n.split(".")[0] in ("httpx", "httpcore", "websockets", "requests")}
        assert not drivers, f"{name} imports {drivers}"
    assert not {n for n in _imports(CLIENT_DIR / "_retry.py") if n.startswith("cosyclone.client")}
