# Two commands on a fresh Debian machine with Python 3.11:
#   make demo   set everything up and build the sample packet (out/450200/)
#   make test   set everything up and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test setup system-deps lint bench bench-setup clean

demo: setup
	$(BIN)/docgen validate samples/450200/city.json
	$(BIN)/docgen build samples/450200/city.json -o out/450200

test: setup
	$(BIN)/ruff check docgen tests bench samples
	$(BIN)/mypy
	$(BIN)/python -m pytest

setup: system-deps $(STAMP)

system-deps:
	bash scripts/install-system-deps.sh

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

lint: setup
	$(BIN)/ruff check docgen tests bench samples
	$(BIN)/mypy

# Benchmarks (figures in docs/performance.md). bench-setup adds what only the benchmarks use:
# WeasyPrint (the [bench] extra) and the Pango libraries it loads. If that fails, bench still
# runs and says that the WeasyPrint comparison was skipped.
BENCH_STAMP := $(VENV)/.bench-installed

bench: setup
	-@$(MAKE) --no-print-directory bench-setup
	$(BIN)/python bench/run_all.py

bench-setup: setup $(BENCH_STAMP)

$(BENCH_STAMP): pyproject.toml
	@missing=""; for p in libpango-1.0-0 libpangoft2-1.0-0; do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  sudo=""; [ "$$(id -u)" -ne 0 ] && sudo="sudo"; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	touch $(BENCH_STAMP)

clean:
	rm -rf out build dist *.egg-info .pytest_cache .ruff_cache
