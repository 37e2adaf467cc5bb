"""What every benchmark shares: an emulator in a child process, the official SDK pointed at it, small statistics.

**The emulator runs in its own process** (``EmulatorServer(port=0, **config)`` started by a child interpreter), so
that the client under test — ours or the official ``dashscope`` SDK — has the benchmarking process to itself: its
CPU time is the client's alone, and the emulator's work does not compete with it for the GIL (as a real, remote
service would not). The same child also serves the bundled LibriVox sample over a plain ``http.server`` on
127.0.0.1, for ``create_voice``. The parent steers the emulator through its control plane (``/_emulator``).

**TCP_NODELAY.** Nagle's algorithm on the emulator's connections would make every small reply wait ~40 ms for the
client's delayed ACK, hiding every client-side difference. ``EmulatorServer`` now creates its listening socket
with ``IPPROTO_TCP`` so asyncio disables Nagle (this benchmark found the problem); the child still forces
TCP_NODELAY on the listening socket after the parent has measured the latency as shipped, so a regression shows as
a gap between the two figures in the results.

**Safety.** :func:`sdk_pointed_at` sets ``dashscope.base_http_api_url``, ``base_websocket_api_url`` and
``api_key`` explicitly (and the ``DASHSCOPE_*`` environment before the SDK is first imported), and refuses any
URL that is not on 127.0.0.1: no benchmark ever reaches a real endpoint.

Imported by the ``bench_*`` modules and ``benchmarks.run`` only.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

#: The key both clients use (the emulator accepts any ``sk-`` key; one key = one tenant).
API_KEY = "sk-cosyclone-bench-0123456789"
#: The model used for synthesis; seeded voices are enrolled for it.
MODEL = "cosyvoice-v3-flash"
DATA_DIR = Path(__file__).resolve().parent.parent / "src" / "cosyclone" / "data"
SAMPLE_NAME = "librivox-reader-15s.wav"
LOOPBACK_PREFIXES = ("http://127.0.0.1:", "ws://127.0.0.1:")

# The child: start the emulator and a sample server, print where they listen, obey stdin, exit at EOF.
_CHILD = r"""
import json, socket, sys, threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from cosyclone.emulator.server import EmulatorServer

config = json.loads(sys.argv[1])
samples_dir = sys.argv[2]

class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=samples_dir))
httpd.daemon_threads = True
threading.Thread(target=httpd.serve_forever, daemon=True).start()
server = EmulatorServer(port=0, **config).start()
print(json.dumps({"port": server.port, "http_base_url": server.http_base_url, "ws_url": server.ws_url,
                  "control_url": server.control_url, "sample_base_url": f"http://127.0.0.1:{httpd.server_address[1]}"}),
      flush=True)
for line in sys.stdin:
    command = line.strip()
    if command == "nodelay":
        listener = getattr(server, "_socket", None)
        if listener is not None:
            listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        print(json.dumps({"nodelay": listener is not None}), flush=True)
