# `make demo` and `make test` work on a fresh machine with Python 3.11 and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUNTIME_STAMP := $(VENV)/.runtime
EXTRAS ?= test,pdf,postgres,web,docs

.PHONY: demo test lint docs bench clean wheel-test demo-test i18n bpmnjs mutants

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The demo needs only the runtime dependencies; the tests add the test tools and the optional extras.
$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME_STAMP)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $(STAMP) $(RUNTIME_STAMP)

demo: $(RUNTIME_STAMP)
	$(BIN)/sop demo

lint: $(STAMP)
	$(BIN)/ruff check engine runner web tests bench docs
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint docs wheel-test demo-test bpmnjs
	$(BIN)/sop lint definitions/
	$(BIN)/python -m pytest -q

# The manual (docs/, Markdown pages and the CLI reference generated from the click commands) as HTML in build/docs.
# Warnings are errors and references are checked (-n); the reference is built in English.
docs: $(STAMP)
	SOP_LANG=en $(BIN)/sphinx-build -W --keep-going -n -q -b html docs build/docs

# bpmn-js for tests/test_bpmnjs_compare.py, axe-core for tests/test_web_axe.py and Camunda's element template
# schemas for tests/test_modeler_properties.py (skipped, saying why, without Node,
# npm or Chromium; under CI=true they fail instead).
bpmnjs:
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tools/bpmnjs --no-audit --no-fund --silent || \
		echo "bpmn-js not installed: the bpmn-js comparison will be skipped"; \
		npm ci --prefix tools/axe --no-audit --no-fund --silent || \
		echo "axe-core not installed: the accessibility tests will be skipped"; \
		npm ci --prefix tools/element-templates --no-audit --no-fund --silent || \
		echo "element template schemas not installed: their check will be skipped"; \
	else echo "npm missing: the bpmn-js comparison and the accessibility tests will be skipped"; fi

# The package as a user installs it: a wheel in a fresh venv, run from a folder outside the source tree.
WHEEL_DIR := build/wheel
WHEEL_VENV := build/wheel-venv
wheel-test: $(STAMP)
	rm -rf $(WHEEL_DIR) $(WHEEL_VENV)
	$(BIN)/python -m pip wheel --quiet --no-deps -w $(WHEEL_DIR) .
	$(PYTHON) -m venv $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/python -m pip install --quiet $(WHEEL_DIR)/sop-*.whl
	REPO=$(CURDIR) SOP=$(CURDIR)/$(WHEEL_VENV)/bin/sop sh tests/wheel_smoke.sh

# `make demo` on a fresh venv: it installs the runtime only (no test tool, no extra) and runs without a warning.
DEMO_VENV := build/demo-venv
demo-test: $(STAMP)
	rm -rf $(DEMO_VENV)
	$(MAKE) --no-print-directory demo VENV=$(DEMO_VENV) > build/demo-test.log 2>&1 || { cat build/demo-test.log; exit 1; }
	$(BIN)/python tests/demo_install_check.py $(DEMO_VENV) build/demo-test.log

bench: $(STAMP)
	$(BIN)/python bench/run.py

# Mutation testing of the modules where a silent bug costs trust (slow: hours, not part of `make test`): mutmut
# (extra `mutants`) mutates each module in a copy under build/mutants and runs only that module's tests; survivors in
# build/mutants/survivors.txt, the kill rate per module in build/mutants/report.md. `make mutants MUTANTS=web-security`
# runs one module; `$(BIN)/python tools/mutants.py --list` lists them.
MUTANTS ?=
MUTANTS_STAMP := $(VENV)/.mutants
$(MUTANTS_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS),mutants]'
	touch $(MUTANTS_STAMP)

mutants: $(MUTANTS_STAMP)
	$(BIN)/python tools/mutants.py $(MUTANTS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache

# The message catalogs: extract every message into engine/locale/sop.pot, merge it into each language's .po (a
# translator then fills the new entries), compile the .mo files that ship in the package. tests/test_i18n.py
# fails while an entry lacks its translation or a .mo is older than its .po.
LOCALES := engine/locale
i18n: $(STAMP)
	PYTHONPATH=. $(BIN)/pybabel extract -F babel.cfg -o $(LOCALES)/sop.pot --no-location --sort-output \
		--omit-header .
	$(BIN)/pybabel update -i $(LOCALES)/sop.pot -d $(LOCALES) -D sop --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d $(LOCALES) -D sop --statistics
