# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INI ?= development.ini
# Two workers: the machine has two cores and most tests wait on databases.
PYTEST_ARGS ?= -n 2 --durations=15

.PHONY: install run test lint bench bench-peer clean

$(BIN)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip "setuptools>=68,<81" wheel
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/praxcloud -c $(INI) db upgrade
	$(BIN)/praxcloud -c $(INI) demo
	$(BIN)/pserve $(INI)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check praxcloud plugins tests bench

bench: install
	$(BIN)/python bench/records_plugins.py
	$(BIN)/python bench/many_tenants.py
	$(BIN)/python bench/bench_login_totp.py
	$(BIN)/python bench/audit_views.py
	$(BIN)/python bench/request_cost.py

# Against the Django peer, through gunicorn and wrk: the committed HEAD, with no plugin
# and with every built-in plugin enabled on the bench tenant (docs/benchmarks.md).
BUILTIN_PLUGINS ?= mfa_totp mfa_webauthn
bench-peer:
	ENABLE="" bash ../shared/peers/side_by_side.sh
	ENABLE="$(BUILTIN_PLUGINS)" bash ../shared/peers/side_by_side.sh

clean:
	rm -rf $(VENV) var build *.egg-info
