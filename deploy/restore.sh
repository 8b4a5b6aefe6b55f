#!/usr/bin/env bash
# Restore a backup of deploy/backup.sh into a database named on purpose:
#   deploy/restore.sh BACKUP_FILE TARGET_DATABASE_URL
#
# - concerto-*.dump (PostgreSQL): pg_restore --clean into TARGET, in one transaction: what
#   TARGET held is replaced by the backup, or, on any error, left as it was. TARGET must exist
#   (createdb -O concerto concerto_restauree) and may be the live database once the app is
#   stopped (systemctl stop concerto.target).
# - concerto-*.sqlite3 (SQLite): copied into TARGET's file with SQLite's backup API (the file
#   is replaced as a whole, under SQLite's lock), then checked.
#
# TARGET is never guessed from the environment: a restore overwrites what it is given.
# Afterwards: `flask db upgrade` if the backup is older than the code (/readyz says so), and
# restart the web processes, whose calendar cache knows the replaced data.
set -euo pipefail

die() { echo "restore.sh : $*" >&2; exit 1; }

[ "$#" -eq 2 ] || die "usage : deploy/restore.sh SAUVEGARDE URL_DE_LA_BASE_CIBLE"
backup="$1"
target="$2"
[ -f "$backup" ] || die "sauvegarde introuvable : $backup"
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-$here/../.venv/bin/python}"
[ -x "$python" ] || python="$(command -v python3 || true)"

case "$target" in
  postgres://*|postgresql://*|postgresql+*://*)
    command -v pg_restore >/dev/null || die "pg_restore est introuvable (paquet postgresql-client)."
    pg_restore --list "$backup" >/dev/null 2>&1 \
      || die "$backup n’est pas une sauvegarde PostgreSQL (format custom de pg_dump)."
    libpq_url="postgresql://${target#*://}"
    psql --no-psqlrc --quiet --tuples-only --command="SELECT 1" "$libpq_url" >/dev/null 2>&1 \
      || die "base cible injoignable : créez-la d’abord (createdb -O concerto NOM) et vérifiez l’URL."
    pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
      --exit-on-error --dbname="$libpq_url" "$backup"
    shown="la base ${libpq_url##*/}"  # its name, never the password in the URL
    ;;
  sqlite:///*)
    path="${target#sqlite:///}"
    if [ "${path#/}" = "$path" ]; then
      path="${CONCERTO_INSTANCE:-$here/../instance}/$path"
    fi
    mkdir -p "$(dirname "$path")"
    "$python" - "$backup" "$path" <<'PYTHON'
import sqlite3
import sys

backup = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
if backup.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
    sys.exit(f"restore.sh : {sys.argv[1]} n’est pas une base SQLite intacte.")
target = sqlite3.connect(sys.argv[2], timeout=30)
with target:
    backup.backup(target)  # every page of the target is replaced
backup.close()
if target.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
    sys.exit("restore.sh : la base restaurée ne passe pas le contrôle d’intégrité.")
target.execute("PRAGMA journal_mode=WAL")  # as the app sets it
target.close()
PYTHON
    shown="$path"
    ;;
  *)
    die "URL cible non prise en charge : ${target%%://*}:// (PostgreSQL ou SQLite)."
    ;;
esac

echo "Restauration terminée dans ${shown%%\?*}." >&2
echo "Ensuite : flask db upgrade si la sauvegarde précède le code, puis redémarrer l’application." >&2
