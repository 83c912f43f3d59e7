# The two commands of the README's quick start: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install bench bench-change clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The examples have findings on purpose: exit 1 (findings) is expected, 2 (an error) is not.
demo: $(STAMP)
	$(BIN)/cim batch example-portfolios; test $$? -le 1
	$(BIN)/cim validate example-portfolios/ready-ada example-portfolios/collecting-ben; test $$? -le 1
	$(BIN)/cim status example-portfolios/collecting-ben
	$(BIN)/python examples/lifecycle/demo.py

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	$(BIN)/python benchmarks/run.py

# The cases of issue 11 only (--rev, --changed-since, default jobs, cohort export), on 500 portfolios: a few minutes.
bench-change: $(STAMP)
	$(BIN)/python benchmarks/run.py --only rev,changed,jobs,export --change-size 500 --runs 2

clean:
	rm -rf $(VENV) build dist *.egg-info
