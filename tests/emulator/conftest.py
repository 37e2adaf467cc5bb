"""Fixtures of the emulator tests: a shared running emulator (reset per test), the audio sample server, and an
emulator speaking with its speech engine (one per module) with a client of it (reset per test)."""

from __future__ import annotations

from tests.helpers.emulator_fixtures import emulator, sample_server, speaking, speaking_client

__all__ = ["emulator", "sample_server", "speaking", "speaking_client"]
