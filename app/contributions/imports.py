"""Reading CSV/XLSX files uploaded for import, and keeping them between preview and confirmation.

A file is checked by size and by what its bytes are (not its name), parsed into rows keyed by
normalised column names, and stored outside ``static/`` under a random token until the organiser
confirms the import (or uploads another file).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import filetype
from flask import current_app
from openpyxl import load_workbook
from werkzeug.datastructures import FileStorage

from app.press.files import RejectedFileError, upload_folder

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 5000
TOKEN = re.compile(r"[0-9a-f]{32}\.(csv|xlsx)")
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

    @property
    def ok(self) -> bool:
        return bool(self.items) and not self.errors


def column_key(name: str) -> str:
    """« Département » → « departement »: headers are matched without case, accents or blanks."""
    folded = unicodedata.normalize("NFKD", str(name or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", folded.lower())


def _folder() -> Path:
    return upload_folder("imports")


def keep(upload: FileStorage) -> str:
    """Check an uploaded table and keep it; return its token."""
    limit = current_app.config["IMPORT_MAX_BYTES"]
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise RejectedFileError(f"Le fichier dépasse la taille autorisée "
                                f"({limit // (1024 * 1024)} Mo).")
    if not data:
        raise RejectedFileError("Le fichier est vide.")
    kind = filetype.guess(data)
    if kind is not None and kind.mime in (XLSX, "application/zip"):
        extension = "xlsx"
    elif kind is None:
        extension = "csv"
    else:
        raise RejectedFileError("Ce fichier n’est ni un tableau CSV ni un classeur Excel (XLSX).")
    token = f"{uuid.uuid4().hex}.{extension}"
    (_folder() / token).write_bytes(data)
    try:
        read(token)  # refuse at once what cannot be read
    except RejectedFileError:
        discard(token)  # nothing refused stays on disk
        raise
    return token


def read(token: str) -> list[tuple[int, dict[str, str]]]:
    """The kept file's rows as (line number, {column key: text}), blank rows left out."""
    if not TOKEN.fullmatch(token or ""):
        raise RejectedFileError("Ce fichier n’est plus disponible : déposez-le de nouveau.")
    path = _folder() / token
    if not path.exists():
        raise RejectedFileError("Ce fichier n’est plus disponible : déposez-le de nouveau.")
    table = _xlsx_rows(path) if token.endswith(".xlsx") else _csv_rows(path.read_bytes())
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


def discard(token: str) -> None:
    if TOKEN.fullmatch(token or ""):
        (_folder() / token).unlink(missing_ok=True)


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


def _xlsx_rows(path: Path) -> list[list[object]]:
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError) as error:
        raise RejectedFileError("Ce classeur Excel est illisible ou endommagé.") from error
    if unpacked > XLSX_MAX_UNPACKED:
        raise RejectedFileError("Ce classeur Excel est trop volumineux une fois décompressé : "
                                "enregistrez-le en CSV ou découpez-le.")
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        raise RejectedFileError("Ce classeur Excel est illisible ou endommagé.") from error
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
    finally:
        workbook.close()
