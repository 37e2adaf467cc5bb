"""The API key appears in no ``repr()``/``str()`` of an object a user or a log can reach: the session (the CLI's
state, the MCP server's), its settings, the client, the registry, the evidence folder and the key itself."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from cosyclone._config import APIKey
from cosyclone.ops.session import Session
from tests.conftest import PLANTED_KEY

DEAD_BASE_URL = "http://127.0.0.1:9/api/v1"  # nothing is sent: building a client opens no connection


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Session]:
    monkeypatch.setenv("DASHSCOPE_API_KEY", PLANTED_KEY)
    with Session(base_url=DEAD_BASE_URL, evidence_dir=tmp_path / "evidence", verbose=True) as opened:
        yield opened


def _shown(value: object) -> str:
    return repr(value) + "\n" + str(value)


def test_no_object_shows_the_key(session: Session) -> None:
    client = session.client()
    reachable = [session, session.settings(), session.settings().api_key, client, session.registry()]
    reachable += [session.evidence(), client.voices, client.speech, client.endpoints]
    reachable += [vars(session), vars(client), vars(session.evidence())]  # what a debugger or a log of fields shows
    assert session.secrets == (PLANTED_KEY,)  # the key is in use …
    for value in reachable:
        assert PLANTED_KEY not in _shown(value), type(value).__name__  # … and shown by none of them
        assert PLANTED_KEY[3:-2] not in _shown(value), type(value).__name__


def test_the_session_repr_says_what_it_is(session: Session) -> None:
    session.client()
    shown = repr(session)
    assert shown.startswith("Session(") and DEAD_BASE_URL in shown and "source='DASHSCOPE_API_KEY'" in shown


def test_a_log_of_the_session_is_redacted(session: Session, capsys: pytest.CaptureFixture[str]) -> None:
    session.client()
    logging.getLogger("cosyclone.test").debug("state %r, header Bearer %s", session, PLANTED_KEY)
    err = capsys.readouterr().err
    assert "state Session(" in err and "[REDACTED]" in err and PLANTED_KEY not in err


def test_the_key_wrapper_reveals_only_on_request() -> None:
    key = APIKey(PLANTED_KEY, "test")
    assert PLANTED_KEY not in _shown(key) and key.reveal() == PLANTED_KEY
