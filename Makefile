# Two commands do all the set-up on a fresh machine with Python 3.11 and make:
#   make demo   creates .venv, installs aidledger, runs `aidledger demo` on SQLite
#   make test   creates .venv, installs with the test extras, runs ruff, mypy and the whole suite
# PostgreSQL tests run too when AIDLEDGER_TEST_PG_URL is set (.ci/run sets it).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_OUT ?= demo-output
# What the tests need from the operating system, installed when missing: poppler reads the PDFs back, Debian's
# chromium runs the browser tests (Playwright drives it by executable_path), and a Chinese font: the PDF reports
# embed it (so the demo needs it too: os-fonts) and the browser draws the pages it screenshots with it.
OS_TOOLS := pdftotext:poppler-utils pdftoppm:poppler-utils chromium:chromium
OS_FILES := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc:fonts-wqy-microhei

.PHONY: demo test lint typecheck bench os-deps os-fonts clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed os-fonts
	$(BIN)/aidledger demo --out $(DEMO_OUT)

test: lint typecheck os-deps
	$(BIN)/python -m pytest -n auto --dist loadscope

# Style and import order (pyproject.toml [tool.ruff]); part of `make test`, so CI runs it.
lint: $(VENV)/.installed
	$(BIN)/ruff check aidledger tests bench

# mypy --strict on the modules listed in pyproject.toml [tool.mypy] (the pure rules, the ledger's core).
typecheck: $(VENV)/.installed
	$(BIN)/mypy

os-deps: os-fonts
	@for pair in $(OS_TOOLS); do \
	  tool=$${pair%%:*}; pkg=$${pair##*:}; \
	  if ! command -v $$tool >/dev/null 2>&1; then \
	    echo "installing $$pkg (for $$tool)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkg) >/dev/null; \
	  fi; \
	done

os-fonts:
	@for pair in $(OS_FILES); do \
	  file=$${pair%%:*}; pkg=$${pair##*:}; \
	  if [ ! -e $$file ]; then \
	    echo "installing $$pkg (for $$file)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkg) >/dev/null; \
	  fi; \
	done

bench: $(VENV)/.installed
	$(BIN)/python bench/ledger.py

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache test-screenshots
