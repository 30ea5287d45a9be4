# Two entry points for a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
NEWSBOT := $(BIN)/newsbot

.PHONY: run test lint bench-slice clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch is pinned in pyproject.toml (a CPU wheel of that version is on disk); pip, not uv/poetry.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	$(NEWSBOT) ingest examples/articles
	$(NEWSBOT) ask "Who proposed the US-Japan fund?" --as-of 2025-05-26
	$(NEWSBOT) ask "What is Bitcoin trading at right now?"
	$(NEWSBOT) start

test: $(VENV)/.installed
	$(BIN)/python -m pytest -q

# The real-news regression check: a 300-article slice of ../shared/data/realtimeqa with thresholds.
bench-slice: $(VENV)/.installed
	$(BIN)/python benchmarks/realtimeqa_bench.py --slice 300 --skip-baseline --check --data-dir $(or $(BENCH_DIR),.bench/slice300)

lint: $(VENV)/.installed
	$(BIN)/ruff format --check bot ingest prompts tests benchmarks
	$(BIN)/ruff check bot ingest prompts tests benchmarks
	$(BIN)/mypy bot ingest

clean:
	rm -rf $(VENV) data .pytest_cache
