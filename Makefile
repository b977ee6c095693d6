# tarazu — the two commands: `make demo` and `make test`.
PY        ?= python3
VENV      ?= .venv
BIN       := $(VENV)/bin
SHARED    ?= ../shared
export TARAZU_SHARED ?= $(SHARED)

.PHONY: install demo test lint bench bench-quality clean

$(BIN)/tarazu: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,spark]'
	@touch $@

install: $(BIN)/tarazu

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
