# Two commands: `make run` opens the dashboard, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test check demo bench clean-store i18n

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

# PIP_FLAGS: .ci/run's fallback to pip passes --no-compile (pip byte-compiles every module it
# installs, 40 s of CPU, where the tests import a fraction of them and CI keeps what they compile).
# Not the default: where PYTHONDONTWRITEBYTECODE is set, nothing compiled on import is kept, and every process
# would compile every module it imports, every time.
PIP_FLAGS ?=
# INSTALL: pip by default. .ci/run passes uv's pip (the same pinned requirements, from the package
# index, in 5 s instead of 35 s; like --no-compile it compiles nothing), and falls back to this
# default when uv cannot be had.
INSTALL ?= $(BIN)/python -m pip install --quiet
$(VENV)/.test-deps: requirements.txt requirements-test.txt | $(BIN)/python
	$(INSTALL) $(PIP_FLAGS) -r requirements-test.txt
	touch $@

run: $(VENV)/.run-deps
	$(BIN)/python -m streamlit run app.py

# Lint and type check (configured in pyproject.toml); CI runs it beside the tests (.ci/run).
check: $(VENV)/.test-deps
	$(BIN)/python -m ruff check .
	$(BIN)/python -m mypy

# worksteal: an idle worker takes tests queued on another, so a long browser test at the end of
# one worker's share does not leave the other core idle.
test: $(VENV)/.test-deps
	$(BIN)/python -m pytest -q -n auto --dist worksteal

demo: $(VENV)/.run-deps
	$(BIN)/python -m analytics demo --if-empty

$(VENV)/.bench-deps: requirements.txt requirements-test.txt requirements-bench.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	touch $@

bench: $(VENV)/.bench-deps
	$(BIN)/python -m benchmarks

# Re-extract the user-facing strings (analytics/, pages/, app.py) and update the French catalog:
# new strings appear with an empty msgstr to translate, unused ones are dropped.
i18n: $(VENV)/.run-deps
	$(BIN)/python -m analytics.i18n.tools

clean-store:
	rm -f data/palier.duckdb data/palier.duckdb.wal
	rm -rf data/palier.duckdb.pending
