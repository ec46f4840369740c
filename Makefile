# ComponentForge Jobs — the verbs. Everything runs from a venv this file makes.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo up test lint format migrate bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11+ is required (found $$($(PYTHON) --version)); set PYTHON=python3.11"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing into $(VENV) (first run: about a minute)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[local,dev]"
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install the project with its test and local-server extras

demo: $(STAMP) ## run a sample batch end to end on embedded (or configured) services, then stop
	$(BIN)/python -m devstack.demo

up: $(STAMP) ## start the stack (services, migrations, API, worker) until Ctrl-C
	$(BIN)/python -m devstack.up

test: $(STAMP) ## unit + integration tests; starts embedded servers for unset service URLs
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP) ## latency/throughput tables against a bare-Celery floor measured in the same run
	$(BIN)/python -m tests.bench.run

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: $(STAMP) ## apply Alembic migrations to DATABASE_URL
	$(BIN)/alembic upgrade head

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .run
