# Tend: `make run` serves on http://127.0.0.1:8000, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-py test-js lint bench demo migrate clean screenshots

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Tend needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m backend migrate
	$(BIN)/python -m backend vapid
	$(BIN)/python -m backend serve

migrate: $(STAMP)
	$(BIN)/python -m backend migrate

demo: $(STAMP)
	$(BIN)/python -m backend demo

test: test-js test-py

test-py: $(STAMP)
	$(BIN)/pytest

test-js:
	@if command -v node >/dev/null 2>&1; then node --test tests/js/; \
	elif [ "$$CI" = "true" ]; then echo "node is required in CI" >&2; exit 1; \
	else echo "node not found: skipping the JavaScript unit tests"; fi

screenshots: $(STAMP)
	TEND_TEST_SCREENSHOTS=docs/screenshots $(BIN)/pytest tests/browser/test_screenshots.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy backend

bench: $(STAMP)
	$(BIN)/python -m tests.bench.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
