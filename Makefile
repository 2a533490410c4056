# The two commands of README.md, and what they need. Everything installs itself on a fresh machine.
#   make run     set up, then run the default period end to end
#   make test    set up, then run the tests (pytest, with nbval over the notebooks)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PERIOD ?= 2015-08_2016-04

.PHONY: setup run test codebook clean-processed

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	touch $@

run: setup
	$(BIN)/hrd-bulletin run $(PERIOD)

test: setup
	$(BIN)/python -m pytest --nbval-lax tests notebooks

codebook: setup
	$(BIN)/hrd-bulletin codebook

clean-processed:
	rm -rf data/processed/*/ data/processed/.staging data/processed/.failed data/processed/.previous
