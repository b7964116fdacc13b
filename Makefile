# make run  - install into .venv, migrate the SQLite database, load demo data, serve on :5000 (PORT=5105 for another)
# make serve-prod - gunicorn on PostgreSQL and Redis (SECRET_KEY, BASE_URL from the environment)
# make test - install the test extras and run the suite on SQLite, then on PostgreSQL
PYTHON ?= python3
VENV   := .venv
PORT   ?= 5000
BIN    := $(VENV)/bin
export FLASK_APP := wsgi.py

.PHONY: run test test-sqlite test-postgres install install-test install-prod db demo bench clean serve-prod test-e2e

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-prod: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[production]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test
install-prod: $(VENV)/.installed-prod

db: install
	LMS_ENV=development $(BIN)/flask db upgrade

demo: db
	LMS_ENV=development $(BIN)/flask courses sync
	if [ -d ../shared/real-courses/shell-novice ]; then LMS_ENV=development $(BIN)/flask courses import ../shared/real-courses/shell-novice; fi
	LMS_ENV=development $(BIN)/flask demo load

run: demo
	LMS_ENV=development $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# gunicorn + PostgreSQL + Redis, as a vendor runs it (.ci/serve-prod): SECRET_KEY and BASE_URL from the
# environment; local PostgreSQL/Redis are started when not running; migrations applied first.
serve-prod: install-prod
	.ci/serve-prod

test: install-test
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres
	$(MAKE) --no-print-directory test-e2e

test-sqlite:
	@echo "== tests on SQLite"
	env -u TEST_DATABASE_URL $(BIN)/pytest

# Uses TEST_DATABASE_URL when set; otherwise starts this machine's PostgreSQL 15 (.ci/postgres).
# Without PostgreSQL the run is skipped with the reason, except in CI (CI=true), where it fails.
test-postgres:
	@echo "== tests on PostgreSQL"
	@url="$${TEST_DATABASE_URL:-}"; \
	if [ -z "$$url" ]; then url="$$(.ci/postgres)" || url=""; fi; \
	if [ -z "$$url" ]; then \
	  if [ "$${CI:-}" = "true" ]; then echo "PostgreSQL is required in CI and could not be had" >&2; exit 1; fi; \
	  echo "SKIPPED: PostgreSQL tests (no TEST_DATABASE_URL and the local cluster could not be started)"; exit 0; \
	fi; \
	TEST_DATABASE_URL="$$url" $(BIN)/pytest

# The whole journey in Debian's Chromium (Playwright, never a browser download) with axe-core on every page.
# Screenshots land in tests/e2e/artifacts/. Without /usr/bin/chromium it is skipped, except in CI, where it fails.
test-e2e: install-test
	@echo "== end-to-end journey in Chromium"
	E2E=1 $(BIN)/pytest tests/e2e -p no:randomly

bench: install-test
	$(BIN)/python bench/slots.py
	$(BIN)/python bench/courses.py

clean:
	rm -rf $(VENV) instance .pytest_cache

# Mutation testing of the rule modules (mutmut 3, config in pyproject.toml [tool.mutmut]); slow, not part of CI.
# MODULES=lms/checkins/sla.py for one module. Results and judged survivors: bench/README.md.
.PHONY: mutation
mutation: install-test
	$(BIN)/pip install --quiet -e '.[test,mutation]'
	$(BIN)/python bench/mutation.py $(MODULES)
