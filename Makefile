# Qhawaq: `make run` serves the site with demo data, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask
export FLASK_APP := wsgi.py

.PHONY: run test lint format translate translations install clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

translations: install
	$(FLASK) translate compile

run: install translations
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port 5000

# Every core: each test file, and the browser tests together, run in one worker (tests/conftest.py);
# PYTEST_ARGS=-n0 for one process.
PYTEST_ARGS ?= -n auto --dist loadfile

test: install translations
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Extract new UI strings and merge them into every catalogue (then translate the empty ones).
translate: install
	$(FLASK) translate update

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
