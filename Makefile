# tradereg — the two commands: `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test test-fast lint typecheck format venv clean bench loadtest

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

venv: $(BIN)/.installed

## Serve the whole system (web + task worker) with demo data on SQLite.
run: venv
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py demo_data --if-empty
	PORT=$(PORT) $(BIN)/python manage.py serve

## The whole suite, browser tests included (DATABASE_URL selects the database); as root,
## installs the system packages the tests need first (scripts/test-prerequisites).
test: venv
	bash scripts/test-prerequisites
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest -n 2 --dist loadgroup

## Unit and service tests only, without the browser.
test-fast: venv
	$(BIN)/python -m pytest -m "not browser" -q

## The national table: public lookup, officer queue and search, statistics, import, PDF, each beside
## a bare view (separate database, 1M operators on SQLite; not part of test). On PostgreSQL:
## BENCH_DATABASE_URL=postgres://…/tradereg_bench make bench BENCH_ARGS="--operators 5000000".
## BENCH_ARGS passes options on, e.g. BENCH_ARGS="--operators 20000 --samples 50 --filings 5000".
bench: venv
	$(BIN)/python manage.py bench $(BENCH_ARGS)

## Requests/s over HTTP, production server setup (gunicorn gthread 2×4, TRADEREG_ENV=production),
## measured by wrk beside a bare view, without and with Redis (separate database; not part of test).
## LOADTEST_ARGS passes options on, e.g. make loadtest LOADTEST_ARGS="--seconds 20 --modes redis".
loadtest: venv
	$(BIN)/python manage.py loadtest $(LOADTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Types of the services and selectors (mypy with the Django plugin; settings in pyproject.toml).
TYPECHECK_FILES = $(sort $(wildcard tradereg/*/services.py tradereg/*/services/*.py tradereg/*/selectors.py))
typecheck: venv
	$(BIN)/mypy $(TYPECHECK_FILES)

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .


clean:
	rm -rf $(VENV) staticfiles
