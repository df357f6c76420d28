# Every target builds its own virtual environment first, so a fresh machine needs only Python 3.12 and make.
SHELL := /bin/bash
PYTHON312 ?= $(shell for p in python3.12 /root/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3.12 /usr/local/bin/python3.12; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1 && { echo "$$p"; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ARGS ?=

.PHONY: venv demo test test-slow test-fast lint format bench test-saleor docs clean browser dashboard test-dashboard

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
	$(VENV)/bin/lint-imports
	$(PY) -m pytest $(ARGS)

# The long tier (-m slow): property runs with many more examples and fresh random sequences each time.
test-slow: $(STAMP)
	$(PY) -m pytest -m slow $(ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) bench/rules.py
	$(PY) bench/api.py
	$(PY) bench/sla.py
	$(PY) bench/simulation.py

# Saleor tier: runs tests/saleor inside an existing Saleor environment (never in CI).
#   SALEOR_SRC     Saleor source tree (its root conftest's fixtures are imported from there)
#   SALEOR_PYTHON  Python of Saleor's virtualenv
#   SALEOR_ENV     optional shell file exporting DATABASE_URL etc. for that Saleor
#   SALEOR_PYTEST_ARGS  defaults to --reuse-db; pass --create-db once after this plugin's migrations change
SALEOR_SRC ?= $(abspath ../saleor-src)
SALEOR_PYTHON ?= $(SALEOR_SRC)/.venv/bin/python
SALEOR_ENV ?= $(wildcard $(SALEOR_SRC)/../saleor-env.sh)
SALEOR_PYTEST_ARGS ?= --reuse-db
SALEOR_PIP_INSTALL ?= $(shell if $(SALEOR_PYTHON) -m pip --version >/dev/null 2>&1; then echo "$(SALEOR_PYTHON) -m pip install"; \
	else for u in uv $(dir $(SALEOR_PYTHON))uv /work/.uvtool/bin/uv $(HOME)/.local/bin/uv; do \
	command -v "$$u" >/dev/null 2>&1 && { echo "$$u pip install --python $(SALEOR_PYTHON)"; break; }; done; fi)

test-saleor:
	@test -f "$(SALEOR_SRC)/saleor/settings.py" || { echo "SALEOR_SRC=$(SALEOR_SRC) is not a Saleor source tree"; exit 1; }
	@test -x "$(SALEOR_PYTHON)" || { echo "SALEOR_PYTHON=$(SALEOR_PYTHON) not found"; exit 1; }
	@test -n "$(SALEOR_PIP_INSTALL)" || { echo "Neither pip nor uv is available for $(SALEOR_PYTHON)"; exit 1; }
	$(SALEOR_PIP_INSTALL) --quiet --no-deps -e .
	@missing=$$($(SALEOR_PYTHON) -c 'import importlib.util as u; m={"business_rules":"business-rules>=1.1.1,<2","holidays":"holidays>=0.60","babel":"babel>=2.14","yaml":"PyYAML>=6.0","jinja2":"jinja2>=3.1,<4","six":"six>=1.16","re2":"google-re2>=1.1","hypothesis":"hypothesis>=6.100","pydantic":"pydantic>=2.7,<3"}; print(" ".join(repr(r) for n, r in m.items() if u.find_spec(n) is None))'); \
	if [ -n "$$missing" ]; then echo "installing into Saleor's env: $$missing"; eval $(SALEOR_PIP_INSTALL) --quiet --no-deps $$missing; fi
	$(if $(SALEOR_ENV),. $(SALEOR_ENV) && ,)PYTHONPATH=$(SALEOR_SRC) $(SALEOR_PYTHON) -m pytest -c tests/saleor/pytest.ini \
		--rootdir=$(CURDIR) tests/saleor -n 0 --ds=saleor.tests.settings $(SALEOR_PYTEST_ARGS) $(ARGS)

# The Dashboard app: sources in dashboard/, built into the package (committed, shipped in wheel and sdist).
dashboard:
	cd dashboard && npm ci --no-audit --no-fund && npx vite build

# Vitest: the policy editor's visual <-> document round trip (offline after npm ci).
test-dashboard:
	cd dashboard && { test -d node_modules || npm ci --no-audit --no-fund; } && npx vitest run

docs: $(STAMP)
	$(PY) -m saleor_aftersales_plugin docs > docs/policy.md
	$(PY) -m saleor_aftersales_plugin docs --json-schema > docs/policy.schema.json
	cp docs/policy.schema.json saleor_aftersales_plugin/rules/policy.schema.json

clean:
	rm -rf $(VENV) .pgdata build *.egg-info
