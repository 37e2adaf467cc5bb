"""One session of work against the service or the embedded emulator: the settings, and the resources opened from
them (client, registry, emulator, verbose log), closed together at the end.

Both front ends stand on it: the CLI builds one per invocation from its global options (``cli/app.py``), the MCP
server receives the CLI's and keeps it for its lifetime. With ``use_emulator`` an in-process emulator is started on
first use; its state lives in ``$COSYCLONE_HOME/emulator`` (so a voice cloned by one command can be spoken with by
the next), with a registry of its own, kept apart from the one that tracks real voices.

The API key is held as an :class:`~cosyclone._config.APIKey` (it never prints itself); ``repr`` of a session shows
its options, never the key. Who may import it: the front ends (``cli/``, ``mcp/``) and the library
operations beside it in :mod:`cosyclone.ops`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cosyclone._config import APIKey
from cosyclone._files import OutputPathError
from cosyclone.ops.evidence import Evidence

if TYPE_CHECKING:
    from cosyclone.client import Client, ClientSettingsDict
    from cosyclone.registry import VoiceRegistry

#: The key a session uses with its own emulator (the emulator accepts any ``sk-…`` key).
EMULATOR_KEY = "sk-cosyclone-local-emulator"
#: Where the endpoints of a session with ``use_emulator`` come from (the ``source`` of its endpoint JSON).
EMBEDDED_SOURCE = "--emulator (the embedded emulator)"

logger = logging.getLogger("cosyclone.ops.session")


@dataclass(frozen=True)
class ClientSettings:
    """What a :class:`~cosyclone.client.Client` is built from; the key stays wrapped (its repr is masked)."""

    api_key: APIKey
    region: str | None = None
    base_url: str | None = None
    workspace: str | None = None
    ws_url: str | None = None

    def client_kwargs(self) -> ClientSettingsDict:
        """Keyword arguments for ``Client(...)`` — the only place the key is revealed."""
        return {
            "api_key": self.api_key.reveal(),
            "region": self.region,
            "base_url": self.base_url,
            "workspace": self.workspace,
            "ws_url": self.ws_url,
        }


class Session:
    """The options of one run and the resources opened from them; :meth:`close` releases them (last first).

    Args:
        region, base_url, workspace, ws_url: where to talk to (else the environment, else the default region).
        use_emulator: start an in-process emulator on first use and talk to it (no key, no quota).
        evidence_dir: where evidence files go (``None``: write none).
        verbose: log requests on stderr, redacted.
        evidence_failures_are_warnings: a failure to write evidence after the work is done becomes a line in the
            result's ``warnings`` instead of an error (the MCP server's choice; the CLI reports it as bad input).
    """

    def __init__(
        self,
        *,
        region: str | None = None,
        base_url: str | None = None,
        workspace: str | None = None,
        use_emulator: bool = False,
        evidence_dir: Path | None = None,
        verbose: bool = False,
        evidence_failures_are_warnings: bool = False,
        ws_url: str | None = None,
    ) -> None:
        self.region = region
        self.ws_url = ws_url
        self.base_url = base_url
        self.workspace = workspace
        self.use_emulator = use_emulator
        self.evidence_dir = evidence_dir
        self.verbose = verbose
        self.evidence_failures_are_warnings = evidence_failures_are_warnings
        self._closers: list[Callable[[], None]] = []
        self._client: Client | None = None
        self._registry: VoiceRegistry | None = None
        self._settings: ClientSettings | None = None

    def __repr__(self) -> str:
        options = ", ".join(
            f"{name}={getattr(self, name)!r}"
            for name in ("region", "base_url", "ws_url", "workspace", "use_emulator", "evidence_dir", "verbose")
        )
        return f"Session({options}, settings={self._settings!r})"

    __str__ = __repr__

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values to scrub from anything written (the API key once it is known)."""
        if self._settings is None or self.use_emulator:
            return ()
        return (self._settings.api_key.reveal(),)

    # ------------------------------------------------------------------------------------------ lifetime

    def on_close(self, closer: Callable[[], None]) -> None:
        self._closers.append(closer)

    def close(self) -> None:
        """Run every closer, last first, even when one fails (the embedded emulator's stop must always run: a
        native thread alive at exit aborts the process); the first failure is raised after all have run."""
        failure: BaseException | None = None
        while self._closers:
            try:
                self._closers.pop()()
            except BaseException as error:  # every closer runs; the first failure is re-raised
                failure = failure or error
        if failure is not None:
            raise failure

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def resolved_region(self) -> str:
        """The region in effect: the session's, else the environment's, else the default (asks no network)."""
        from cosyclone._config import resolve_region

        return resolve_region(self.region)

    def service_configured(self) -> bool:
        """Whether the service can be reached without the emulator: a base URL was given or an API key is found
        (env or key files). Asks nothing of the network."""
        if self.base_url:
            return True
        from cosyclone._config import resolve_api_key
        from cosyclone._exceptions import MissingAPIKeyError

        try:
            resolve_api_key()
        except MissingAPIKeyError:
            return False
        return True

    # ------------------------------------------------------------------------------------------ resources

    def emulator_home(self) -> Path:
        from cosyclone._config import cosyclone_home

        return cosyclone_home() / "emulator"

    def client(self) -> Client:
        """The client of this session (starting the in-process emulator first with ``use_emulator``)."""
        if self._client is None:
            self._client = self.new_client()
            self.on_close(self._client.close)
        return self._client

    def new_client(self) -> Client:
        """Another client with the same settings (for worker threads); the caller closes it."""
        from cosyclone.client import Client

        settings = self.settings().client_kwargs()
        settings["registry"] = self.registry()
        client = Client(**settings)
        if self.use_emulator:  # its URLs were handed over as --base-url / --ws-url: say where they come from
            client.endpoints = replace(client.endpoints, source=EMBEDDED_SOURCE, ws_source=EMBEDDED_SOURCE)
        return client

    def settings(self) -> ClientSettings:
        """The client settings, resolved once: the key looked up, or the embedded emulator started."""
        if self._settings is not None:
            return self._settings
        if self.verbose:
            from cosyclone.ops.session_log import log_verbosely

            self.on_close(log_verbosely(lambda: self.secrets))
        if self.use_emulator:
            from cosyclone.emulator.server import EmulatorServer

            server = EmulatorServer(port=0, data_dir=self.emulator_home() / "state")
            self.on_close(server.stop)  # before start: an interruption during start still stops what began
            server.start()
            logger.debug("--emulator: the embedded emulator's URLs stand for --base-url and --ws-url")
            key = APIKey(EMULATOR_KEY, "embedded emulator")
            self._settings = ClientSettings(
                key, region=self.region, base_url=server.http_base_url, ws_url=server.ws_url
            )
        else:
            from cosyclone._config import resolve_api_key

            self._settings = ClientSettings(
                resolve_api_key(),
                region=self.region,
                base_url=self.base_url,
                workspace=self.workspace,
                ws_url=self.ws_url,
            )
        return self._settings

    def registry(self) -> VoiceRegistry:
        if self._registry is None:
            from cosyclone.registry import VoiceRegistry

            path = self.emulator_home() / "registry.sqlite3" if self.use_emulator else None
            self._registry = VoiceRegistry(path)
            self.on_close(self._registry.close)
        return self._registry

    # ------------------------------------------------------------------------------------------ evidence

    def evidence(self) -> Evidence:
        """The evidence folder (raises :class:`OutputPathError` at once if it can never hold files)."""
        return Evidence(self.evidence_dir, secrets=self.secrets)

    def write_evidence(self, name: str, data: Any, result: dict[str, Any] | None = None) -> None:
        """Write evidence file ``name``. If the session says so, a failure to write it does not fail the work,
        which is done: it is logged and becomes a line in ``result["warnings"]``."""
        try:
            self.evidence().write_json(name, data)
        except (OSError, OutputPathError) as error:
            if not self.evidence_failures_are_warnings:
                raise
            logger.warning("evidence %s not written: %s", name, error)
            if result is not None:
                result.setdefault("warnings", []).append(f"evidence {name} not written: {error}")
