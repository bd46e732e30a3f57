# Two commands on a fresh machine: `make demo` (the main job) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# the CPU wheel pip finds locally; a bare `torch` would download gigabytes of CUDA wheels
TORCH ?= torch==2.13.0

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH)"
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

# the paper's experimental section in miniature (studies/demo.toml: 72 trials on a reduced synthetic
# IEMOCAP) through the real machinery (local Ray, MLflow in runs/demo-TIME/mlflow.db), then its report
demo: $(VENV)/.installed
	$(BIN)/cmathlab demo

# lint and format check (ruff, pyproject.toml's [tool.ruff]) first: a red lint fails before the 10-minute suite
test: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q

.PHONY: install demo test
