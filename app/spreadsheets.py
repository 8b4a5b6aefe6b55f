"""Cells that spreadsheets must never run.

A CSV cell has no type: a spreadsheet reads « =… », « +… », « -… » or « @… » as a formula, so
such a cell gets a leading apostrophe (``neutralise``, done by ``csv_document``). An XLSX cell
typed as text is shown as it is and never run (``text_cell``): it keeps its text unchanged.
Neither applies anywhere else (a DOCX or PDF prints the text as written)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # openpyxl is imported only where a spreadsheet is written (25 MB)
    from openpyxl.cell.cell import Cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A CSV cell a spreadsheet would evaluate becomes plain text (leading apostrophe)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def text_cell(cell: Cell) -> Cell:
    """An openpyxl cell holding a string, typed as text (never a formula, whatever it starts
    with), without the apostrophe CSV needs."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def csv_document(header: list[str], rows: Iterable[Iterable[object]],
                 separator: str = ",") -> bytes:
    """A CSV file Excel opens right: UTF-8 with a BOM, every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, quoting=csv.QUOTE_MINIMAL)
    writer.writerow([neutralise(cell) for cell in header])
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
