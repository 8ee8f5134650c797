# Two commands on a fresh machine with only Python 3.11+:
#   make demo   set up, load seeds/ into tracker.db, print the claims and the report
#   make test   set up with the test extras, lint, run the tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= tracker.db

.PHONY: demo test stress bench eval-extract lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[datasette,plot]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/tracker --db $(DB) import seeds/
	$(BIN)/tracker --db $(DB) list
	$(BIN)/tracker --db $(DB) report
	@echo
	@echo "Browse it in Datasette:  $(BIN)/tracker --db $(DB) serve   then open http://127.0.0.1:8001/"

test: $(VENV)/.installed-test
	bash .ci/start-postgres
	bash .ci/install-chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n auto

# Full-size reliability scenarios (8 writers x 250, 2 report loops; 20 SIGKILLs of a large import;
# on PostgreSQL, 20 SIGKILLs of a 50,000-claim import and 20 of a 20,000-claim copy).
stress: $(VENV)/.installed-test
	$(BIN)/python tests/stress.py --full

# Speed, side by side with sqlite-utils and raw sqlite3 (BENCH_SIZE claims, default 1,000,000).
BENCH_SIZE ?= 1000000
bench: $(VENV)/.installed-test
	$(BIN)/python tests/bench.py --claims $(BENCH_SIZE)

# How well `tracker extract` finds the forecasts of the annotated articles (tests/extract).
eval-extract: $(VENV)/.installed-test
	$(BIN)/python -m tracker.extraction.evaluate

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache build dist *.egg-info