server.stop()
httpd.shutdown()
"""


#: The voice engine a client benchmark's emulator speaks with: the formant engine costs the emulator little CPU,
#: so the figures measure the clients, not the speech engine (``bench_batch`` measures the speech engine apart).
CLIENT_BENCH_ENGINE = "formant"


class EmulatorProcess:
    """An emulator (and sample server) in a child process. ``config``: ``EmulatorConfig`` fields.

    ``voice_engine``: the emulator's speech engine (``formant`` for client benchmarks; ``speech`` to measure that
    engine); set in its config and as ``COSYCLONE_VOICE_ENGINE`` in the child's environment. What the emulator
    models (engine, sentence latency, ready delay) is printed when it starts and kept in :meth:`model`.
    ``fix_nodelay``: set TCP_NODELAY on the listening socket once started (see the module docstring); the
    request latency before and after is kept in :attr:`latency_ms`.
    """

    def __init__(self, *, fix_nodelay: bool = True, voice_engine: str = CLIENT_BENCH_ENGINE, **config: Any) -> None:
        self._config = {**config, "voice_engine": voice_engine}
        self._fix_nodelay = fix_nodelay
        self._proc: subprocess.Popen[str] | None = None
        self._info: dict[str, Any] = {}
        self.latency_ms: dict[str, float] = {}
        self._control: httpx.Client | None = None

    # ----- life --------------------------------------------------------------------------------------------

    def start(self) -> EmulatorProcess:
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD, json.dumps(self._config), str(DATA_DIR)],
            env={**os.environ, "COSYCLONE_VOICE_ENGINE": str(self._config["voice_engine"])},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            self.stop()
            raise RuntimeError("the emulator child did not start")
        self._info = json.loads(line)
        for url in (self.http_base_url, self.ws_url, self.control_url, self.sample_url()):
            _require_loopback(url)
        self._control = httpx.Client(base_url=self.control_url, timeout=30)
        if self._fix_nodelay:
            self.nodelay_fix()
        print("emulator models: " + ", ".join(f"{k} {v}" for k, v in self.model().items()), file=sys.stderr)
        return self

    def model(self) -> dict[str, Any]:
        """What this emulator models: its voice engine and the latencies it adds (as configured)."""
        return {
            "voice_engine": self._config["voice_engine"],
            "sentence_latency_ms": round(float(self._config.get("sentence_latency_s", 0.0)) * 1000, 1),
            "ready_delay_s": self._config.get("ready_delay_s", 0.0),
        }

    def nodelay_fix(self) -> None:
        """Measure a control-plane GET as shipped, switch Nagle off on the emulator, measure again."""
        self.latency_ms["as_shipped"] = self._health_ms()
        self._command("nodelay")
        assert self._control is not None
        self._control.close()
        self._control = httpx.Client(base_url=self.control_url, timeout=30)
        self.latency_ms["nodelay"] = self._health_ms()

    def _health_ms(self, repeats: int = 9) -> float:
        with httpx.Client(timeout=10) as client:
            client.get(self.control_url + "/health")  # connect once
            samples = []
            for _ in range(repeats):
                started = time.perf_counter()
                client.get(self.control_url + "/health").raise_for_status()
                samples.append((time.perf_counter() - started) * 1000)
        return statistics.median(samples)

    def _command(self, command: str) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(command + "\n")
        self._proc.stdin.flush()
        reply: dict[str, Any] = json.loads(self._proc.stdout.readline())
        return reply

    def stop(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----- addresses ---------------------------------------------------------------------------------------

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    @property
    def http_base_url(self) -> str:
        return str(self._info["http_base_url"])

    @property
    def ws_url(self) -> str:
        return str(self._info["ws_url"])

    @property
    def control_url(self) -> str:
        return str(self._info["control_url"])

    def sample_url(self, name: str = SAMPLE_NAME) -> str:
        return f"{self._info['sample_base_url']}/{name}"

    def env(self) -> dict[str, str]:
        return {"DASHSCOPE_HTTP_BASE_URL": self.http_base_url, "DASHSCOPE_WEBSOCKET_BASE_URL": self.ws_url}

    # ----- steering ----------------------------------------------------------------------------------------

    def _post(self, path: str, body: Any) -> Any:
        assert self._control is not None
        response = self._control.post(path, json=body)
        response.raise_for_status()
        return response.json()

    def settings(self, **values: float) -> dict[str, Any]:
        """Change runtime settings (``sentence_latency_s``, ``ready_delay_s``, ``voice_quota``, …)."""
        result: dict[str, Any] = self._post("/settings", values)
        return result

    def reset(self) -> None:
        self._post("/reset", {})

    def seed_voices(self, count: int, *, prefix: str = "seed", target_model: str = MODEL) -> list[str]:
        """Put ``count`` ready voices in place for :data:`API_KEY`; returns their ids."""
        voices = [{"target_model": target_model, "prefix": prefix} for _ in range(count)]
        reply = self._post("/voices", {"api_key": API_KEY, "voices": voices})
        return [v["voice_id"] for v in reply["voices"]]


def _require_loopback(url: str) -> None:
    if not url.startswith(LOOPBACK_PREFIXES):
        raise RuntimeError(f"refusing to benchmark against {url!r}: only 127.0.0.1 is allowed")


@contextlib.contextmanager
def sdk_pointed_at(emulator: EmulatorProcess) -> Iterator[ModuleType]:
    """The official SDK, imported and pointed at ``emulator`` (URLs and key set explicitly) for the duration;
    the ``DASHSCOPE_*`` environment and the module's settings are put back afterwards."""
    saved_env = {k: os.environ.get(k) for k in (*emulator.env(), "DASHSCOPE_API_KEY")}
    os.environ.update(emulator.env())  # read by the SDK when first imported
    os.environ["DASHSCOPE_API_KEY"] = API_KEY
    import dashscope

    saved = (dashscope.base_http_api_url, dashscope.base_websocket_api_url, dashscope.api_key)
    dashscope.base_http_api_url = emulator.http_base_url
    dashscope.base_websocket_api_url = emulator.ws_url
    dashscope.api_key = API_KEY
    try:
        _require_loopback(dashscope.base_http_api_url)
        _require_loopback(dashscope.base_websocket_api_url)
        yield dashscope
    finally:
        dashscope.base_http_api_url, dashscope.base_websocket_api_url, dashscope.api_key = saved
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def our_client(emulator: EmulatorProcess, **kwargs: Any) -> Any:
    """A cosyclone ``Client`` on the emulator (typed ``Any`` so that benchmarks import the client lazily)."""
    from cosyclone.client import Client

    _require_loopback(emulator.http_base_url)
    return Client(api_key=API_KEY, base_url=emulator.http_base_url, ws_url=emulator.ws_url, **kwargs)


# ----- figures -------------------------------------------------------------------------------------------------


def median(values: Iterable[float]) -> float:
    return float(statistics.median(list(values)))


def timed(action: Callable[[], object]) -> float:
    """Wall-clock seconds of one call."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def ratio(slower: float, faster: float) -> float:
    """``slower / faster``, rounded (0 when undefined)."""
    return round(slower / faster, 2) if faster > 0 else 0.0


def interleaved(rounds: int, cases: Sequence[tuple[str, Callable[[], float]]]) -> dict[str, list[float]]:
    """Run each case once per round, alternating, so that drift in the machine hits every case alike."""
    samples: dict[str, list[float]] = {name: [] for name, _ in cases}
    for _ in range(rounds):
        for name, case in cases:
            samples[name].append(case())
    return samples


def verdict(ok: bool, reason: str = "") -> dict[str, Any]:
    return {"met": ok, "reason": "" if ok else reason}
