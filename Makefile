# Hyperlabel. `make run` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: install run test test-fast lint format migrate demo browser bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Needs $(PYTHON) (Python 3.11)."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Biome (formatter and linter for static/ JS and CSS): a dev tool from the npm registry, no build.
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "Needs Node.js and npm (apt-get install nodejs npm)."; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# Development commands run in development mode (DEBUG defaults to off; production sets nothing).
migrate demo run test test-fast: export DEBUG ?= true

migrate: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable

demo: migrate
	$(BIN)/python manage.py make_demo

# The web server and a job worker (RQ when REDIS_URL is set, else the database queue); one Ctrl-C
# stops both.
run: demo
	@echo ""
	@echo "  Hyperlabel: http://127.0.0.1:$(PORT)/"
	@echo "  Log in as admin / admin (Manager) or annotator / annotator (Annotator)."
	@echo "  A job worker runs beside the server (uploads, imports, cleanup)."
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	if [ -n "$$REDIS_URL" ]; then \
		$(BIN)/python manage.py rqworker default --job-class django_tasks_rq.Job & \
	else \
		$(BIN)/python manage.py db_worker --interval 0.2 & \
	fi; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

browser: install
	@$(BIN)/python -m tests.browser.find_chromium

test: install browser $(NODE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	npx --no-install biome ci static
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: install
	$(BIN)/pytest -m "not browser and not live" -x -q $(PYTEST_ARGS)

lint: install $(NODE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	npx --no-install biome ci static

format: install $(NODE_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	npx --no-install biome check --write static

clean:
	rm -rf $(VENV) node_modules data .pytest_cache
