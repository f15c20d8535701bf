# Two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
RUN := $(UV) run --frozen --no-sync

.PHONY: run test lint typecheck check bench install migrate clean manifests playground

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

.venv/.installed: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $@

install: .venv/.installed

run: install
	$(RUN) python -m compileall -q -j 0 bot adapters commands jobs store
	$(RUN) chatops migrate
	$(RUN) chatops serve

migrate: install
	$(RUN) chatops migrate

test: install
	$(RUN) pytest -q $(PYTEST_ARGS)

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .

typecheck: install
	$(RUN) mypy

check: lint typecheck test

bench: install
	$(RUN) python -m bench

manifests: install
	$(RUN) chatops manifest refresh

# Rebuild the committed playground bundle (needs node/npm; running the bot does not).
playground:
	cd playground && npm ci && npm run build

clean:
	rm -rf .venv .tools var .pytest_cache .mypy_cache .ruff_cache
