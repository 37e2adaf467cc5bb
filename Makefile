# cosyclone — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --quiet --disable-pip-version-check
# Packages go in with uv (from PyPI; MIT or Apache-2.0), several times faster than pip: `make demo` from a fresh
# clone in under a minute (benchmarks/results.md). uv reads no pip configuration, so .ci/uv_pip.py hands it pip's
# own (`pip config list`: indexes, find-links, constraints, CA bundle, timeout) — CI and mirrors work the same.
UV      := $(BIN)/uv
INSTALL := $(BIN)/python .ci/uv_pip.py install --quiet
# One stamp per install level: the demo needs only the package; tests add the dev tools.
RUNTIME := $(VENV)/.installed-runtime
# Speaker-embedding weights (GE2E, Apache-2.0) ship inside resemblyzer's wheel. --no-deps: its dependencies
# (torch, librosa, an sdist webrtcvad) are never used; cosyclone.audio.speaker reads the weights with numpy.
SPEAKER_MODEL := resemblyzer==0.1.4
DEV     := $(VENV)/.installed-dev
# The emulator's speaking voice (the optional `speech` extra): the demo installs it; the dev extra pulls it too.
SPEECH  := $(VENV)/.installed-speech

.PHONY: venv demo test lint typecheck unit bench docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(UV): | $(BIN)/python
	$(PIP) install uv

$(RUNTIME): pyproject.toml | $(UV)
	$(INSTALL) -e .
	$(INSTALL) --no-deps $(SPEAKER_MODEL)
	touch $@

$(DEV): pyproject.toml $(RUNTIME)
	$(INSTALL) -e '.[dev]'
	touch $@

venv: $(DEV)

$(SPEECH): pyproject.toml $(RUNTIME)
	$(INSTALL) -e '.[speech]'
	touch $@

demo: $(RUNTIME) $(SPEECH)
	$(BIN)/cosyclone demo

lint: $(DEV)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(DEV)
	$(BIN)/mypy --strict src

unit: $(DEV)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck unit

bench: $(DEV)
	$(BIN)/python -m benchmarks.run

docs: $(DEV)
	$(BIN)/python -m cosyclone.cli.docgen > docs/cli.md
	$(BIN)/python -m cosyclone.ops.settings_doc README.md

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
