# The two commands the README starts with: `make run` and `make test`.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/drafting: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

.PHONY: run test bench lint
run: $(BIN)/drafting
	$(BIN)/python app.py

test: $(BIN)/drafting
	$(BIN)/python -m pytest -q

bench: $(BIN)/drafting
	$(BIN)/python benchmarks/run_all.py

lint: $(BIN)/drafting
	$(BIN)/ruff check drafting tests
