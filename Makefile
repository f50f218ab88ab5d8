# Two commands: `make run` opens the dashboard, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test demo bench clean-store

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-deps: requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	touch $@

run: $(VENV)/.run-deps
	$(BIN)/python -m streamlit run app.py

test: $(VENV)/.test-deps
	$(BIN)/python -m pytest -q

demo: $(VENV)/.run-deps
	$(BIN)/python -m analytics demo --if-empty

bench: $(VENV)/.test-deps
	$(BIN)/python -m benchmarks

clean-store:
	rm -f data/palier.duckdb data/palier.duckdb.wal
	rm -rf data/palier.duckdb.pending
