# The two set-up commands in the README are `make run` and `make test`;
# both build the virtual environment from pyproject.toml on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
GOVCTL  = $(VENV)/bin/govctl
EXAMPLE ?= examples/ml-platform-aws

.PHONY: run test lint bench clean compile

$(VENV)/.installed: pyproject.toml providers/aws/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]' -e 'providers/aws[sandbox]'
	touch $@

# Bytecode, as a regular install has it (some environments disable writing it
# on import, which would make every run compile govctl afresh).
compile: $(VENV)/.installed
	$(PY) -m compileall -q govctl

# The main job: the example's whole loop against the local AWS sandbox (a
# moto server on 127.0.0.1, started and stopped here): plan, apply, drift
# made outside govctl, the plan that shows it, and the apply that restores it.
run: compile
	$(GOVCTL) validate $(EXAMPLE)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(GOVCTL) sandbox -- bash $(EXAMPLE)/walkthrough.sh

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

test: lint
	$(PY) -m pytest -n 2 tests

bench: compile
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) bench/out
