# tarazu — the two commands: `make demo` and `make test`.
PY        ?= python3
VENV      ?= .venv
BIN       := $(VENV)/bin
SHARED    ?= ../shared
export TARAZU_SHARED ?= $(SHARED)

.PHONY: install system-deps fonts demo test lint bench bench-quality clean

$(BIN)/tarazu: pyproject.toml | system-deps
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,spark]'
	@touch $@

# Debian packages (Chromium, ICU, a JRE, PostgreSQL, NATS) and the two services: installs and
# starts what is missing when run as root, otherwise says what to run. Quick when all is there.
system-deps:
	@scripts/system-deps.sh

# The Urdu font is fetched from the npm registry (pinned, checksum checked), never committed.
fonts: system-deps
	@scripts/fetch-fonts.sh

install: system-deps $(BIN)/tarazu fonts

demo: install
	$(BIN)/tarazu demo

test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check tarazu tests bench
	$(BIN)/lint-imports

bench: install
	@for f in bench/*speed*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

bench-quality: install
	$(BIN)/python bench/quality_links.py
	$(BIN)/python bench/quality_names.py
	$(BIN)/python bench/blocking_recall.py
	$(BIN)/python bench/scenario_family.py

clean:
	rm -rf $(VENV) var .pytest_cache
