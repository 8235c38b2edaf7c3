# The two commands of the README: `make run` and `make test`.
VENV ?= .venv
PYTHON ?= $(shell command -v python3.11 || command -v python3)
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve test test-fast lint install format check-system dump-fixtures loadtest

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) scripts/check_python.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $@

install: $(VENV)/.installed

# Checks the system libraries and says which command installs what is missing; installs
# nothing itself (.ci/run installs them on CI).
check-system: install
	@$(PY) scripts/check_system.py $(CHECK_SYSTEM_ARGS)

run: check-system
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 HOST=$(HOST) PORT=$(PORT) $(PY) manage.py setup_demo
	DEBUG=1 $(PY) manage.py rebuild_search_index
	DEBUG=1 $(PY) scripts/with_workers.py -- $(PY) manage.py runserver $(HOST):$(PORT)

# The production mode (DEBUG off, gunicorn, WhiteNoise) tried on http://127.0.0.1:$(PORT):
# see scripts/serve.sh and the README, « Mise en production ».
serve: check-system
	@VENV=$(VENV) PY=$(PY) PORT=$(PORT) sh scripts/serve.sh

# Every test, slow ones included, in parallel: one test process per core (pytest-xdist).
# Tests that share an expensive fixture carry an xdist_group mark and run in one process
# (--dist loadgroup); the others are spread one by one. PYTEST_WORKERS=0 runs them in
# this process; PYTEST_ARGS adds options (make test PYTEST_ARGS="tests/board -x").
PYTEST_WORKERS ?= auto
PYTEST := SECRET_KEY=$${SECRET_KEY:-insecure-key-for-tests-only} $(VENV)/bin/pytest \
	-n $(PYTEST_WORKERS) --dist loadgroup

test: CHECK_SYSTEM_ARGS = --tests
test: check-system lint
	$(PYTEST) $(PYTEST_ARGS)

# The same without the tests marked slow (browser, load scenario, whole PDFs).
test-fast: CHECK_SYSTEM_ARGS = --tests
test-fast: check-system lint
	$(PYTEST) -m "not slow" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Writes the current database's Pays de la Loire data back to the fixtures (see README).
dump-fixtures: install
	DEBUG=1 $(PY) manage.py dump_fixtures

# The load scenario against gunicorn on 127.0.0.1, at 10 then 50 users (README, « Essai de
# charge »); it needs PostgreSQL and recreates the database etatsgeneraux_charge each time.
loadtest: check-system
	$(PY) scripts/loadtest.py $(LOADTEST_ARGS)
