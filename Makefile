# `make run` starts the gateway locally (moto server + chalice local); `make test` runs the
# checks and the tests. Both install what they need into $(VENV) first.

VENV ?= .venv
PYTHON_BOOTSTRAP ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: run test lint install clean

install: $(VENV)/.installed

# One resolve upgrades pip as far as chalice allows (it pins pip for packaging).
$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -n "$(PYTHON_BOOTSTRAP)" || { echo "python3.11 (or python3) not found" >&2; exit 1; }
	test -x $(PY) || $(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	$(PY) -m infra.local

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/cfn-lint infra/template.yaml
	$(VENV)/bin/cfn-lint infra/dataplane.yaml
	$(PY) -m infra.api_template | $(VENV)/bin/cfn-lint

test: lint
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .grimp_cache
	find . -path ./.git -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
