"""``uv pip`` with pip's own configuration: the Makefile's fast installer (issue 22: `make demo` in under 60 s).

uv does not read pip's configuration files or ``PIP_*`` variables, so a machine whose pip is set up for a local
package mirror (extra indexes, find-links, constraints, a CA bundle, a timeout) would see uv ignore all of it.
This reads ``pip config list`` (files and environment, as pip resolves them) and runs
``uv pip ARGS… --python <this interpreter>`` with the same settings as uv flags and variables; uv itself is
expected next to this interpreter (the Makefile installs it from PyPI into the virtualenv).

Usage (from the Makefile): ``.venv/bin/python .ci/uv_pip.py install -e '.[speech]'``.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path


def pip_settings() -> dict[str, str]:
    """pip's effective settings (``global.``/``install.``/``:env:.`` keys, later ones win) by option name."""
    listed = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True, check=False
    ).stdout
    settings: dict[str, str] = {}
    for line in listed.splitlines():
        key, _, raw = line.partition("=")
        section, _, name = key.rpartition(".")
        if section.strip(":") in ("global", "install", "env", ""):
            settings[name] = " ".join(shlex.split(raw))
    return settings


def uv_arguments(settings: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """The uv flags and environment for pip's ``settings``."""
    flags: list[str] = []
    env: dict[str, str] = {}
    if settings.get("index-url"):
        flags += ["--index-url", settings["index-url"]]
    for url in settings.get("extra-index-url", "").split():
        flags += ["--extra-index-url", url]
    for place in settings.get("find-links", "").split():
        flags += ["--find-links", place]
    for constraint in settings.get("constraint", "").split():
        flags += ["--constraint", constraint]
    if flags:  # pip takes the best version across every index; uv's default stops at the first that has one
        flags += ["--index-strategy", "unsafe-best-match"]
    if settings.get("cert"):
        env["SSL_CERT_FILE"] = settings["cert"]
    if settings.get("default-timeout") or settings.get("timeout"):
        env["UV_HTTP_TIMEOUT"] = settings.get("default-timeout") or settings["timeout"]
    return flags, env


def main(argv: list[str]) -> int:
    uv = Path(sys.executable).with_name("uv")
    flags, env = uv_arguments(pip_settings())
    command, rest = argv[0], argv[1:]
    full = [str(uv), "pip", command, "--python", sys.executable, *flags, *rest]
    return subprocess.run(full, env={**os.environ, **env}, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
