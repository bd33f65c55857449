# Everything a newcomer needs: `make demo` and `make test` build .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q

.PHONY: demo test test-nojit fuzz bench figures docs lint typecheck clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip setuptools wheel

# One stamp per set of extras, so each target installs only what it needs, once.
# The suite runs the examples in a smoke mode and builds the API pages, so testing needs
# the examples' and the docs' extras too.
$(VENV)/.stamp-%: setup.cfg pyproject.toml | $(PY)
	$(PIP) install -e ".[$(subst +,$(comma),$*)]"
	touch $@

comma := ,

demo: $(VENV)/.stamp-examples
	$(PY) examples/dcgan_digits.py

test: $(VENV)/.stamp-test+examples+docs
	$(PY) -m pytest

test-nojit: $(VENV)/.stamp-test+examples+docs
	NUMBA_DISABLE_JIT=1 $(PY) -m pytest

# The convolutions against PyTorch, call by drawn call (tests/reliability/conv_fuzz.py).
FUZZ_CALLS ?= 3000

fuzz: $(VENV)/.stamp-test+examples
	$(PY) -m tests.reliability.conv_fuzz $(FUZZ_CALLS)

# minigrad against torch, 1 and 2 threads (docs/performance.md says how to read it).
# Options: make bench BENCH_ARGS="--quick" (a smoke check), "--suite small,zoo --threads 1",
# "--markdown docs/generated/performance.md" (the docs' tables); see benchmarks/run.py -h.
bench: $(VENV)/.stamp-test+examples
	$(PY) benchmarks/run.py $(BENCH_ARGS)

# Every published figure and picture (docs/generated/, docs/examples/img/, the README's
# table) from the examples at this commit, PyTorch twins included (they need torch);
# about half an hour. Parts: make figures FIGURES_ARGS="--only vae_digits --skip-twins".
figures: $(VENV)/.stamp-test+examples
	$(PY) scripts/figures.py $(FIGURES_ARGS)

docs: $(VENV)/.stamp-docs
	$(PY) -m mkdocs build --strict --site-dir site

lint: $(VENV)/.stamp-lint
	$(VENV)/bin/ruff check minigrad tests examples benchmarks scripts
	$(VENV)/bin/ruff format --check minigrad tests examples benchmarks scripts
	$(VENV)/bin/mypy

typecheck: $(VENV)/.stamp-lint
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) site build dist out *.egg-info .pytest_cache .hypothesis .mypy_cache .ruff_cache
	find . -name __pycache__ -prune -exec rm -rf {} +
