# checkdeck: `make demo` opens the app on examples/demo, `make test` runs the suite.
# Both create .venv and install the project with its test extras on first use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint check bench screenshots clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The demo's validators call python3 and pytest: the venv's, so nothing else is needed.
# The demo has real defects: its validators fail on purpose (exit status 1), which is what
# it shows, not a make error; any other status (bad config, a crash) still fails make.
# The demo's image builds FROM a small Python base made from the host's Python (no registry is
# needed); without a Docker engine the script says so and the demo's docker-build pane says why.
demo: $(STAMP)
	@$(BIN)/python examples/python_base.py >/dev/null
	@PATH="$(abspath $(BIN)):$$PATH" $(BIN)/checkdeck examples/demo; status=$$?; \
	if [ $$status -eq 0 ] || [ $$status -eq 1 ]; then \
		echo "demo done: the failures you saw are the demo's planted defects (examples/demo)."; \
	else exit $$status; fi

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check validators tui tests benchmarks
	$(BIN)/ruff format --check validators tui tests benchmarks
	$(BIN)/mypy --strict validators tui
	$(BIN)/lint-imports

check: lint test

bench: $(STAMP)
	$(BIN)/python benchmarks/runner_overhead.py
	$(BIN)/python benchmarks/context_scan.py
	$(BIN)/python benchmarks/import_analysis.py
	$(BIN)/python benchmarks/tui_flood.py
	$(BIN)/python benchmarks/startup_imports.py
	$(BIN)/python benchmarks/docker_build.py
	$(BIN)/python benchmarks/architecture_scan.py

# The demo's validators call python3 and pytest: the venv's.
screenshots: $(STAMP)
	$(BIN)/python examples/python_base.py
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python screenshots/generate.py

clean:
	rm -rf $(VENV) .checkdeck examples/demo/.checkdeck
