# Two entry points for a fresh machine: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEMO_DIR := runs/demo
SEED ?= 0

.PHONY: demo test test-all install

$(PY):
	$(PYTHON) -m venv $(VENV)

# The stamp is rebuilt whenever setup.py changes, so a pull that adds a dependency installs it.
$(VENV)/.installed-test: setup.py | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test,plots,faiss]"
	touch $@

install: $(VENV)/.installed-test

test: install
	$(PY) -m pytest -q -m "not slow or ci"

test-all: install
	$(PY) -m pytest -q

demo: install
	@echo "make demo: trains a light SAFA from scratch (992 steps) and evaluates it; about 6 minutes on a 2-core"
	@echo "CPU whose float32 GEMM runs at ~95 GFLOP/s, proportionally longer on slower ones (the bar shows the ETA)."
	rm -rf $(DEMO_DIR)
	$(PY) train.py --recipe=demo --seed=$(SEED) --output_dir=$(DEMO_DIR)
	$(PY) evaluate.py --run_dir=$(DEMO_DIR) --metrics_out=$(DEMO_DIR)/metrics.json --plots
