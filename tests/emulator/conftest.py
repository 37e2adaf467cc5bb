"""Fixtures of the emulator tests: a shared running emulator (reset per test) and the audio sample server."""

from __future__ import annotations

from tests.helpers.emulator_fixtures import emulator, sample_server

__all__ = ["emulator", "sample_server"]
