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

# the paper's experimental section (110 grid points, 1 seed, 2 epochs, 1/10 of each synthetic corpus)
# through the real machinery: a local Ray, Tune's grid search, MLflow in runs/demo-TIME/mlflow.db
demo: $(VENV)/.installed
	$(BIN)/cmathlab study run studies/paper.toml --quick --out runs/demo-$(shell date +%Y%m%d-%H%M%S)

test: $(VENV)/.installed
	$(BIN)/python -m pytest -q

.PHONY: install demo test
