"""Registrant lists for spreadsheets (CSV, XLSX) and the printable sign-in sheet (PDF).

Spreadsheet-safe: UTF-8 with a BOM, an optional ';' separator for French Excel, and any cell
that a spreadsheet would read as a formula (= + - @, tab, carriage return) is neutralised.
Times are Paris times, as every time a person reads (stored in UTC).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from datetime import datetime

from flask import render_template

from app.campaigns.models import Step, StepFormat
from app.clock import PARIS, now
from app.documents.models import PreparedDocument
from app.documents.services import Built, DocumentError
from app.extensions import db
from app.participants import PROFESSIONAL_TYPES, category_label
from app.registrations.models import Attendance, Registration, RegistrationQuestion
from app.spreadsheets import csv_document

# Enough lines for those who come without registering, on the sign-in sheet.
MIN_BLANK_ROWS = 10


def paris_time(moment: datetime) -> str:
    """« 03/11/2022 12:00 »: a stored (UTC) moment as read in Paris."""
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")


def rows(registrations: Iterable[Registration], questions: list[RegistrationQuestion],
         hybrid: bool = False) -> tuple[list[str], list[list[object]]]:
    """Header and lines of a registrant list; ``hybrid`` adds « Participation » (sur place or
    en ligne)."""
    header = ["Nom", "Prénom", "Courriel", "Téléphone", "Organisme", "Département",
              "Catégorie", "Type de structure", "Atelier souhaité", "Accessibilité",
              *(["Participation"] if hybrid else []), "Statut",
              "Inscrit le (heure de Paris)", "Présent",
              *[question.label for question in questions]]
    body = []
    for registration in registrations:
        attendance = (registration.attendance or Attendance.ON_SITE).label
        # CSV neutralises formulas (app.spreadsheets); XLSX types its cells as text.
        body.append([
            registration.last_name, registration.first_name, registration.email,
            registration.phone, registration.organisation,
            registration.departement.name if registration.departement else "",
            category_label(registration.category),
            PROFESSIONAL_TYPES.get(registration.subcategory, ""),
            registration.workshop.title if registration.workshop else "",
            registration.accessibility_needs, *([attendance] if hybrid else []),
            registration.status.label, paris_time(registration.created_at),
            "oui" if registration.checked_in_at else "non",
            *[registration.answers.get(str(question.id), "") for question in questions]])
    return header, body


def to_csv(header: list[str], body: list[list[object]], separator: str = ",") -> bytes:
    return csv_document(header, body, separator)


def to_xlsx(header: list[str], body: list[list[object]], title: str) -> bytes:
    from openpyxl import Workbook  # here: openpyxl loads NumPy and Pillow (25 MB)
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)  # a new workbook's one sheet, for mypy  # nosec B101
    sheet.title = title[:31]
    sheet.append(header)
    for row in body:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            cell.data_type = "s"  # never a formula, whatever the text
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(name) + 2)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def signin_sheet(document: PreparedDocument) -> Built:
    """Builder of app.documents (run by a worker): the sign-in sheet of a step's confirmed
    participants."""
    from app.registrations import queries
    from app.registrations.models import RegistrationStatus

    step = db.session.get(Step, document.subject_id)
    if step is None:
        raise DocumentError("Cette étape n’existe plus.")
    confirmed = queries.registrants(step.id, queries.RegistrantFilters(
        status=RegistrationStatus.CONFIRMED.value))
    if step.format is StepFormat.HYBRID:  # those who follow online sign nothing
        confirmed = [r for r in confirmed if r.attendance is not Attendance.ONLINE]
    return Built("application/pdf", signin_sheet_pdf(step, confirmed))


def blank_rows(registered: int) -> int:
    """Lines left blank for walk-ins: a fifth of the list, ten at least."""
    return max(MIN_BLANK_ROWS, math.ceil(registered / 5))


def signin_sheet_pdf(step: Step, registrations: list[Registration]) -> bytes:
    """The « liste d’émargement »: confirmed participants by name, with a column to sign, then
    blank lines for walk-ins; the operator's name on top, « page / pages » at the bottom."""
    from weasyprint import HTML

    html = render_template("registrations/signin_sheet.html", step=step,
                           registrations=registrations, category_label=category_label,
                           blank_rows=blank_rows(len(registrations)),
                           printed_at=paris_time(now()))
    return HTML(string=html).write_pdf()
