# The front door. Every target sets up what it needs (idempotently), then runs.
#   make synth         cdk synth of the example app (no AWS account, no Docker)
#   make test          the whole test suite (unit, handlers, end-to-end against MiniStack)
#   make test-fast     the tests that need no jsii (no aws-cdk-lib in Node): pure Python, a few seconds
#   make test-lowest   the unit tests against the lowest dependency versions pyproject.toml declares
#   make deploy-local  deploy the example app to a local MiniStack, fire every trigger, tear down
#   make bench         benchmarks, results in bench/RESULTS.md
#   make dist          the wheel and sdist in dist/ (uv build), checked with twine: what a project installs

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .stamps
# Node 24 from npm first on PATH: jsii and the CDK CLI use it (Node 20 is end-of-life, and slower here).
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := true
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1

.PHONY: setup synth test test-fast test-lowest lint deploy-local bench dist clean docs

MINISTACK_VERSION := 1.5.33

CHECKOV_VERSION := 3.3.30

TWINE_VERSION := 7.0.0

setup: $(STAMPS)/venv $(STAMPS)/npm $(STAMPS)/ministack $(STAMPS)/checkov $(STAMPS)/docs

$(STAMPS)/venv: pyproject.toml requirements-dev.txt
	@mkdir -p $(STAMPS)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -e .
	@touch $@

$(STAMPS)/npm: package.json package-lock.json
	@mkdir -p $(STAMPS)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# MiniStack (local AWS) in its own venv: it pins botocore and runs the Lambda handlers on its interpreter.
$(STAMPS)/ministack: Makefile
	@mkdir -p $(STAMPS)
	@test -x .venv-ministack/bin/python || $(PYTHON) -m venv .venv-ministack
	.venv-ministack/bin/python -m pip install --quiet --disable-pip-version-check ministack==$(MINISTACK_VERSION) boto3
	@touch $@

# checkov (what teams run in their pipelines) in its own venv: its pins clash with the project's.
$(STAMPS)/checkov: Makefile $(STAMPS)/venv
	@mkdir -p $(STAMPS)
	@test -x .venv-checkov/bin/python || $(PYTHON) -m venv .venv-checkov
	$(VENV)/bin/uv pip install --quiet --python .venv-checkov/bin/python checkov==$(CHECKOV_VERSION)
	@touch $@

# The documentation site's tools (mkdocs-material, mkdocstrings) in their own venv: they need none of the project's.
$(STAMPS)/docs: docs/requirements.txt $(STAMPS)/venv
	@mkdir -p $(STAMPS)
	@test -x .venv-docs/bin/python || $(PYTHON) -m venv .venv-docs
	$(VENV)/bin/uv pip install --quiet --python .venv-docs/bin/python -r docs/requirements.txt
	@touch $@

synth: setup
	cdk synth --no-notices --quiet
	@echo "Synthesized: cdk.out/ ($$(ls cdk.out/*.template.json | wc -l) stacks)"

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

# Tests that import a jsii package (or call one) are skipped here, by themselves (tests/conftest.py).
test-fast: $(STAMPS)/venv
	CONSTRUCTS_LIB_FAST=1 $(PY) -m pytest --ignore=tests/e2e --snapshot-warn-unused -q $(PYTEST_ARGS)

# The unit tests against the lowest versions pyproject.toml declares (the library's own dependencies and the
# testing extra), so a lower bound that no longer works fails CI instead of a user's install.
LOWEST_TEST_TOOLS = $$(grep -iE '^(pytest|hypothesis|pydantic|boto3)==' requirements-dev.txt)
test-lowest: $(STAMPS)/venv $(STAMPS)/npm $(STAMPS)/checkov $(STAMPS)/docs
	@test -x .venv-lowest/bin/python || $(PYTHON) -m venv .venv-lowest
	$(VENV)/bin/uv pip install --quiet --python .venv-lowest/bin/python --resolution lowest-direct \
		-e ".[testing]" $(LOWEST_TEST_TOOLS)
	.venv-lowest/bin/python -m pip list 2>/dev/null | grep -iE '^(aws-cdk-lib|constructs|uv|cdk-nag|cfn-lint|syrupy) '
	SNAPSHOTS=off .venv-lowest/bin/python -m pytest --ignore=tests/e2e --snapshot-warn-unused $(PYTEST_ARGS)

lint: setup
	$(PY) -m ruff check .
	node_modules/.bin/pyright

deploy-local: setup
	$(PY) -m example.local_deploy

bench: setup
	$(PY) bench/run.py

# The documentation site, from docs/ and the docstrings, into site/ (warnings are errors).
docs: $(STAMPS)/docs
	NO_MKDOCS_2_WARNING=1 .venv-docs/bin/mkdocs build --strict --quiet
	@echo "Built: site/index.html"

# What `pip install` gets until the package is on PyPI (and what the release workflow publishes).
dist: $(STAMPS)/venv
	rm -rf dist
	$(VENV)/bin/uv build --out-dir dist --quiet
	$(VENV)/bin/uvx --quiet --from twine==$(TWINE_VERSION) twine check --strict dist/*
	@ls dist

clean:
	rm -rf cdk.out $(STAMPS) $(VENV) .venv-ministack .venv-checkov .venv-lowest .venv-docs node_modules site artifacts
