# Two commands for a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test install install-test browser lint bench clean

# Runtime dependencies only, from the hashed lock (requirements/runtime.txt).
install:
	scripts/install runtime

# Runtime plus the test tools, from their own lock (requirements/test.txt).
install-test:
	scripts/install test

# Writes a development .env once (generated keys, DEBUG=true); settings load it.
.env:
	scripts/dev-env > .env

# One Django boot: `up` migrates, applies the periodic schedules and seeds the demo team while the web
# boots beside it, then serves (the same steps as `manage.py migrate`, `q_schedules`, `demo`, `serve`).
# Pinboard's own bytecode is compiled ahead too (quick when nothing changed): where PYTHONDONTWRITEBYTECODE
# is set, each of the four processes would otherwise compile its sources again on every start.
run: install .env
	mkdir -p var
	$(PY) -m compileall -q pinboard_site publishing pinterest_sandbox
	$(PY) manage.py up

browser:
	bash scripts/ensure-chromium

# The suite on TEST_WORKERS processes at once (pytest-xdist): about one core's worth of it waits on
# servers, clusters and the browser. What each worker owns (its databases, its files): tests/parallel.py.
TEST_WORKERS ?= 2
test: install-test browser
	$(VENV)/bin/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# The import contracts `make lint` holds (pyproject.toml [tool.importlinter]).
LINT_IMPORT_CONTRACTS := sandbox-standalone pinterest-client-below-services services-acyclic models-acyclic

# Ruff, mypy (its scope and strictness are in pyproject.toml [tool.mypy]) and the import contracts.
lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache --no-logo $(addprefix --contract ,$(LINT_IMPORT_CONTRACTS))

bench: install-test
	bash bench/run

clean:
	rm -rf $(VENV) var staticfiles test-artifacts
