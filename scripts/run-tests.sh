#!/usr/bin/env bash
# Run the whole suite on SQLite, then on PostgreSQL when TEST_DATABASE_URL is set.
# Each run has two passes: the tests not marked `serial` spread over TEST_WORKERS pytest-xdist
# workers (2 by default, one per core; each worker has its own database), then the `serial`
# ones alone: they start servers or measure latencies (see tests/conftest.py).
# TEST_WORKERS=0 runs everything in one plain pass. Arguments go to pytest in every pass.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
WORKERS="${TEST_WORKERS:-2}"

suite() {
  if [ "$WORKERS" = "0" ]; then
    "$PY" -m pytest -q "$@"
    return
  fi
  local parallel=0 serial=0
  "$PY" -m pytest -q -n "$WORKERS" --dist loadgroup -m "not serial" "$@" || parallel=$?
  "$PY" -m pytest -q -m serial "$@" || serial=$?
  # 5: that pass selected no test (arguments naming a few files); an error only if both did.
  if [ "$parallel" = 5 ] && [ "$serial" = 5 ]; then return 5; fi
  for rc in "$parallel" "$serial"; do
    if [ "$rc" != 0 ] && [ "$rc" != 5 ]; then return "$rc"; fi
  done
}

echo "== Suite de tests sur SQLite =="
(unset TEST_DATABASE_URL; suite "$@")

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  echo "== Suite de tests sur PostgreSQL ($TEST_DATABASE_URL) =="
  suite "$@"
fi
