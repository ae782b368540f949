# The two commands of the README: `make run` and `make test`. Both start from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The versions tested together (a pip freeze; the image installs the same): a fresh clone gets what passed, not a
# release that came out since (polars 2.2 once failed a batch that 2.1 read). pyproject.toml keeps the ranges.
CONSTRAINTS := docker/constraints.txt
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(CONSTRAINTS) | $(PYTHON) -c "import hashlib,sys;print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest()[:12])")

export AIRFLOW_HOME := $(CURDIR)/airflow_home
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__UNIT_TEST_MODE := False
export GX_ANALYTICS_ENABLED := False
# Python caches the bytecode of what it imports, once (this machine's environment may say not to: then every
# process, each Airflow task among them, would compile airflow, polars and the pipeline again, ~10 s of CPU).
export PYTHONDONTWRITEBYTECODE :=

.PHONY: run test lint typecheck pytest bench clean install browser reliability

# The browser test drives Debian's Chromium (a pip-installed driver cannot download a browser here).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

install: $(STAMP)

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@$(PYTHON) -c "import sys; assert sys.version_info >= (3, 11), 'Python >= 3.11 required'"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# uv installs the ~900 MB of packages in ~20 s, downloading in parallel (pip takes ~2 min); pip is the fallback.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv \
	  && $(BIN)/uv pip install --quiet --python $(BIN)/python -c $(CONSTRAINTS) -e '.[test,celery]' \
	  || $(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile -c $(CONSTRAINTS) -e '.[test,celery]'
	@# No bytecode is compiled here: of the ~16,000 modules installed, a run imports ~3,000, each compiled on
	@# its first import and cached (compiling them all took 32 s of a fresh clone's make test).
	rm -f $(VENV)/.installed-*
	touch $@

run: $(STAMP)
	$(BIN)/cix run --offline

lint: $(STAMP)
	$(BIN)/ruff check pipeline dags tests bench
	$(BIN)/ruff format --check pipeline dags tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy pipeline dags

browser:
	@test -x $(CHROMIUM) || { echo "installing Debian's chromium for the browser test"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }
	@test -x $(CHROMIUM) || { echo "$(CHROMIUM) is missing: apt-get install chromium"; exit 1; }

# Three test workers on two cores: the Airflow and topology tests spend much of their time waiting on their own
# processes (scheduler loops, heartbeats, retries), and a third worker runs other files in those waits. Measured on
# fresh clones here (CPU-seconds over twice the wall time): two workers kept the cores 82 % busy, three 86-90 %, four
# 86 % (the cores contend). The machine's speed varies by a third from run to run, so compare the shares, not times.
pytest: $(STAMP) browser
	$(BIN)/pytest -q -n 3 --dist loadfile --no-loadscope-reorder --durations=15

# The checks run side by side: ruff, mypy and the import contracts take ~20 s of one core while pytest starts.
test: $(STAMP) browser
	$(MAKE) --no-print-directory -j 3 lint typecheck pytest

# The reliability suite at scale (>= 100k hostile bodies, >= 1000 byte flips, >= 20 kills), printing the figures.
reliability: $(STAMP)
	$(BIN)/python -m tests.reliability.long_run

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var publish airflow_home .mypy_cache .ruff_cache .pytest_cache
