# Every target builds its own virtual environment first, so a fresh machine needs only Python 3.12 and make.
SHELL := /bin/bash
PYTHON312 ?= $(shell for p in python3.12 /root/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3.12 /usr/local/bin/python3.12; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1 && { echo "$$p"; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ARGS ?=

.PHONY: venv demo test test-fast lint format bench test-saleor docs clean browser

$(STAMP): setup.cfg pyproject.toml
	@test -n "$(PYTHON312)" || { echo "Python 3.12 not found: install it or pass PYTHON312=/path/to/python3.12"; exit 1; }
	@test -x $(PY) || $(PYTHON312) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,sandbox]'
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) -m saleor_aftersales_plugin demo $(ARGS)

# The real-browser test needs Debian's chromium and a CJK font (for readable Chinese screenshots).
browser:
	@test -x /usr/bin/chromium && fc-list :lang=zh 2>/dev/null | grep -q . || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk; }

test: $(STAMP) browser
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest $(ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(STAMP)
	$(PY) bench/rules.py
	$(PY) bench/api.py
	$(PY) bench/sla.py

docs: $(STAMP)
	$(PY) -m saleor_aftersales_plugin docs > docs/policy.md

clean:
	rm -rf $(VENV) .pgdata build *.egg-info
