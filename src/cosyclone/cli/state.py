"""Per-invocation CLI state: the global options, and the resources opened from them (closed at exit).

``--emulator`` starts an in-process emulator whose state lives in ``$COSYCLONE_HOME/emulator`` (so a voice
cloned by one command can be spoken with by the next), with a registry of its own, kept apart from the one
that tracks real voices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cosyclone.evidence import Evidence

if TYPE_CHECKING:
    from cosyclone.client import Client
    from cosyclone.registry import VoiceRegistry

#: The key the CLI uses with its own emulator (the emulator accepts any ``sk-…`` key).
EMULATOR_KEY = "sk-cosyclone-local-emulator"


@dataclass
class CLIState:
    region: str | None = None
    base_url: str | None = None
    workspace: str | None = None
    use_emulator: bool = False
    evidence_dir: Path | None = None
    verbose: bool = False
    _closers: list[Callable[[], None]] = field(default_factory=list)
    _client: Client | None = None
    _registry: VoiceRegistry | None = None
    _secrets: tuple[str, ...] = ()
    _settings: dict[str, Any] | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values to scrub from anything written (the API key once it is known)."""
        return self._secrets

    def evidence(self) -> Evidence:
        return Evidence(self.evidence_dir, secrets=self._secrets)

    def on_close(self, closer: Callable[[], None]) -> None:
        self._closers.append(closer)

    def close(self) -> None:
        while self._closers:
            self._closers.pop()()

    def emulator_home(self) -> Path:
        from cosyclone._config import cosyclone_home

        return cosyclone_home() / "emulator"

    def client(self) -> Client:
        """The client for this invocation (starting the in-process emulator first with ``--emulator``)."""
        if self._client is None:
            self._client = self.new_client()
            self.on_close(self._client.close)
        return self._client

    def new_client(self) -> Client:
        """Another client with the same settings (for worker threads); the caller closes it."""
        from cosyclone.client import Client

        return Client(**self._client_settings(), registry=self.registry())

    def _client_settings(self) -> dict[str, Any]:
        if self._settings is not None:
            return self._settings
        if self.verbose:
            self._log_verbosely()
        if self.use_emulator:
            from cosyclone.emulator.server import EmulatorServer

            server = EmulatorServer(port=0, data_dir=self.emulator_home() / "state")
            server.start()
            self.on_close(server.stop)
            self._settings = {"api_key": EMULATOR_KEY, "region": self.region, "base_url": server.http_base_url}
        else:
            from cosyclone._config import resolve_api_key

            key = resolve_api_key()
            self._secrets = (key.reveal(),)
            self._settings = {
                "api_key": key.reveal(),
                "region": self.region,
                "base_url": self.base_url,
                "workspace": self.workspace,
            }
        return self._settings

    def _log_verbosely(self) -> None:
        """Our own request log on stderr, redacted. Third-party loggers stay quiet: websockets, for one, logs
        the handshake headers (the Authorization header among them) at DEBUG."""
        import logging
        import sys

        from cosyclone.evidence import scrub

        state = self

        class RedactedStderr(logging.Handler):
            """Writes to whatever sys.stderr is at the time (the CLI may be run in-process, e.g. by tests)."""

            def emit(self, record: logging.LogRecord) -> None:
                try:
                    sys.stderr.write(f"{record.name}: {scrub(record.getMessage(), state.secrets)}\n")
                except Exception:
                    self.handleError(record)

        handler = RedactedStderr()
        logger = logging.getLogger("cosyclone")
        previous = (logger.level, logger.propagate)
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
        logger.propagate = False

        def restore() -> None:
            logger.removeHandler(handler)
            logger.setLevel(previous[0])
            logger.propagate = previous[1]

        self.on_close(restore)

    def registry(self) -> VoiceRegistry:
        if self._registry is None:
            from cosyclone.registry import VoiceRegistry

            path = self.emulator_home() / "registry.sqlite3" if self.use_emulator else None
            self._registry = VoiceRegistry(path)
            self.on_close(self._registry.close)
        return self._registry
