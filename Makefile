# Concerto — the two commands: `make run` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
export FLASK_APP := wsgi.py
DSFR := node_modules/@gouvfr/dsfr/dist
VENDOR := static/vendor/dsfr
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test worker scheduler install install-dev assets db lint typecheck lock security system-packages bench clean help

help:
	@echo "make run   installe ce qui manque, migre, charge le référentiel et sert http://$(HOST):$(PORT)"
	@echo "make test  installe ce qui manque, lance l’analyse de sécurité puis toute la suite de tests"
	@echo "make typecheck  vérifie les types de app/ (mypy, configuré dans pyproject.toml)"
	@echo "make lock  régénère requirements.txt (versions figées) depuis les dépendances de pyproject.toml"

# --- Python -------------------------------------------------------------------------------
$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.stamp-runtime: requirements.txt | $(VENV)/bin/activate
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.stamp-dev: requirements-dev.txt requirements.txt $(VENV)/.stamp-runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.stamp-runtime assets
install-dev: $(VENV)/.stamp-dev assets

# --- Front end (DSFR from npm, copied where Flask serves static files) ------------------------
node_modules/.stamp-npm: package.json package-lock.json .dsfr.yml
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/.stamp: node_modules/.stamp-npm
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)/utility/icons
	cp $(DSFR)/dsfr.min.css $(DSFR)/dsfr.module.min.js $(DSFR)/dsfr.nomodule.min.js $(VENDOR)/
	cp -r $(DSFR)/fonts $(DSFR)/icons $(DSFR)/favicon $(VENDOR)/
	cp $(DSFR)/utility/icons/icons.min.css $(VENDOR)/utility/icons/
	mkdir -p static/vendor/jsqr && cp node_modules/jsqr/dist/jsQR.js static/vendor/jsqr/  # QR codes at the check-in desk
	touch $@

assets: $(VENDOR)/.stamp

# --- Database -----------------------------------------------------------------------------
db: $(VENV)/.stamp-runtime
	$(FLASK) db upgrade
	$(FLASK) seed --demo

# --- The two commands ---------------------------------------------------------------------
run: install db
	$(FLASK) run --host $(HOST) --port $(PORT)

# Background jobs (README « Tâches de fond »): with REDIS_URL set, `make run` only queues them;
# these run them (several workers may run, on any host; the scheduler may run on every host).
worker: install
	$(FLASK) worker

scheduler: install
	$(FLASK) scheduler

test: install-dev system-packages lint typecheck security
	bash scripts/run-tests.sh

# Static analysis of app/ (bandit, configured in pyproject.toml), then the known vulnerabilities
# of the pinned dependencies (pip-audit; skipped with a notice where its database is out of
# reach, unless AUDIT_REQUIRED=1). grep drops a false bandit warning (PyCQA/bandit#1041).
security: $(VENV)/.stamp-dev
	@echo "== Analyse de sécurité : bandit, pip-audit =="
	$(VENV)/bin/bandit -c pyproject.toml -q -r app 2> >(grep -v "nosec encountered" >&2)
	$(PY) scripts/audit_dependencies.py

# Debian packages: chromium for the browser tests, Pango for PDF documents (WeasyPrint), nginx
# and openssl for the test of the deployment recipe (deploy/nginx). Installed when missing if we
# are root (CI); otherwise say what to install.
system-packages:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v nginx >/dev/null || missing="$$missing nginx-light"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	ldconfig -p | grep -q libpangoft2-1.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installation des paquets Debian :$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Paquets Debian absents :$$missing (sudo apt-get install$$missing)."; \
	  fi; \
	fi

lint: $(VENV)/.stamp-dev
	$(VENV)/bin/ruff check .

# mypy on app/, as [tool.mypy] in pyproject.toml says (strict for the models and services).
typecheck: $(VENV)/.stamp-dev
	$(VENV)/bin/mypy

# requirements.txt, the pinned lock, from pyproject.toml: its dependencies and its `documents`
# extra (README « Dépendances »). uv keeps the versions already pinned there unless told
# otherwise: make lock LOCK_OPTIONS="--upgrade-package flask" (or --upgrade, for all).
LOCK_OPTIONS ?=
lock: $(VENV)/.stamp-dev
	$(VENV)/bin/uv pip compile pyproject.toml --extra documents --python $(PY) \
	  --output-file requirements.txt --custom-compile-command "make lock" $(LOCK_OPTIONS)

# The benchmarks (bench/README.md), then their one table (bench/table.py). BENCH_SECONDS: how
# long wrk loads each address. A script that fails does not stop the others; make fails after
# the table. Needs wrk (Debian package), PostgreSQL and Redis on 127.0.0.1.
BENCH_SECONDS ?= 5
BENCH_SCRIPTS := bench.bench bench.step_page bench.registrations bench.contributions bench.syntheses \
  bench.writing_help_quality

bench: install-dev
	@command -v wrk >/dev/null || { echo "wrk absent : sudo apt-get install wrk"; exit 1; }
	@mkdir -p bench/results && rm -f bench/results/*.json
	@failed=""; for script in $(BENCH_SCRIPTS); do \
	  case $$script in \
	    bench.bench|bench.registrations) options="--seconds $(BENCH_SECONDS)" ;; \
	    bench.contributions) options="--reuse" ;; \
	    *) options="" ;; \
	  esac; \
	  echo "== $(PY) -m $$script $$options"; \
	  $(PY) -m $$script $$options || failed="$$failed $$script"; \
	done; \
	echo; $(PY) -m bench.table; \
	if [ -n "$$failed" ]; then echo "Échec :$$failed"; exit 1; fi

clean:
	rm -rf $(VENV) node_modules $(VENDOR) instance
