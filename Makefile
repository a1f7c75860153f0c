# zhurnal: the commands a developer and CI run. `make help` lists them.
# GNU make 4.3 or later (the catalog rule uses a grouped target, `&:`).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

# Override on the command line, e.g. `make test PYTEST_ARGS="-x tests/core"`.
PYTHON ?= python3
VENV ?= .venv
CHROMIUM ?= /usr/bin/chromium
PYTEST_ARGS ?=
SEED_ARGS ?=

BIN := $(VENV)/bin
VENV_STAMP := $(VENV)/.installed
PO_FILES := $(wildcard locales/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
VERSION = $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
DEMO_URL := http://$(or $(ZHURNAL_WEB_HOST),127.0.0.1):$(or $(ZHURNAL_WEB_PORT),8080)
# The PostgreSQL run joins `make test` only when a URL is given.
TEST_RUNS := test-sqlite $(if $(ZHURNAL_TEST_POSTGRES_URL),test-postgres)

.PHONY: help venv translations chromium migrate seed demo test test-sqlite test-postgres lint bench \
	extract-messages rules-doc clean

help: ## List the targets
	@echo "Targets:"
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-17s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "Variables: PYTHON=$(PYTHON) VENV=$(VENV) CHROMIUM=$(CHROMIUM) PYTEST_ARGS SEED_ARGS"

# --- setup -------------------------------------------------------------------------------------------

venv: $(VENV_STAMP) ## Create .venv and install zhurnal with the test tools (again only when deps change)

$(VENV_STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || { echo "creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	@touch $@

translations: $(MO_FILES) ## Compile locales/*/LC_MESSAGES/messages.po into .mo files

# One command compiles every catalog, so all .mo files are one grouped target.
$(MO_FILES) &: $(PO_FILES) $(VENV_STAMP)
	$(BIN)/python -m locales

chromium: $(CHROMIUM) ## Install Debian chromium for the browser tests, only when it is missing

$(CHROMIUM):
	@command -v apt-get >/dev/null 2>&1 || { echo "make chromium: $@ is missing and apt-get is not" \
		"available; install Debian chromium by hand (the browser tests need it)" >&2; exit 1; }
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
	@test -x $@ || { echo "make chromium: apt-get finished but $@ is missing" >&2; exit 1; }

# --- run ---------------------------------------------------------------------------------------------

migrate: venv ## Upgrade the database (ZHURNAL_DATABASE_URL, default var/zhurnal.sqlite3) to the latest schema
	@mkdir -p var
	$(BIN)/zhurnal migrate

seed: migrate ## Fill the database with a demo school (idempotent; SEED_ARGS="--students N --weeks W --seed S")
	$(BIN)/zhurnal seed-demo $(SEED_ARGS)

demo: venv translations migrate seed ## Set up everything and start zhurnal locally
	@echo
	@echo "zhurnal is starting at $(DEMO_URL)"
	@echo "The demo logins are the ones seed-demo printed above. Stop with Ctrl-C."
	$(BIN)/zhurnal run

# --- check -------------------------------------------------------------------------------------------

# --keep-going: a failure on SQLite still lets the PostgreSQL run report; make exits non-zero either way.
test: venv translations chromium lint ## Lint, then run the tests on SQLite and on PostgreSQL if ZHURNAL_TEST_POSTGRES_URL is set
	@$(if $(ZHURNAL_TEST_POSTGRES_URL),,echo "ZHURNAL_TEST_POSTGRES_URL is not set: the PostgreSQL run is skipped")
	$(MAKE) --no-print-directory --keep-going $(TEST_RUNS)

test-sqlite: venv translations chromium ## Run the tests on SQLite only
	ZHURNAL_TEST_DB=sqlite $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: venv translations chromium ## Run the tests on PostgreSQL only (needs ZHURNAL_TEST_POSTGRES_URL)
	@test -n "$${ZHURNAL_TEST_POSTGRES_URL:-}" || { echo "make test-postgres: set ZHURNAL_TEST_POSTGRES_URL," \
		"e.g. postgresql+asyncpg://root@127.0.0.1:5432/test" >&2; exit 1; }
	ZHURNAL_TEST_DB=postgres $(BIN)/pytest $(PYTEST_ARGS)

lint: venv ## Check the code with ruff (lint rules and formatting)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: venv translations ## Run the benchmarks and write BENCHMARKS.md
	$(BIN)/python -m bench

# --- maintenance -------------------------------------------------------------------------------------

extract-messages: venv ## Collect messages from core/ bot/ webadmin/ into locales/messages.pot; update ru and en
	$(BIN)/pybabel extract -F pyproject.toml -o locales/messages.pot --project=zhurnal --version=$(VERSION) \
		--copyright-holder="zhurnal contributors" --add-location=file --sort-output core bot webadmin
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching

rules-doc: venv ## Regenerate docs/rules.md (which tests prove each rule) from the tests' docstrings
	$(BIN)/python -m tests.rules_coverage

clean: ## Remove compiled catalogs, caches and build output (keeps .venv and the var/ database)
	rm -f locales/*/LC_MESSAGES/*.mo
	rm -rf .pytest_cache .ruff_cache .hypothesis build dist
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
