# nearhit — two commands from a fresh clone: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test test-fast test-native browser screenshots install compile lint typecheck format golden bench bench-scale clean help

# The guards compiled by mypyc (src/nearhit/native.py), opt-in: `make compile`, or COMPILE=1 on any target (then
# rebuilt when a guard's .py changes, nothing otherwise). Not by default: it costs ~2.5 min of CPU, which would
# push a fresh clone's `make test` past 15 minutes. No C compiler or no Python headers: said once, and the
# pure-Python guards run. PURE=1: the pure-Python guards even where a compiled build is present.
GUARDS := src/nearhit/guards
NATIVE := $(GUARDS)/_native/BUILD.json
MYPYC_OPT ?= 3
ifeq ($(PURE),1)
export NEARHIT_PURE_PYTHON := 1
BUILT :=
else ifeq ($(COMPILE),1)
BUILT := $(NATIVE)
else
BUILT :=
endif

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# nearhit needs Python 3.11+ (pyproject.toml); macOS's /usr/bin/python3 is 3.9: say so before a venv is made of it,
# and say how to start over when an earlier run made one.
NEW_ENOUGH := -c 'import sys; sys.exit(sys.version_info < (3, 11))'
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) $(NEW_ENOUGH) 2>/dev/null || { echo "nearhit needs Python 3.11 or newer;" \
		"$(PYTHON) is $$($(PYTHON) --version 2>&1): run make again with PYTHON=python3.12 (any 3.11+)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python $(NEW_ENOUGH) || { echo "$(VENV) has $$($(BIN)/python --version 2>&1); nearhit needs Python 3.11" \
		"or newer: rm -rf $(VENV), then run make again with PYTHON=python3.12 (any 3.11+)"; exit 1; }
	@echo "installing nearhit and its dev tools into $(VENV) (the first time: a few minutes, pip prints nothing until done)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

$(NATIVE): $(filter-out $(GUARDS)/__init__.py $(GUARDS)/guard_set.py,$(wildcard $(GUARDS)/*.py)) $(STAMP)
	$(BIN)/python -m nearhit.native -O$(MYPYC_OPT) --multi-file

compile: $(NATIVE)  ## Compile the guards with mypyc, ~1/3 off the decision's cold look (COMPILE=1 on any target: kept current)

install: $(STAMP) $(BUILT)  ## Create .venv and install nearhit with its dev tools (COMPILE=1: the guards compiled too)

demo: $(STAMP) $(BUILT)  ## Start the embedded Redis and the server (offline defaults); prints the URL
	$(BIN)/nearhit serve --host $(HOST) --port $(PORT)

# pytest-xdist: WORKERS processes, a test file to each in turn (--dist loadfile: a module's fixtures are made once),
# each worker with an embedded Redis of its own (tests/conftest.py). 3 on 2 cores: the suite waits on sockets,
# subprocesses and servers for about a third of its time. WORKERS=0: one process, no xdist.
WORKERS ?= 3
IN_WORKERS := $(if $(filter 0,$(WORKERS)),,-n $(WORKERS) --dist loadfile)

test: $(STAMP) $(BUILT) browser lint typecheck  ## Install what the tests need, start what they need, run them (slowest 15 listed)
	$(BIN)/pytest $(IN_WORKERS) -m "not native" --durations=15

test-fast: $(STAMP) $(BUILT)  ## The inner loop: every test but the slow and the browser ones (WORKERS=0: one process)
	$(BIN)/pytest $(IN_WORKERS) -m "not slow and not browser and not native"

# A fresh mypyc build of the guards, checked against the pure ones: ~3 min of CPU, which kept a fresh clone's
# `make test` near its 15 minutes, so it runs apart (.ci/run runs it after `make test`).
test-native: $(STAMP)  ## Compile the guards into a scratch copy with mypyc and check they say what the pure ones say
	$(BIN)/pytest -m native -p no:cacheprovider tests/guards/test_native_build.py

browser:  ## Install Debian's Chromium for the browser tests (needs root and apt; skipped otherwise)
	@if [ -x /usr/bin/chromium ]; then echo "chromium: $$(/usr/bin/chromium --version 2>/dev/null)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "no /usr/bin/chromium and no root apt-get: the browser tests will be skipped"; fi

lint: $(STAMP)  ## ruff check + format check
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)  ## mypy (strict) on the package
	$(BIN)/mypy

format: $(STAMP)  ## Format and fix with ruff
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

golden: $(STAMP)  ## Regenerate the tests' golden data files from the dev splits (tests/support/golden.py); review the diff
	$(BIN)/python -m tests.support.golden --write

screenshots: $(STAMP) browser  ## Refresh docs/images from the browser tests
	NEARHIT_UPDATE_DOCS_IMAGES=1 $(BIN)/pytest tests/web -k screenshots

ENGINE_SIZES ?= 10000
SCALE_SIZES ?= 100000 250000
SPLITS ?= dev test
AGAINST ?=

bench: $(STAMP) $(BUILT)  ## Run the benchmarks (tables, ~10 min on 2 shared cores); ENGINE_SIZES=..., AGAINST=<commit>, SPLITS=dev
	@date -u +"start %T UTC"; uptime
	$(BIN)/python benchmarks/engine.py --sizes $(ENGINE_SIZES)
	$(BIN)/python benchmarks/service.py $(if $(AGAINST),--against $(AGAINST))
	$(BIN)/python benchmarks/wrong_hits.py --splits $(SPLITS)
	@date -u +"end %T UTC"; uptime

bench-scale: $(STAMP) $(BUILT)  ## nearhit at 100k and 250k entries: lookup vs the raw KNN, recall vs exact (SCALE_SIZES=...)
	@date -u +"start %T UTC"; uptime
	$(BIN)/python benchmarks/engine.py --scale --sizes $(SCALE_SIZES)
	@date -u +"end %T UTC"; uptime

clean:  ## Remove the virtual environment, the compiled guards and caches
	rm -rf $(VENV) $(GUARDS)/_native .mypy_cache .ruff_cache .pytest_cache

.PHONY: image-test
image-test:  ## Build the container image (buildah) and run it (podman): health, an ask, a cache hit, bad input
	bash deploy/image-test.sh
