# The README's two commands: `make demo` and `make test`. Each installs everything it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test install system-packages lint bench bench-web docs clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "tikscope needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,spark]'
	touch $(STAMP)

install: $(STAMP)

# Debian's chromium (browser tests), wrk (web benchmark), a Java runtime (Spark tests), and the
# PDF's Pango, fonts and poppler-utils (media kit), via
# apt-get when missing (the demo asks for the PDF part only).
system-packages:
	sh scripts/install-system-packages.sh

# The demo asks only for what PDFs need (Pango, fonts); without root it goes on with a warning.
demo: $(STAMP)
	-@sh scripts/install-system-packages.sh pdf
	$(BIN)/tikscope demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

test: lint system-packages
	$(BIN)/pytest

docs: $(STAMP)
	$(BIN)/python -m tikscope.metrics.docs > docs/metrics.md

bench: $(STAMP)
	$(BIN)/python benchmarks/simulate_scale.py

bench-web: $(STAMP) system-packages
	$(BIN)/python benchmarks/web_overview.py

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache
