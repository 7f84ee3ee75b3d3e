# Two commands do everything on a fresh machine:
#   make verify   - the verifier suite over the bundled scenarios and the worlds, in one pool (the main job)
#   make test     - the test suite
# Each bootstraps what it needs: Debian's graphviz (for `dot`), a .venv, the Python packages.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: verify test mutate bootstrap graphviz bench diagrams clean

verify: bootstrap
	$(PY) -m podmodel verify --all

test: bootstrap
	$(PY) -m pytest -m "not slow"

# systematic model mutation: score and survivors of both engines (docs/verify.md)
mutate: bootstrap
	$(PY) -m podmodel verify --mutate

bootstrap: graphviz $(STAMP)

# Debian's graphviz provides `dot`; installed only when missing, and only where that can
# work (as root, or with password-less sudo, on a machine with apt-get).  Otherwise: one
# clear line saying what to install, and make stops.
graphviz:
	@command -v dot >/dev/null 2>&1 || { \
	  if ! command -v apt-get >/dev/null 2>&1; then \
	    echo "Graphviz's dot is not on PATH: install Graphviz (https://graphviz.org/download/), then run make again" >&2; exit 1; fi; \
	  SUDO=""; \
	  if [ "$$(id -u)" != 0 ]; then \
	    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	    else echo "Graphviz's dot is not on PATH: run 'sudo apt-get install graphviz' (needs root), then make again" >&2; exit 1; fi; \
	  fi; \
	  echo "dot not found: installing Debian's graphviz" >&2; \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get update -qq </dev/null && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq graphviz </dev/null >/dev/null || { \
	    echo "installing graphviz with apt-get failed: install it by hand (apt-get install graphviz)" >&2; exit 1; }; }

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]' </dev/null
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null 2>&1 || true
	touch $(STAMP)

bench: bootstrap
	$(PY) benchmarks/explore.py
	$(PY) benchmarks/oracle.py

diagrams: bootstrap
	$(PY) -m podmodel diagrams --out diagrams/

clean:
	rm -rf $(VENV) build *.egg-info
