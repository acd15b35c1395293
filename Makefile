# Two entry points: `make demo` and `make test`. Both build the virtual environment first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATA_DIR ?= demo-data

.PHONY: demo test lint typecheck unit bench docs clean audit

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

demo: $(BIN)/.installed
	$(BIN)/datawash --data-dir $(DATA_DIR) demo

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: $(BIN)/.installed
	$(BIN)/mypy

unit: $(BIN)/.installed
	$(BIN)/pytest -n 2 -q

test: lint typecheck unit

# Known vulnerabilities in the pinned dependencies (PyPI's advisory database). --strict
# fails when a package cannot be checked, so an unreachable database is never a pass.
audit: $(BIN)/.installed
	$(BIN)/pip-audit --local --skip-editable --strict

bench: $(BIN)/.installed
	$(BIN)/python bench/run_bench.py
	$(BIN)/python bench/foi_bench.py
	$(BIN)/python bench/cli_start.py

docs: $(BIN)/.installed
	COLUMNS=100 $(BIN)/python -m datawash.cli.reference > docs/cli.md
	$(BIN)/python -m datawash.cli.architecture > docs/architecture.md

clean:
	rm -rf $(VENV) $(DATA_DIR) .pytest_cache .mypy_cache .ruff_cache
