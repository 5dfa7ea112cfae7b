# digiflow: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app wsgi

.PHONY: install run test test-fast lint format migrate demo check-workflows clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# the English catalog, compiled from the fragments in digiflow/i18n/en/
TRANSLATIONS := digiflow/translations/en/LC_MESSAGES/messages.mo
$(TRANSLATIONS): $(STAMP) $(wildcard digiflow/i18n/en/*.po)
	$(BIN)/python -m digiflow.i18n

install: $(STAMP) $(TRANSLATIONS)

# axe-core for the browser tests (tests/browser; skipped without it), where npm is installed
AXE_CORE := node_modules/axe-core/axe.min.js
ifneq ($(shell command -v npm),)
install: $(AXE_CORE)
endif
$(AXE_CORE): package-lock.json
	npm ci --no-audit --no-fund
	touch $@

## Run digiflow on the embedded defaults: web on http://127.0.0.1:5000, Celery worker and
## beat, the local mail sink. Migrates and loads the demo on the first start. Ctrl-C stops all.
run: install
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty
	PATH="$(BIN):$$PATH" REMINDER_SCAN_SECONDS=$${REMINDER_SCAN_SECONDS:-60} \
		$(BIN)/honcho --procfile Procfile start

## Run the test suite: SQLite and the embedded broker, or PostgreSQL and Redis when
## DATABASE_URL and REDIS_URL are set (the database is emptied: use a test database).
test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: install
	$(FLASK) db upgrade

demo: install
	$(FLASK) demo load --if-empty

check-workflows: install
	$(FLASK) workflows check workflows/

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
