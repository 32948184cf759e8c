# Two entry points (see README): `make report` and `make test`.
# Both create the virtual environment on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export MPLBACKEND := Agg
# one thread per BLAS/OpenMP/numba pool: reproducible timings, no oversubscription on small machines
THREADS := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMEXPR_NUM_THREADS=1 NUMBA_NUM_THREADS=1

.PHONY: report test venv benchmarks clean accessibility

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/altmeasures-eval report --config data/sample/evaluation.toml --out reports/sample --overwrite

# the suite on 2 worker processes (pytest-xdist; grouping and order in tests/conftest.py, see
# docs/testing.md); `make test TEST_WORKERS=0` runs it in one process
TEST_WORKERS ?= 2
test: $(STAMP)
	$(THREADS) $(BIN)/python -m pytest -n $(TEST_WORKERS)

benchmarks: $(STAMP)
	$(BIN)/python -m benchmarks

# on demand: axe-core (npm, into build/axe) in headless Chromium on the sample report (docs/accessibility.md)
accessibility: report
	npm install --silent --no-audit --no-fund --prefix build/axe axe-core@4
	$(BIN)/python tools/accessibility.py reports/sample/report.html --json build/accessibility.json

clean:
	rm -rf $(VENV) build *.egg-info
