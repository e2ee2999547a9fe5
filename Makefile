# The two commands of the README: `make run` and `make test`. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test fuzz lint check lock audit bench

# Installed within the pinned versions of requirements.lock (`make lock` refreshes it).
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/clearance run

test: $(STAMP)
	$(BIN)/pytest

# The API against its OpenAPI contract under generated input: a fixed number of cases per
# operation and role (tests/test_openapi_fuzz.py), and a fixed time for the whole run.
FUZZ_SECONDS ?= 900
fuzz: $(STAMP)
	timeout $(FUZZ_SECONDS) $(BIN)/pytest -m fuzz

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy clearance workers tests loadtests
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m tests.sizes clearance workers

check: lint test

# The whole service under load on this machine, beside a bare FastAPI endpoint and a bare RQ
# job, for 1, 2 and 4 workers on an empty and on a million-row database, and the figures
# against the targets (loadtests/README.md, "The benchmark"); needs PostgreSQL on
# 127.0.0.1:5432 and wrk. 30,000 declarations: 60 s at the bar's 500 a second.
BENCH_ARGS ?= --workers 1,2,4 --prefill 0,1000000 -- --count 30000 --api-processes 2 --rss-jobs 10000
bench: $(STAMP)
	$(BIN)/python -m loadtests.bench_matrix --json bench.json $(BENCH_ARGS)

lock: $(STAMP)
	{ echo "# Every package the service and its tests install, pinned: \`make lock\` writes it from the"; \
	  echo "# venv, \`make\` installs with it as constraints. Python 3.11, Linux x86_64."; \
	  $(BIN)/pip freeze --exclude-editable; } > requirements.lock

# A report of known advisories for the pinned versions. It needs the registry's advisory data,
# which this workplace's mirror may not serve, so it never fails the build.
audit: $(STAMP)
	-timeout 300 $(BIN)/pip-audit --requirement requirements.lock --no-deps --disable-pip \
	  --progress-spinner off
