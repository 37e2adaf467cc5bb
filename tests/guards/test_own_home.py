"""Every test runs with its own ``COSYCLONE_HOME`` (the autouse fixture in tests/conftest.py): nothing a test does
reaches the user's registry or emulator state, nor another test's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cosyclone._config import cosyclone_home
from cosyclone.ops.session import Session

_seen: list[str] = []


@pytest.mark.parametrize("attempt", [1, 2])
def test_each_test_has_a_fresh_home_of_its_own(attempt: int, tmp_path_factory: pytest.TempPathFactory) -> None:
    home = os.environ["COSYCLONE_HOME"]
    assert Path(home).is_relative_to(tmp_path_factory.getbasetemp())
    assert cosyclone_home() == Path(home) and not any(Path(home).iterdir())
    assert home not in _seen
    _seen.append(home)


def test_a_session_keeps_its_state_under_that_home() -> None:
    with Session(use_emulator=True) as session:
        registry = session.registry()
        assert session.emulator_home().is_relative_to(os.environ["COSYCLONE_HOME"])
        assert registry is session.registry()
