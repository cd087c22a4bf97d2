# The two commands the README starts with: `make run` and `make test`.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/drafting: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

.PHONY: run test bench lint mutation test-random
run: $(BIN)/drafting
	$(BIN)/python app.py

# Parallel on JOBS workers (pytest-xdist; auto = one per core). --dist loadfile keeps each test file on one worker,
# so a module's app process, browser and index start once; every fixture uses free ports and its own tmp folders,
# and the seeded-index template (tests/seed_data.py) is built once under a lock. JOBS=1 runs in one process.
JOBS ?= auto
test: $(BIN)/drafting
	$(BIN)/python -m pytest -q $(if $(filter-out 1,$(JOBS)),-n $(JOBS) --dist loadfile)

bench: $(BIN)/drafting
	$(BIN)/python benchmarks/run_all.py

lint: $(BIN)/drafting
	$(BIN)/ruff check drafting tests
	$(BIN)/mypy drafting

# Mutation score per module (mutmut from the dev extras, slow, not in CI): guard, corpus/text, retrieve, offline,
# assemble, export, review, learning.
# `make mutation MODULES="guard text"` for some; survivors are listed with --survivors. SAMPLE=150 judges every k-th
# mutant only (an estimate, for a loaded machine); RETEST=1 reruns the last run's survivors against today's tests.
mutation: $(BIN)/drafting
	$(BIN)/python tools/mutation.py --survivors $(if $(SAMPLE),--sample $(SAMPLE)) $(if $(OFFSET),--offset $(OFFSET)) $(if $(RETEST),--retest) $(MODULES)

# The suite once in random order, to expose tests that depend on each other. pytest-randomly goes in a side
# folder, not the venv, so ordinary runs keep their order. No -q: the header line "Using --randomly-seed=N" is the
# seed; `make test-random SEED=N` replays that order.
RANDOMLY := /tmp/drafting-randomly
test-random: $(BIN)/drafting
	[ -d $(RANDOMLY)/pytest_randomly ] || $(BIN)/python -m pip install -q --target $(RANDOMLY) pytest-randomly
	PYTHONPATH=$(CURDIR):$(RANDOMLY) nice $(BIN)/python -m pytest -p randomly -rfE $(if $(SEED),--randomly-seed=$(SEED))
