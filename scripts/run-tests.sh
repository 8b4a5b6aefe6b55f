#!/usr/bin/env bash
# Run the whole suite on SQLite, then on PostgreSQL when TEST_DATABASE_URL is set.
# Each run has two passes: the tests not marked `serial` spread over TEST_WORKERS pytest-xdist
# workers (2 by default, one per core; each worker has its own database), then the `serial`
# ones alone: they start servers or measure latencies (see tests/conftest.py).
# TEST_WORKERS=0 runs everything in one plain pass. Arguments go to pytest in every pass.
# The browser tests (marker `browser`: the pages as people click them) run once, in the last
# database's run: on PostgreSQL, production's database, when TEST_DATABASE_URL is set (CI),
# else on SQLite. Everything else runs on both; this keeps CI under its 20 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
WORKERS="${TEST_WORKERS:-2}"

# suite MARKERS [pytest arguments]: MARKERS is "" or a marker expression ANDed to each pass.
suite() {
  local only="$1" parallel=0 serial=0
  shift
  if [ "$WORKERS" = "0" ]; then
    "$PY" -m pytest -q ${only:+-m "$only"} "$@"
    return
  fi
  "$PY" -m pytest -q -n "$WORKERS" --dist loadgroup -m "not serial${only:+ and $only}" "$@" \
    || parallel=$?
  "$PY" -m pytest -q -m "serial${only:+ and $only}" "$@" || serial=$?
  # 5: that pass selected no test (arguments naming a few files); an error only if both did.
  if [ "$parallel" = 5 ] && [ "$serial" = 5 ]; then return 5; fi
  for rc in "$parallel" "$serial"; do
    if [ "$rc" != 0 ] && [ "$rc" != 5 ]; then return "$rc"; fi
  done
}

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  echo "== Suite de tests sur SQLite (les tests navigateur tourneront sur PostgreSQL) =="
  (unset TEST_DATABASE_URL; suite "not browser" "$@")
  echo "== Suite de tests sur PostgreSQL ($TEST_DATABASE_URL), tests navigateur compris =="
  suite "" "$@"
else
  echo "== Suite de tests sur SQLite =="
  suite "" "$@"
fi
