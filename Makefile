# Two commands do everything on a fresh machine:
#   make verify   - the verifier suite over the bundled scenarios (the main job)
#   make test     - the test suite
# Each bootstraps what it needs: Debian's graphviz (for `dot`), a .venv, the Python packages.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: verify test mutate bootstrap graphviz bench diagrams clean

verify: bootstrap
	$(PY) -m podmodel verify

test: bootstrap
	$(PY) -m pytest -m "not slow"

# systematic model mutation: score and survivors of both engines (docs/verify.md)
mutate: bootstrap
	$(PY) -m podmodel verify --mutate

bootstrap: graphviz $(STAMP)

# Debian's graphviz provides `dot`; installed only when missing.
graphviz:
	@command -v dot >/dev/null 2>&1 || { \
	  echo "dot not found: installing Debian's graphviz" >&2; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo -n"; \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get update -qq </dev/null && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq graphviz </dev/null >/dev/null; }

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
