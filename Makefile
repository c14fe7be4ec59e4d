# Two set-up commands: `make report` and `make test`. Both bootstrap .venv from nothing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
INPUT ?= data-samples/memory.edn

.PHONY: install test test-fast report report-quick lint format clean

$(STAMP): pyproject.toml workbench/edn/_speedups.c workbench/codecs/_speedups.c
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,datalevin]'
	$(BIN)/python -m ipykernel install --prefix $(VENV) --name python3 >/dev/null
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/ruff check workbench tests
	$(BIN)/ruff format --check workbench tests
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m 'not datalevin and not slow'

report: $(STAMP)
	$(BIN)/workbench report $(INPUT) --out reports/

report-quick: $(STAMP)
	$(BIN)/workbench report $(INPUT) --out reports/ --quick

lint: $(STAMP)
	$(BIN)/ruff check workbench tests
	$(BIN)/ruff format --check workbench tests

format: $(STAMP)
	$(BIN)/ruff format workbench tests
	$(BIN)/ruff check --fix workbench tests

clean:
	rm -rf $(VENV) build *.egg-info
