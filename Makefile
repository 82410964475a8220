# nearhit — two commands from a fresh clone: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install lint typecheck format bench clean help

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)  ## Create .venv and install nearhit with its dev tools

demo: $(STAMP)  ## Start the embedded Redis and walk through the cache offline
	@$(BIN)/nearhit cache store "What is the capital of France?" "The capital of France is Paris." --tenant demo
	@echo '$$ nearhit cache lookup "what is the capital of france" --tenant demo'
	@$(BIN)/nearhit cache lookup "what is the capital of france" --tenant demo
	@echo '$$ nearhit cache lookup "Which city is the capital of France?" --tenant demo'
	@$(BIN)/nearhit cache lookup "Which city is the capital of France?" --tenant demo || true
	@echo '$$ nearhit cache lookup "what is the capital of france" --tenant someone-else'
	@$(BIN)/nearhit cache lookup "what is the capital of france" --tenant someone-else || true
	@$(BIN)/nearhit cache stats

test: $(STAMP) lint typecheck  ## Install what the tests need, start what they need, run them
	$(BIN)/pytest

lint: $(STAMP)  ## ruff check + format check
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)  ## mypy (strict) on the package
	$(BIN)/mypy

format: $(STAMP)  ## Format and fix with ruff
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

bench: $(STAMP)  ## Run the engine benchmark (prints a table; takes minutes)
	$(BIN)/python benchmarks/engine.py

clean:  ## Remove the virtual environment and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
