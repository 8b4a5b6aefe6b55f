"""Reading CSV/XLSX files uploaded for import, and keeping them between preview and confirmation.

A file is checked by size and by what its bytes are (not its name), parsed into rows keyed by
normalised column names, and kept in the shared storage (app.storage) under a random token, so
that the confirmation may reach another app server than the preview. It goes when the import is
confirmed; one never confirmed is refused after KEPT_FOR and deleted by
``purge_expired_imports`` (nightly).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import filetype
from flask import current_app
from werkzeug.datastructures import FileStorage

from app import storage
from app.clock import now
from app.extensions import db
from app.uploads import RejectedFileError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
MAX_ROWS = 5000
TOKEN = re.compile(r"[0-9a-f]{32}")
# An import is confirmed minutes after its preview: a file kept longer is of no use.
KEPT_FOR = timedelta(days=1)
GONE = "Ce fichier n’est plus disponible : déposez-le de nouveau."
# A CSV has no signature: text is told from binary by control characters no table holds
# (tab, line breaks, vertical tab and form feed are allowed).
BINARY = re.compile(r"[\x00-\x08\x0e-\x1f]")
# An XLSX workbook is a ZIP: a few hundred kilobytes may unpack to gigabytes (a ZIP bomb).
XLSX_MAX_UNPACKED = 64 * 1024 * 1024


@dataclass
class Checked:
    """Rows turned into values, and the errors that forbid the import (line numbers as in the
    file, the header being line 1)."""

    columns: list[str]
    items: list = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    preview: list[list[object]] = field(default_factory=list)  # line, then one cell per column
    # Indexes in ``items`` of rows already saved before (same text, same step): a file
    # imported twice. They may be skipped on confirmation.
    already: set[int] = field(default_factory=set)
    # Indexes in ``items`` of rows whose question the file did not give: the suggestion made
    # (None once the person chose), to be accepted or corrected before confirming.
    suggested: dict[int, object] = field(default_factory=dict)
    # Indexes of rows without a département: True if the one its text names was taken
    # (False once the person chose), to be kept or corrected too.
    places: dict[int, bool] = field(default_factory=dict)

    def kept_items(self, skip_already: bool) -> list:
        """The items to save: all of them, or those not saved before."""
        return [item for index, item in enumerate(self.items)
                if not (skip_already and index in self.already)]

    @property
    def already_lines(self) -> list[object]:
        return [self.preview[index][0] for index in sorted(self.already)]

    @property
    def ok(self) -> bool:
        return bool(self.items) and not self.errors


def column_key(name: object) -> str:
    """« Département » → « departement »: headers are matched without case, accents or blanks."""
    folded = unicodedata.normalize("NFKD", str(name or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", folded.lower())


def keep(upload: FileStorage) -> str:
    """Check an uploaded table and keep it; return its token. Nothing refused is kept. Raises
    RejectedFileError (the file) or storage.StorageError (the storage)."""
    limit = current_app.config["IMPORT_MAX_BYTES"]
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise RejectedFileError(f"Le fichier dépasse la taille autorisée "
                                f"({limit // (1024 * 1024)} Mo).")
    if not data:
        raise RejectedFileError("Le fichier est vide.")
    kind = filetype.guess(data)
    if kind is not None and kind.mime in (XLSX, "application/zip"):
        content_type = XLSX
    elif kind is None:
        content_type = CSV
    else:
        raise RejectedFileError("Ce fichier n’est ni un tableau CSV ni un classeur Excel (XLSX).")
    _rows(data, content_type)  # refuse at once what cannot be read
    with storage.storing():
        token = storage.put("import", data, content_type)
        db.session.commit()
    return token


def read(token: str) -> list[tuple[int, dict[str, str]]]:
    """The kept file's rows as (line number, {column key: text}), blank rows left out."""
    if not TOKEN.fullmatch(token or ""):
        raise RejectedFileError(GONE)
    kept = storage.get(token, kind="import")
    if kept is None or kept.created_at < now() - KEPT_FOR:
        raise RejectedFileError(GONE)
    return _rows(kept.data, kept.content_type)


def _rows(data: bytes, content_type: str) -> list[tuple[int, dict[str, str]]]:
    table: Sequence[Sequence[object]] = (_xlsx_rows(data) if content_type == XLSX
                                         else _csv_rows(data))
    if not table:
        raise RejectedFileError("Le fichier ne contient aucune ligne.")
    header = [column_key(name) for name in table[0]]
    rows = []
    for line, cells in enumerate(table[1:], start=2):
        values = {key: str(cell if cell is not None else "").strip()
                  for key, cell in zip(header, cells, strict=False) if key}
        if any(values.values()):
            rows.append((line, values))
    if len(rows) > MAX_ROWS:
        raise RejectedFileError(f"Le fichier compte plus de {MAX_ROWS} lignes : "
                                "découpez-le en plusieurs fichiers.")
    if not rows:
        raise RejectedFileError("Le fichier ne contient aucune ligne après l’en-tête.")
    return rows


def claim(token: str) -> bool:
    """Take the kept file for the import being confirmed: it is deleted in the current
    transaction, the import's own, so it goes with the rows it brings (or stays if they fail).
    False if it is already gone: a replayed or doubled confirmation imports nothing twice (on
    PostgreSQL the second DELETE waits for the first transaction, then finds nothing)."""
    return bool(TOKEN.fullmatch(token or "")) and storage.delete(token, kind="import") == 1


def discard(token: str) -> None:
    """Forget a kept file now (commits)."""
    if TOKEN.fullmatch(token or ""):
        storage.delete(token, kind="import")
        db.session.commit()


def purge_expired_imports() -> int:
    """Delete the import files kept longer than KEPT_FOR (never confirmed); commits. Safe to
    run twice. Returns how many were deleted."""
    count = storage.purge("import", now() - KEPT_FOR)
    db.session.commit()
    return count


class _Semicolon(csv.excel):
    """French spreadsheets separate columns with « ; »."""

    delimiter = ";"


def _csv_rows(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel's « CSV » on Windows
    if BINARY.search(text):
        raise RejectedFileError("Ce fichier n’est pas un tableau CSV lisible.")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
    except csv.Error:
        dialect = _Semicolon
    return list(csv.reader(io.StringIO(text, newline=""), dialect))


def _xlsx_rows(data: bytes) -> list[list[object]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError) as error:
        raise RejectedFileError("Ce classeur Excel est illisible ou endommagé.") from error
    if unpacked > XLSX_MAX_UNPACKED:
        raise RejectedFileError("Ce classeur Excel est trop volumineux une fois décompressé : "
                                "enregistrez-le en CSV ou découpez-le.")
    from openpyxl import load_workbook  # here: openpyxl loads NumPy and Pillow (25 MB)

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        raise RejectedFileError("Ce classeur Excel est illisible ou endommagé.") from error
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
    finally:
        workbook.close()
