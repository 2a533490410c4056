# The two commands of README.md, and what they need. Everything installs itself on a fresh machine.
#   make run        set up, then run the default period end to end
#   make test       set up, then the linter (ruff) and every test (pytest, with nbval over the notebooks)
#   make test-fast  the unit tests only (no full run, no kernels, no Quarto): the edit loop, about 3.5 minutes
#   make lab        set up, then JupyterLab on the notebooks, with the project's kernel
#   make bench      set up, then run the benchmark (benchmarks/run_benchmark.py; prints a table)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PERIOD ?= 2015-08_2016-04

QUARTO_KIT ?= ../shared/quarto-kit

.PHONY: setup system quarto kernel run test test-fast lint lab bench codebook clean-processed

setup: system quarto $(VENV)/.installed kernel

# Debian's Chromium: kaleido renders the static maps with it, the browser tests drive it.
system:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  echo "Installing Chromium and fonts with apt-get (kaleido and the browser tests need them)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	fi

# Quarto: one on PATH (or QUARTO_PATH) if there is one; else build it offline from the quarto-kit
# beside the project (machines that reach only the package registries); see README.md.
quarto:
	@if command -v quarto >/dev/null 2>&1 || [ -n "$$QUARTO_PATH" ] || [ -x .tools/quarto/bin/quarto ]; then :; \
	elif [ -f "$(QUARTO_KIT)/build.sh" ]; then \
	  echo "Building Quarto offline from $(QUARTO_KIT) into .tools/quarto (about 15 s)"; \
	  mkdir -p .tools; \
	  JUPYTER_PKGS="" PREFIX="$(CURDIR)/.tools/quarto" bash "$(QUARTO_KIT)/build.sh" > .tools/quarto-build.log 2>&1 \
	    || { tail -30 .tools/quarto-build.log; exit 1; }; \
	else \
	  echo "Quarto is needed for the bulletin: install it (quarto.org, pip install quarto-cli, conda-forge quarto)"; \
	  echo "or put the offline quarto-kit at $(QUARTO_KIT) (make QUARTO_KIT=/path/to/quarto-kit)"; exit 1; \
	fi

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	touch $@

# A named Jupyter kernel for the project, in the virtual environment (JupyterLab lists it as
# "HRD bulletin (kz-hrd-bulletin)"); the notebooks run on it.
kernel: $(VENV)/share/jupyter/kernels/kz-hrd-bulletin/kernel.json

$(VENV)/share/jupyter/kernels/kz-hrd-bulletin/kernel.json: $(VENV)/.installed
	$(BIN)/python -m ipykernel install --sys-prefix --name kz-hrd-bulletin --display-name "HRD bulletin (kz-hrd-bulletin)" >/dev/null

run: setup
	$(BIN)/hrd-bulletin run $(PERIOD)

lint: $(VENV)/.installed
	$(BIN)/ruff check pipeline tests benchmarks scripts

test: setup lint
	$(BIN)/python -m pytest --nbval-lax tests notebooks

test-fast: $(VENV)/.installed kernel
	$(BIN)/python -m pytest -q -m "not e2e" tests

# JupyterLab refuses to start as root without --allow-root (containers, CI machines)
lab: setup
	$(BIN)/jupyter lab notebooks/ $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

bench: setup
	$(BIN)/python benchmarks/run_benchmark.py $(BENCH_ARGS)

codebook: setup
	$(BIN)/hrd-bulletin codebook

clean-processed:
	rm -rf data/processed/*/ data/processed/.staging data/processed/.failed data/processed/.previous
