"""The fault plan on its own: which named point each kind strikes at, the reply it builds, and that it strikes once.

The handlers carry these answers out over real sockets (test_control_faults, test_synthesis_*, the fault matrix);
this pins the table they rely on.
"""

from __future__ import annotations

import pytest

from cosyclone.emulator.faults import ArmedFault, Delay, Drop, Fault, FaultAction, FaultPlan, Refuse


def answers(fault: Fault | None, *, sentences: int = 3) -> dict[str, FaultAction | float | None]:
    """What one armed call is told at each point, in the order a synthesis handler asks (answers only)."""
    armed = ArmedFault(fault)
    told: dict[str, FaultAction | float | None] = {"before_request": armed.before_request()}
    told["sentence_delay_s"] = armed.sentence_delay_s()
    told["before_sentence"] = next((a for n in range(sentences) if (a := armed.before_sentence(n)) is not None), None)
    told["at_end"] = armed.at_end(sentences)
    told["after_response"] = armed.after_response()
    return {point: answer for point, answer in told.items() if answer}


def test_http_error_refuses_before_the_request_with_retry_after() -> None:
    told = answers(Fault(target="list_voice", kind="http_error", status=429, retry_after_s=1.5))
    assert list(told) == ["before_request"]
    refuse = told["before_request"]
    assert isinstance(refuse, Refuse)
    error = refuse.error
    assert (error.status, error.code, error.headers) == (429, "Throttling.RateQuota", {"Retry-After": "1.5"})


@pytest.mark.parametrize(
    ("kind", "point", "action"),
    [
        ("drop_before", "before_request", Drop("truncate")),
        ("drop_after", "after_response", Drop("truncate")),
        ("ws_close", "before_sentence", Drop("truncate")),
        ("latency", "before_request", Delay(0.25)),
    ],
)
def test_each_kind_strikes_once_at_its_point(kind: str, point: str, action: FaultAction) -> None:
    fault = Fault(target="synthesis_http", kind=kind, drop_style="truncate", delay_s=0.25, after_sentences=1)
    assert answers(fault) == {point: action}


def test_websocket_latency_is_per_sentence() -> None:
    assert answers(Fault(target="synthesis_ws", kind="latency", delay_s=0.2)) == {"sentence_delay_s": 0.2}


def test_mid_stream_faults_strike_at_the_end_when_the_text_is_shorter() -> None:
    told = answers(Fault(target="synthesis_ws", kind="task_failed", after_sentences=9), sentences=3)
    assert list(told) == ["at_end"]
    refuse = told["at_end"]
    assert isinstance(refuse, Refuse)
    assert (refuse.error.status, refuse.error.code) == (500, "InternalError")


def test_a_call_without_a_fault_is_told_nothing_and_the_plan_counts_down() -> None:
    plan = FaultPlan()
    assert plan.arm("query_voice").fault is None and answers(None) == {}
    plan.add(Fault(target="query_voice", kind="drop_before", times=2))
    assert plan.arm(None).fault is None and plan.arm("list_voice").fault is None
    assert [plan.arm("query_voice").before_request() for _ in range(3)] == [Drop("close"), Drop("close"), None]
