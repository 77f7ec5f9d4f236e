# The two commands a newcomer needs: `make run` and `make test` (see README.md).
# Only Python 3.11+ and make are assumed; everything else is installed here.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
SEED   := db/seed/kungsholmen-2024.toml
PIP    := $(BIN)/python -m pip --disable-pip-version-check --quiet

# This machine (and CI's) sets PYTHONDONTWRITEBYTECODE: every Python process would then compile
# the package, and pytest rewrite every test module, from source each time it starts. The suite
# starts hundreds of `scheduler` processes and a worker per core, so bytecode is cached here as
# Python does by default (__pycache__/, ignored by git).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test quick install install-test clients lint typecheck unit bench bench-smoke clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Exact versions come from requirements.lock (pip freeze of a working install).
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(PIP) install -c requirements.lock -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml requirements.lock | $(BIN)/python
	$(PIP) install -c requirements.lock -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Imports the embedded plan, rolls it forward so its meetings are upcoming, makes a calendar
# link (replacing the one of the last run), and serves feeds, answer pages and reminders.
run: install
	$(BIN)/scheduler db upgrade
	$(BIN)/scheduler import $(SEED)
	$(BIN)/scheduler plan --year 2024
	$(BIN)/scheduler rollover
	$(BIN)/scheduler feeds create "make run" --replace
	$(BIN)/scheduler serve

# Real calendar parsers (ical.js via node, libical via PyGObject) and Chromium for the tests.
clients:
	bash tests/clients/install.sh

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install-test
	$(BIN)/mypy

# Three workers on two cores: the process and browser tests wait on other processes part of the
# time. The longest tests are handed out first (tests/support/ordering.py), two at a time
# (--maxschedchunk): xdist would otherwise give the first worker the whole first quarter.
unit: install-test
	$(BIN)/pytest -q -n 3 --maxschedchunk 2

test: install-test clients lint typecheck unit

# Only the pure tests (no database server, no browser, no process; tests/support/pure.py): the
# loop to keep while changing code.
quick: install-test
	$(BIN)/pytest -q -n 2 --pure

bench: install-test
	$(BIN)/python -m bench

# Every bench module at small sizes into a scratch file, checked (minutes; not part of `make test`).
bench-smoke: install-test
	$(BIN)/python -m bench.smoke

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache db/scheduler.sqlite3*
