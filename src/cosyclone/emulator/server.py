"""Run the emulator in-process: uvicorn in a background thread, on a port the OS picks by default.

::

    with EmulatorServer(port=0, ready_delay_s=2) as emu:
        os.environ.update(emu.env())          # DASHSCOPE_HTTP_BASE_URL / DASHSCOPE_WEBSOCKET_BASE_URL
        emu.backend.faults.add(Fault(target="create_voice", kind="http_error", status=503))
        ...

The socket is bound before the thread starts, so the port is known at once, and ``start()`` returns once uvicorn
accepts connections (well under a second). Imported by the CLI, tests and benchmarks.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from cosyclone.emulator.api.app import API_PREFIX, CONTROL_PREFIX, WS_PATH, create_app
from cosyclone.emulator.config import EmulatorConfig
from cosyclone.emulator.state.backend import EmulatorBackend
from cosyclone.emulator.voice.engine_choice import SPEECH, EngineContext, done_serving, serving

STARTUP_TIMEOUT_S = 10.0
WARM_UP_THREAD = "cosyclone-speech-warm-up"


class _RefusedHandshakeFilter(logging.Filter):
    """uvicorn reports every deliberately refused WebSocket handshake (a bad key gets a 401) as an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "without completing handshake" not in record.getMessage()


logging.getLogger("uvicorn.error").addFilter(_RefusedHandshakeFilter())


class _WithVoiceEngine:
    """Serves every request with this emulator's voice engine current (see
    :func:`cosyclone.emulator.voice.engine_choice.serving`)."""

    def __init__(self, app: ASGIApp, context: EngineContext) -> None:
        self.app = app
        self.context = context

    def __getattr__(self, name: str) -> Any:
        """Everything else is the wrapped app's (its ``routes``, ``state`` …)."""
        return getattr(self.app, name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = serving(self.context)
        try:
            await self.app(scope, receive, send)
        finally:
            done_serving(token)


_noted: set[str] = set()


def _note_engine(note: str | None) -> None:
    """Say once per process (stderr, through logging) that the speech engine is missing and formant answers."""
    if note and note not in _noted:
        _noted.add(note)
        logging.getLogger(__name__).warning(note)


class _SpeechWarmUp:
    """Loads the speech engine in the background, so that the first sentence does not wait for it.

    The loading runs native code (onnxruntime, the lexicon): a thread inside it when the interpreter exits ends
    the process in ``terminate called without an active exception`` (SIGABRT, exit 134). So the thread is not a
    daemon, and :meth:`stop` (called by ``EmulatorServer.stop`` on every exit path) skips the steps not yet begun
    and waits for the one under way (about 2 s at most, measured: lexicon 1.0 s, model 2.3 s, reference 2.0 s).
    """

    def __init__(self) -> None:
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=WARM_UP_THREAD, daemon=False)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        from cosyclone.emulator.voice import speech_engine, speech_frontend

        steps = (speech_frontend.warm_up, speech_engine.warm_up, speech_engine.engine_f0_hz)
        try:
            for step in steps:
                if self._stopping.is_set():
                    return
                step()
        except Exception as error:  # the first request will report it
            logging.getLogger(__name__).warning("speech engine warm-up failed: %s", error)


class EmulatorServer:
    """A running emulator. ``**config`` are :class:`~cosyclone.emulator.config.EmulatorConfig` fields
    (``data_dir``, ``keys``, ``ready_delay_s``, ``allow_private_urls``, ``voice_quota``, ``idle_timeout_s``, …)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        backend: EmulatorBackend | None = None,
        log_level: str = "warning",
        **config: Any,
    ) -> None:
        self.backend = backend or EmulatorBackend(EmulatorConfig.from_kwargs(**config))
        self.host = host
        self._requested_port = port
        self._log_level = log_level
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._warm_up: _SpeechWarmUp | None = None
        self.port = 0

    # ----- addresses -----------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT`` (a wildcard bind address is shown as the loopback one)."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def http_base_url(self) -> str:
        """The value for ``DASHSCOPE_HTTP_BASE_URL`` (``http://127.0.0.1:PORT/api/v1``)."""
        return self.base_url + API_PREFIX

    @property
    def ws_url(self) -> str:
        """The value for ``DASHSCOPE_WEBSOCKET_BASE_URL`` (``ws://127.0.0.1:PORT/api-ws/v1/inference``)."""
        return "ws" + self.base_url[len("http") :] + WS_PATH

    @property
    def control_url(self) -> str:
        """The control plane's root (``http://127.0.0.1:PORT/_emulator``)."""
        return self.base_url + CONTROL_PREFIX

    def env(self) -> dict[str, str]:
        """The environment that points the official SDK and cosyclone at this emulator."""
        return {"DASHSCOPE_HTTP_BASE_URL": self.http_base_url, "DASHSCOPE_WEBSOCKET_BASE_URL": self.ws_url}

    # ----- running -------------------------------------------------------------------------------------------

    def start(self) -> EmulatorServer:
        """Bind, start serving in a daemon thread, and return once connections are accepted."""
        if self._thread is not None:
            return self
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP explicitly: asyncio then disables Nagle on accepted connections (TCP_NODELAY), which
        # otherwise delays every small reply by ~40 ms of delayed-ACK interplay.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self._requested_port))
        except OSError:
            sock.close()
            raise
        self._socket = sock
        self.port = int(sock.getsockname()[1])
        _note_engine(self.backend.voice_engine_note)
        if self.backend.voice_engine == SPEECH:
            self._warm_up = _SpeechWarmUp()
            self._warm_up.start()
        config = uvicorn.Config(
            _WithVoiceEngine(create_app(self.backend), self.backend.engine_context),
            log_level=self._log_level,
            access_log=self._log_level in ("info", "debug", "trace"),  # method, path, status: never headers
            lifespan="off",
            timeout_graceful_shutdown=2,
            # Clients of the service (the SDK, ours) do not compress; deflating PCM would only burn CPU.
            ws_per_message_deflate=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=f"cosyclone-emulator-{self.port}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the emulator did not start on {self.host}:{self.port}")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """Stop serving (open connections get up to 2 s to finish), release the port, and stop the speech
        engine's warm-up and the backend's voice-binding worker (a step or binding under way finishes first), so
        that no native thread outlives the server. Safe to call twice."""
        if self._warm_up is not None:
            self._warm_up.stop()
            self._warm_up = None
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
            if self._thread.is_alive() and self._server is not None:
                self._server.force_exit = True
                self._thread.join(timeout=2)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None
        self.backend.close()  # joins the voice-binding worker: no thread outlives the server

    def serve_forever(self) -> None:
        """Serve in the calling thread until Ctrl-C (for the CLI)."""
        self.start()
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(timeout=0.5)
        finally:
            self.stop()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
