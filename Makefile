# `make run` starts the gateway locally (moto server + chalice local); `make test` runs the
# checks and the tests. Both install what they need into $(VENV) first.

VENV ?= .venv
PYTHON_BOOTSTRAP ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
STAGE ?= dev

.PHONY: run test lint install clean package deploy destroy

install: $(VENV)/.installed

# One resolve upgrades pip as far as chalice allows (it pins pip for packaging). Then the
# `aig` command line (aig_cli/, pyproject.toml) as an editable console script, $(VENV)/bin/aig.
$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	@test -n "$(PYTHON_BOOTSTRAP)" || { echo "python3.11 (or python3) not found" >&2; exit 1; }
	test -x $(PY) || $(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
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
	$(MAKE) --no-print-directory package STAGE=prod
	$(VENV)/bin/cfn-lint dist/prod/template.json

# The stage's whole stack and its code, offline: dist/$(STAGE)/template.json + deployment.zip.
package: $(VENV)/.installed
	$(PY) -m infra.package --stage $(STAGE) --out dist

# Package, upload and create or update the stack aig-$(STAGE) (AWS credentials from the
# environment; ALARM_TOPIC=<SNS topic ARN> to be notified by the alarms).
deploy: $(VENV)/.installed
	$(PY) -m infra.deploy --stage $(STAGE) $(if $(ALARM_TOPIC),--alarm-topic $(ALARM_TOPIC))

# Delete the stack aig-$(STAGE); its tables and bodies bucket are kept (README: Deploy).
destroy: $(VENV)/.installed
	$(PY) -m infra.deploy --stage $(STAGE) --delete

# Unit tests run on every core (pytest-xdist); the end-to-end and browser tests, which start
# whole stacks, run after them in one process.
test: lint
	$(PY) -m pytest -n auto $(PYTEST_ARGS) tests/unit tests/fakes
	$(PY) -m pytest $(PYTEST_ARGS) --ignore=tests/unit --ignore=tests/fakes

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .grimp_cache .mypy_cache dist *.egg-info build
	find . -path ./.git -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
