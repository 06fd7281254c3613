# plexportal: `make run` starts web + worker on SQLite; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PLEXPORTAL_BIND ?= 127.0.0.1:8000
export PLEXPORTAL_BIND

.PHONY: run test test-sqlite test-postgres e2e venv migrate clean bench

$(BIN)/activate: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(BIN)/activate

venv: $(BIN)/activate

migrate: venv
	$(BIN)/flask --app wsgi db upgrade

# Web (gunicorn, one gthread worker so the in-memory rate limiter is exact) and the Huey worker
# together; Ctrl-C stops both.
run: migrate
	@echo "plexportal on http://$(PLEXPORTAL_BIND)  (Ctrl-C stops web and worker)"
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/huey_consumer plexportal.worker.huey --workers 2 --worker-type thread --flush-locks & \
	$(BIN)/gunicorn --bind $(PLEXPORTAL_BIND) --workers 1 --threads 8 --worker-class gthread --access-logfile - wsgi:app & \
	wait

test: venv
	$(BIN)/python -m pytest -q -m "not e2e"
	$(BIN)/python -m pytest -q -m e2e
	PLEXPORTAL_TEST_BACKEND=postgres $(BIN)/python -m pytest -q -m "not e2e and not sqlite_only"

test-sqlite: venv
	$(BIN)/python -m pytest -q

test-postgres: venv
	PLEXPORTAL_TEST_BACKEND=postgres $(BIN)/python -m pytest -q -m "not e2e and not sqlite_only"

clean:
	rm -rf $(VENV) data
