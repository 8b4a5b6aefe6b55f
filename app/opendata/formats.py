"""Records written as CSV (UTF-8), JSON and XLSX. CSV and JSON stream row by row; XLSX is
written in openpyxl's write-only mode. A text cell never starts a formula."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from app.spreadsheets import neutralise, text_cell


def _cell(value: Any) -> Any:
    return "" if value is None else neutralise(value)


def csv_stream(columns: list[str], records: Iterable[dict[str, Any]]) -> Iterator[str]:
    """A header line, then one line per record; RFC 4180 quoting, comma separator."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([_cell(record[column]) for column in columns])
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_stream(records: Iterable[dict[str, Any]], metadata: dict[str, Any]) -> Iterator[str]:
    """``{...metadata, "donnees": [records]}``, written record by record."""
    head = json.dumps(metadata, ensure_ascii=False)[:-1]
    yield head + (', "donnees": [' if metadata else '"donnees": [')
    separator = ""
    for record in records:
        yield separator + json.dumps(record, ensure_ascii=False)
        separator = ",\n"
    yield "]}\n"


def xlsx_bytes(columns: list[str], records: Iterable[dict[str, Any]], title: str) -> bytes:
    from openpyxl import Workbook  # here: openpyxl loads NumPy and Pillow (25 MB)
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append(columns)
    for record in records:
        row = []
        for column in columns:
            value = record[column]
            # Typed as text: it stays text, whatever it starts with, without CSV's apostrophe.
            row.append(text_cell(WriteOnlyCell(sheet, value="" if value is None else value)))
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
