# Service Portal — `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
DEBIAN_PACKAGES := chromium fonts-wqy-microhei poppler-utils postgresql-client nginx
export FLASK_APP := portal

.PHONY: run run-nginx test install install-test translations lint i18n-update serve clean docs-preview \
	bench-load

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-test: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'

translations:
	$(BIN)/pybabel compile -d portal/translations

run: install translations
	./scripts/ensure-debian-packages.sh fonts-wqy-microhei
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo
	@echo ""
	@echo "Service Portal: http://127.0.0.1:$(PORT)/login"
	@echo "Demo accounts (password demo1234): 10001 admin · 20001 agent · 20002 agent_lead ·"
	@echo "  30001 store_rep, 30002 store_supervisor, 30003 technician (上海徐汇) · 31001 store_rep (杭州西湖) ·"
	@echo "  40001 warehouse_clerk, 40002 warehouse_manager (上海中心仓) · 50001 qa_inspector · 60001 service_manager"
	@echo ""
	$(BIN)/gunicorn -c deploy/gunicorn.conf.py -b 127.0.0.1:$(PORT)

# The same demo behind nginx (README, "Deploy behind nginx"): nginx on NGINX_PORT serves
# /static/ and proxies the rest to gunicorn on PORT.
NGINX_PORT ?= 8080
run-nginx: install translations
	./scripts/ensure-debian-packages.sh fonts-wqy-microhei nginx
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo
	@echo "Service Portal behind nginx: http://127.0.0.1:$(NGINX_PORT)/login (demo accounts: make run)"
	./deploy/run-behind-nginx.sh --port $(NGINX_PORT) --app-port $(PORT)

lint: install-test
	$(BIN)/ruff check portal tests bench deploy

test: install-test translations
	./scripts/ensure-debian-packages.sh $(DEBIAN_PACKAGES)
	$(BIN)/ruff check portal tests bench deploy
	@echo "== test suite on SQLite =="
	env -u TEST_DATABASE_URL $(BIN)/pytest
	@if $(BIN)/python scripts/pg-reachable.py "$(TEST_DATABASE_URL)"; then \
	  echo "== test suite on PostgreSQL ($(TEST_DATABASE_URL)) =="; \
	  TEST_DATABASE_URL="$(TEST_DATABASE_URL)" $(BIN)/pytest; \
	else echo "!! PostgreSQL not reachable at $(TEST_DATABASE_URL): the PostgreSQL run is SKIPPED"; fi

i18n-update: install-test
	$(BIN)/pybabel extract -F babel.cfg -k _l -o portal/translations/messages.pot .
	$(BIN)/pybabel update -N -i portal/translations/messages.pot -d portal/translations

# HTTP load harness (bench/load.py, bench/README.md "HTTP load") on the bench data set:
#   make bench-load BENCH_ARGS="--mode busy --full"
BENCH_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/bench
BENCH_ARGS ?=
bench-load: translations
	$(BIN)/pip install -q -e '.[bench]'
	$(if $(findstring --via-nginx,$(BENCH_ARGS)),./scripts/ensure-debian-packages.sh nginx)
	$(BIN)/python bench/load.py --url "$(BENCH_DATABASE_URL)" $(BENCH_ARGS)

docs-preview: install translations
	./scripts/ensure-debian-packages.sh fonts-wqy-microhei poppler-utils
	$(BIN)/python scripts/docs_preview.py

clean:
	rm -rf $(VENV) instance/portal.db
