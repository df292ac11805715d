# `make demo` and `make test` work on a fresh machine with Python 3.11 and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXTRAS ?= test,pdf,postgres

.PHONY: demo test lint bench clean wheel-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]' --config-settings editable_mode=compat
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/sop demo

lint: $(STAMP)
	$(BIN)/ruff check engine runner tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint wheel-test
	$(BIN)/sop lint definitions/
	$(BIN)/python -m pytest -q

# The package as a user installs it: a wheel in a fresh venv, run from a folder outside the source tree.
WHEEL_DIR := build/wheel
WHEEL_VENV := build/wheel-venv
wheel-test: $(STAMP)
	rm -rf $(WHEEL_DIR) $(WHEEL_VENV)
	$(BIN)/python -m pip wheel --quiet --no-deps -w $(WHEEL_DIR) .
	$(PYTHON) -m venv $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/python -m pip install --quiet $(WHEEL_DIR)/sop-*.whl
	REPO=$(CURDIR) SOP=$(CURDIR)/$(WHEEL_VENV)/bin/sop sh tests/wheel_smoke.sh

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
