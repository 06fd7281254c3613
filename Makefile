# plexportal. `make run` starts web + worker on the embedded SQLite default; `make test` runs
# the whole suite (SQLite, browser, then PostgreSQL + Redis). Both create .venv when needed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST := $(BIN)/python -m pytest -q
export VENV

.PHONY: run web worker install install-dev translations migrate test test-sqlite test-e2e test-postgres test-integration \
        check audit docs check-docs clean

# -- environment ---------------------------------------------------------------------------------

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "plexportal needs Python 3.11 or newer (found: $$($(PYTHON) --version 2>&1)); set PYTHON=python3.11"; exit 1; }
	@$(PYTHON) -m venv $(VENV) || \
	  { rm -rf $(VENV); echo "could not create $(VENV): on Debian/Ubuntu run: apt-get install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip

# Stamps, so a changed requirements file reinstalls and an unchanged one costs nothing.
# The project itself goes in editable (no dependencies: they are the pinned ones above), which
# installs the `plexportal` command.
$(VENV)/.runtime: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@ $(VENV)/.runtime

# The compiled catalogues (messages.mo) are built here, not committed: a changed .po recompiles.
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard plexportal/translations/*/LC_MESSAGES/messages.po))

$(CATALOGUES): $(wildcard plexportal/translations/*/LC_MESSAGES/messages.po) | $(VENV)/.runtime
	$(BIN)/python scripts/catalogues compile

translations: $(CATALOGUES)

install: $(VENV)/.runtime translations
install-dev: $(VENV)/.dev translations

migrate: install
	$(BIN)/flask --app wsgi db upgrade

# -- running -------------------------------------------------------------------------------------

# Web (gunicorn: one gthread worker, 8 threads, on PLEXPORTAL_BIND, default 127.0.0.1:8000) and
# the Huey worker together in the foreground; Ctrl-C stops both (see scripts/run).
run: migrate
	@scripts/run

web: migrate
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

worker: migrate
	$(BIN)/huey_consumer plexportal.worker.huey --workers 2 --worker-type thread --flush-locks

# -- tests ---------------------------------------------------------------------------------------
# 0. the checks (`make check`: ruff, mypy, bandit, pip-audit);
# 1. everything but the browser on SQLite + immediate Huey (slow tests start real gunicorn and
#    huey_consumer processes on both SQLite and PostgreSQL + Redis);
# 2. the browser walk-throughs (Playwright + /usr/bin/chromium);
# 3. the same unit tests on PostgreSQL (127.0.0.1:5432, database test) + Redis (127.0.0.1:6379).
# Each first says what the machine is missing (Chromium, PostgreSQL with database `test`, Redis)
# instead of failing deep inside pytest; .ci/run installs and starts all three.
test: install-dev check
	$(BIN)/python scripts/test-prerequisites chromium postgres redis
	$(PYTEST) -m "not e2e"
	$(PYTEST) -m e2e
	PLEXPORTAL_TEST_BACKEND=postgres $(PYTEST) -m "not e2e and not sqlite_only and not slow"

test-sqlite: install-dev
	$(PYTEST) -m "not e2e"

test-e2e: install-dev
	$(BIN)/python scripts/test-prerequisites chromium
	$(PYTEST) -m e2e

test-postgres: install-dev
	$(BIN)/python scripts/test-prerequisites postgres redis
	PLEXPORTAL_TEST_BACKEND=postgres $(PYTEST) -m "not e2e and not sqlite_only and not slow"

test-integration: install-dev
	$(PYTEST) -m slow

# ruff (lint and import sorting, ruff.toml) over the code, tests, benchmarks and migrations; mypy
# (mypy.ini: strict on lib/ and gateways/, default elsewhere); the translation catalogues against the
# code (scripts/catalogues check: pybabel extract); bandit over plexportal/ and pip-audit
# over requirements.txt (scripts/security-check). `make test` runs it first. A vulnerability
# database that cannot be reached is reported, not failed.
check: install-dev
	$(BIN)/ruff check plexportal tests bench migrations wsgi.py gunicorn.conf.py
	$(BIN)/mypy
	$(BIN)/python scripts/catalogues check
	scripts/security-check

audit: install-dev
	$(BIN)/python scripts/audit_dependencies.py requirements.txt

# -- generated files -----------------------------------------------------------------------------

# .env.example and docs/configuration.md come from the settings registry.
docs: install
	PLEXPORTAL_DATA_DIR=$$(mktemp -d) $(BIN)/flask --app wsgi settings docs

clean:
	rm -rf $(VENV) tests/e2e/screenshots
