#!/usr/bin/env bash
# Back up Concerto's database, while it serves: deploy/backup.sh [DESTINATION_FOLDER]
#
# The database is the whole of Concerto's data (uploaded files included): nothing else on
# disk needs saving besides /etc/concerto/concerto.env, which holds the secrets.
# - PostgreSQL: pg_dump in its custom format (compressed, restored with pg_restore, table by
#   table), one consistent snapshot taken without blocking the app;
# - SQLite: SQLite's online backup API (WAL included), then an integrity check of the copy.
#
# DATABASE_URL comes from the environment, else from CONCERTO_ENV_FILE
# (/etc/concerto/concerto.env by default). The folder defaults to BACKUP_DIR or
# /var/backups/concerto. BACKUP_KEEP=N keeps the N most recent backups there (0: all).
# The last line printed is the path of the new backup.
set -euo pipefail
umask 077

die() { echo "backup.sh : $*" >&2; exit 1; }

env_file="${CONCERTO_ENV_FILE:-/etc/concerto/concerto.env}"
setting() {  # a value of the env file, read as data (it is not a shell script)
  [ -r "$env_file" ] || return 0
  sed -n "s/^[[:space:]]*$1=//p" "$env_file" | tail -n 1
}

url="${DATABASE_URL:-$(setting DATABASE_URL)}"
[ -n "$url" ] || die "DATABASE_URL n’est pas défini (ni dans l’environnement, ni dans $env_file)."
destination="${1:-${BACKUP_DIR:-/var/backups/concerto}}"
keep="${BACKUP_KEEP:-0}"
mkdir -p "$destination"
stamp="$(date -u +%Y%m%dT%H%M%S.%3NZ)"  # sorts by date; two runs in one second differ
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-$here/../.venv/bin/python}"
[ -x "$python" ] || python="$(command -v python3 || true)"

case "$url" in
  postgres://*|postgresql://*|postgresql+*://*)
    command -v pg_dump >/dev/null || die "pg_dump est introuvable (paquet postgresql-client)."
    # libpq does not know SQLAlchemy's « +driver » part.
    libpq_url="postgresql://${url#*://}"
    target="$destination/concerto-$stamp.dump"
    pg_dump --format=custom --compress=6 --no-owner --no-privileges \
      --file="$target.partial" --dbname="$libpq_url"
    pg_restore --list "$target.partial" >/dev/null \
      || die "la sauvegarde $target.partial est illisible."
    ;;
  sqlite:///*)
    path="${url#sqlite:///}"
    if [ "${path#/}" = "$path" ]; then  # relative: in the instance folder, as the app reads it
      path="${CONCERTO_INSTANCE:-$(setting CONCERTO_INSTANCE)}"
      path="${path:-$here/../instance}/${url#sqlite:///}"
    fi
    [ -f "$path" ] || die "base SQLite introuvable : $path"
    target="$destination/concerto-$stamp.sqlite3"
    "$python" - "$path" "$target.partial" <<'PYTHON'
import sqlite3
import sys

source = sqlite3.connect(sys.argv[1], timeout=30)  # waits for a checkpoint in progress
copy = sqlite3.connect(sys.argv[2])
with copy:
    source.backup(copy)  # page by page, while others read and write (WAL)
source.close()
if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
    sys.exit("backup.sh : la copie SQLite ne passe pas le contrôle d’intégrité.")
copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
copy.close()
PYTHON
    ;;
  *)
    die "DATABASE_URL non prise en charge : ${url%%://*}:// (PostgreSQL ou SQLite)."
    ;;
esac

mv "$target.partial" "$target"  # a backup that exists is complete

if [ "$keep" -gt 0 ]; then
  # Names sort by date: drop all but the $keep newest.
  find "$destination" -maxdepth 1 -type f \( -name 'concerto-*.dump' -o -name 'concerto-*.sqlite3' \) \
    | sort -r | tail -n +"$((keep + 1))" | while read -r old; do rm -f -- "$old"; done
fi

echo "Sauvegarde écrite ($(du -h "$target" | cut -f1)) :" >&2
echo "$target"
