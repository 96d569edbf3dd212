# Two commands on a fresh Debian machine with Python 3.11:
#   make demo   set everything up and build the sample packet (out/450200/)
#   make test   set everything up and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test setup system-deps lint bench clean

demo: setup
	$(BIN)/docgen validate samples/450200/city.json
	$(BIN)/docgen build samples/450200/city.json -o out/450200

test: setup
	$(BIN)/ruff check docgen tests bench samples
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

bench: setup
	$(BIN)/python bench/bench_validate.py

clean:
	rm -rf out build dist *.egg-info .pytest_cache .ruff_cache
