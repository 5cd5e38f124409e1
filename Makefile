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

# Tests marked `serial` race real processes against each other, so they run alone first;
# then the rest on one worker per core (pytest-xdist): most of them wait on Chromium,
# servers or the database, so even the 2-core CI machine gets through them about twice
# as fast. `pytest some_file.py` still runs serially.
test-py: $(STAMP)
	$(BIN)/pytest -m serial
	$(BIN)/pytest -m "not serial" -n auto --dist loadgroup

test-js:
	@if command -v node >/dev/null 2>&1; then node --test tests/js/; \
	elif [ "$$CI" = "true" ]; then echo "node is required in CI" >&2; exit 1; \
	else echo "node not found: skipping the JavaScript unit tests"; fi

screenshots: $(STAMP)
	TEND_TEST_SCREENSHOTS=docs/screenshots $(BIN)/pytest tests/browser/test_screenshots.py tests/browser/test_share_summary.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy backend

bench: $(STAMP)
	$(BIN)/python -m tests.bench.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
