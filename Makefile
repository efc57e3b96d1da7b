# drex-node — every developer and CI entry point. `make help` lists the targets.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2
export PYTHONHASHSEED := 0

.PHONY: help setup test lint fmt typecheck pytest bench up down status clean proto

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP) ## create .venv and install the project with dev extras (idempotent)

lint: setup ## ruff lint + format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: setup ## apply ruff formatting and autofixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: setup ## mypy (strict on consensus/, zkp/, drex_node/ledger/)
	$(BIN)/mypy drex_node consensus zkp benchmarks

pytest: setup ## the whole pytest suite (unit, property, integration, e2e, slow)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup

test: setup lint typecheck pytest ## install, lint, typecheck and run every test

bench: setup ## run every benchmark and print JSON
	$(BIN)/drex-bench all --json

proto: setup ## regenerate gRPC code from proto/ (pinned grpcio-tools)
	$(BIN)/python proto/generate.py

up: setup ## start a local 7-node network under .testnet/ and wait until all are healthy
	$(BIN)/drex-testnet up --dir .testnet

down: ## stop the local network
	@if [ -x $(BIN)/drex-testnet ]; then $(BIN)/drex-testnet down --dir .testnet; fi

status: setup ## height, state root and health of every local node
	$(BIN)/drex-testnet status --dir .testnet

clean: ## remove caches and build outputs (keeps .venv)
	rm -rf .pytest_cache .mypy_cache .ruff_cache .hypothesis build *.egg-info
