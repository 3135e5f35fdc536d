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
# Port of `make serve`.
PORT ?= 8000

.PHONY: help venv chapters html book test bench vendor clean serve

help:
	@echo "make book    - create .venv, run every chapter (papermill), build the HTML book"
	@echo "make test    - create .venv, build the book, run all tests (unit, notebooks, browser)"
	@echo "make chapters CHAPTER=name ARGS='-p gamma 0.5'  - re-run chapter(s) with parameters"
	@echo "make html    - rebuild the HTML from the executed chapters only"
	@echo "make serve   - serve the built book at http://localhost:PORT/ (default 8000; builds it if needed)"
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

# The chapters' own wall times are printed by mslab-run; this line adds the HTML and the total.
book: $(STAMP)
	@t0=$$(date +%s.%N); $(MAKE) --no-print-directory chapters && t1=$$(date +%s.%N) && \
	$(MAKE) --no-print-directory html && t2=$$(date +%s.%N) && \
	echo "$$t0 $$t1 $$t2 $$(env -u OMP_NUM_THREADS nproc) $$(cut -d' ' -f1-3 /proc/loadavg)" | awk '{printf \
	"make book: chapters %.1f s + HTML %.1f s = %.1f s wall on %d core(s), load average %s %s %s\n", \
	$$2 - $$1, $$3 - $$2, $$3 - $$1, $$4, $$5, $$6, $$7}'

serve:
	@test -f book/_build/html/index.html || $(MAKE) --no-print-directory book
	@echo "Serving book/_build/html at http://localhost:$(PORT)/ (Ctrl-C stops)"
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory book/_build/html

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
