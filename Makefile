# Microstructure Lab: `make book` builds the HTML book, `make test` runs every test.
# Both create/update the virtual environment .venv first (Python >= 3.11 with pip and venv).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Compiled numba kernels are cached here, so rebuilding the book does not recompile.
export NUMBA_CACHE_DIR := $(CURDIR)/build/numba-cache
export PYDEVD_DISABLE_FILE_VALIDATION := 1
# Chapters and tests already run in parallel; multi-threaded BLAS on top of that makes small
# statsmodels fits (e.g. Engle–Granger lag selection) an order of magnitude slower.
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1

# Chapter(s) and parameters for `make chapters`, e.g.
#   make chapters CHAPTER=inventory_risk ARGS="-p gamma 0.5"
CHAPTER ?=
ARGS ?=

.PHONY: help venv chapters html book test bench vendor clean

help:
	@echo "make book    - create .venv, run every chapter (papermill), build the HTML book"
	@echo "make test    - create .venv, build the book, run all tests (unit, notebooks, browser)"
	@echo "make chapters CHAPTER=name ARGS='-p gamma 0.5'  - re-run chapter(s) with parameters"
	@echo "make html    - rebuild the HTML from the executed chapters only"
	@echo "make bench   - run the benchmarks"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 is required, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)

chapters: $(STAMP)
	$(BIN)/mslab-run $(CHAPTER) $(ARGS)

html: $(STAMP)
	$(BIN)/jupyter-book build book --warningiserror --nitpick --keep-going
	@echo "Open book/_build/html/index.html in a browser (works offline)."

book: chapters html

# The Examples sections of the library's docstrings (shown in the reference) run as doctests.
test: book
	$(BIN)/python -m pytest --nbval tests chapters
	$(BIN)/python -m pytest --doctest-modules lib/mslab -o doctest_optionflags="NORMALIZE_WHITESPACE NUMBER"

bench: $(STAMP)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

vendor: $(STAMP)
	$(BIN)/python tools/vendor_js.py

clean:
	rm -rf book/_build book/*.ipynb book/_failed build
