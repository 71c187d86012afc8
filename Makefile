# Two entry points for newcomers: `make demo` and `make test`. Both install what they need.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q

.PHONY: install demo test lint bench-ingest clean

install: $(VENV)/.installed

# torch is installed first and pinned: 2.13.0 is the local CPU build (no CUDA download).
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install torch==2.13.0
	$(PIP) install -e '.[dev]'
	touch $@

demo: install
	$(VENV)/bin/voc demo

test: install
	$(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check voc tests bench scripts training eval
	$(VENV)/bin/ruff format --check voc tests bench

bench-ingest: install
	$(PY) bench/ingest.py

clean:
	rm -rf $(VENV) .voc .pytest_cache
