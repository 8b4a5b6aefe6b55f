#!/usr/bin/env bash
# Run the whole suite on SQLite, then on PostgreSQL when TEST_DATABASE_URL is set.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

echo "== Suite de tests sur SQLite =="
env -u TEST_DATABASE_URL "$PY" -m pytest -q "$@"

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  echo "== Suite de tests sur PostgreSQL ($TEST_DATABASE_URL) =="
  "$PY" -m pytest -q "$@"
fi
