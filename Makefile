# Tessera's two commands: `make run` and `make test`. Both create .venv when needed.
# Set DATABASE_URL=postgres://postgres@127.0.0.1:5432/tessera to use PostgreSQL instead of SQLite.
# HOST, PORT and WORKERS change where `make run` listens and how many task workers it starts.
# Every make target runs with DEBUG=1 (development defaults); production: docs/operations.md.

PYTHON_BOOTSTRAP ?= $(shell command -v python3.13 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 3
SIMULATOR_PORT ?= 8001
export DEBUG ?= 1
# The demo's rail and voucher suppliers reach the supplier simulator over HTTP (seed_demo).
export SUPPLIER_SIMULATOR_URL ?= http://127.0.0.1:$(SIMULATOR_PORT)
# Customer links point where `make run` serves. Set here, not derived by each process: honcho
# gives every process of the Procfile a PORT of its own (8100 for the first worker).
export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test lint install migrate demo demo-data key demo-order graph catalogs architecture clean reliability

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON_BOOTSTRAP) -m venv $(VENV)
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 13) else "Tessera needs Python 3.13 (see .python-version)")'
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --no-input

demo: migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py ensure_admin
	$(PY) manage.py ensure_roles --demo-users

# The demo data without the logins' output, for the commands below on a fresh checkout.
demo-data: install
	@$(PY) manage.py migrate --no-input -v0
	@$(PY) manage.py seed_demo > /dev/null

# An API key for a partner, printed once: make key PARTNER=fjord-travel
key: demo-data
	@test -n "$(PARTNER)" || { echo "usage: make key PARTNER=<partner slug, e.g. fjord-travel>"; exit 2; }
	@$(PY) manage.py create_api_key $(PARTNER) $(ARGS)

# A demo order, followed until it settles while `make run` runs (README):
# make demo-order PRODUCT=OSL-BGO-0725 ARGS=--finalize
demo-order: demo-data
	@test -n "$(PRODUCT)" || { echo "usage: make demo-order PRODUCT=<supplier reference> [ARGS='--finalize ...']"; exit 2; }
	@$(PY) manage.py demo_order $(PRODUCT) $(ARGS)

run: demo
	@echo ""
	@echo "  Tessera is starting (web server, $(WORKERS) task workers kept running by one supervisor,"
	@echo "  and the supplier simulator on port $(SIMULATOR_PORT)). Open:"
	@echo "    back office  http://$(HOST):$(PORT)/admin/"
	@echo "    partner API  http://$(HOST):$(PORT)/api/v1/docs  (guide: docs/api.md)"
	@echo "    health       http://$(HOST):$(PORT)/health/ready"
	@echo "  An API key for the demo wallet partner (in another terminal, in this directory):"
	@echo "    make key PARTNER=fjord-travel"
	@echo "  A demo order, followed until it settles:"
	@echo "    make demo-order PRODUCT=OSL-BGO-0725 ARGS=--finalize$(if $(filter-out 8000,$(PORT)), PORT=$(PORT))"
	@echo "  Stop with Ctrl+C."
	@echo ""
	HOST=$(HOST) PORT=$(PORT) WORKERS=$(WORKERS) SIMULATOR_PORT=$(SIMULATOR_PORT) \
		$(VENV)/bin/honcho start -f Procfile.dev

test: install
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The fault-and-load suite's full profile (docs/reliability.md) and a longer schemathesis run, on
# the PostgreSQL server of DATABASE_URL; `make test` runs the reduced profile. The run's database
# is kept for re-checking (python -m tests.load.invariants <url>), its logs in var/load/.
reliability: install
	@case "$(DATABASE_URL)" in postgres*) ;; *) echo "make reliability needs DATABASE_URL=postgres://..."; exit 2;; esac
	LOAD_PROFILE=full LOAD_KEEP_DATABASE=1 $(VENV)/bin/pytest -m load -s -p no:cacheprovider tests/load
	FUZZ_EXAMPLES=200 $(VENV)/bin/pytest -p no:cacheprovider tests/test_api_fuzzing.py \
		tests/test_api_hostile_input.py tests/test_api_cross_partner_sweep.py

# ruff, then the apps' one-way dependencies (import-linter's contract in pyproject.toml).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# Draw the lifecycle from the code (needs Graphviz's `dot`: apt-get install graphviz).
LIFECYCLES := orders.Order orders.OrderLine payments.Payment payments.Refund payments.WalletHold suppliers.InventoryCode
graph: install
	@for model in $(LIFECYCLES); do \
		name=$$(echo $${model#*.} | tr A-Z a-z); \
		$(PY) manage.py graph_transitions $$model > docs/lifecycle-$$name.dot; \
		dot -Tpng docs/lifecycle-$$name.dot -o docs/lifecycle-$$name.png; \
		echo "docs/lifecycle-$$name.png"; \
	done

# Rewrite docs/api.md's error codes and event types tables from the error classes and EventType.
catalogs: install
	$(PY) manage.py document_catalogs

# Draw the apps and the direction of their imports from the code (docs/architecture.md).
architecture: install
	$(PY) manage.py graph_apps > docs/architecture.dot
	dot -Tpng docs/architecture.dot -o docs/architecture.png
	@echo "docs/architecture.png"

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* .pytest-db.sqlite3*
