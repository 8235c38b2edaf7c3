# The two commands of the README: `make run` and `make test`.
VENV ?= .venv
PYTHON ?= $(shell command -v python3.11 || command -v python3)
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve test install format check-system dump-fixtures loadtest

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) scripts/check_python.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $@

install: $(VENV)/.installed

# libharfbuzz-subset0 makes WeasyPrint subset the PDF fonts in C (about 0.5 s less per
# synthesis than its fontTools fallback): installed when missing, if apt-get can run.
check-system: install
	@if ! ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset\.so\.0'; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get install -y -qq libharfbuzz-subset0 >/dev/null 2>&1 \
			|| { apt-get update -qq >/dev/null 2>&1 \
				&& apt-get install -y -qq libharfbuzz-subset0 >/dev/null 2>&1; } \
			|| echo "Avertissement : libharfbuzz-subset0 non installé (PDF plus lents)."; \
		else \
			echo "Conseil : installez libharfbuzz-subset0 (PDF plus rapides)."; \
		fi; \
	fi
	@$(PY) scripts/check_system.py

run: check-system
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py setup_demo
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# The production mode (DEBUG off, gunicorn, WhiteNoise) tried on http://127.0.0.1:$(PORT):
# see scripts/serve.sh and the README, « Mise en production ».
serve: check-system
	@VENV=$(VENV) PY=$(PY) PORT=$(PORT) sh scripts/serve.sh

test: check-system
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	SECRET_KEY=$${SECRET_KEY:-insecure-key-for-tests-only} $(VENV)/bin/pytest $(PYTEST_ARGS)

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
