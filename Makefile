# Two entry points: `make demo` and `make test`. Both build the virtual environment first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATA_DIR ?= demo-data

.PHONY: demo test lint typecheck unit bench docs clean audit assets serve

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

demo: $(BIN)/.installed
	$(BIN)/datawash --data-dir $(DATA_DIR) demo

# The web application on the demo's data (after make demo; its passwords are printed there).
serve: $(BIN)/.installed
	$(BIN)/datawash --data-dir $(DATA_DIR) serve

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
	$(BIN)/python bench/learning_bench.py
	$(BIN)/python bench/sample_sizes.py

docs: $(BIN)/.installed
	COLUMNS=100 $(BIN)/python -m datawash.cli.reference > docs/cli.md
	$(BIN)/python -m datawash.cli.architecture > docs/architecture.md

clean:
	rm -rf $(VENV) $(DATA_DIR) .pytest_cache .mypy_cache .ruff_cache

# GOV.UK Frontend 6.3.0 (the version govuk-frontend-jinja 4.1.0 matches), compiled with
# Arial and no GOV.UK font, crown or images; the built files are committed.
assets:
	rm -rf build/assets && mkdir -p build/assets
	cd build/assets && npm install --no-audit --no-fund govuk-frontend@6.3.0 sass@1.108.2 >/dev/null
	cp src/datawash/web/assets.scss build/assets/app.scss
	cd build/assets && npx sass --pkg-importer=node --style=compressed --no-source-map \
		--quiet-deps app.scss ../../src/datawash/web/static/govuk/datawash.css
	cp build/assets/node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js \
		src/datawash/web/static/govuk/
