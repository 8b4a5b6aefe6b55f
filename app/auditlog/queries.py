"""Reading the audit log: filters, pages by id (keyset: stable while entries are added),
the rows of the CSV export."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from app.audit import AuditEntry
from app.clock import PARIS
from app.extensions import db

PAGE_SIZE = 50

# What the object types (table names) are called in the filter and in the export.
OBJECT_LABELS = {
    "campaign": "Démarche", "step": "Étape", "agenda_item": "Élément de programme",
    "registration": "Inscription", "contribution": "Contribution", "synthesis": "Synthèse",
    "press_accreditation": "Accréditation presse", "press_kit_file": "Document de presse",
    "user_account": "Compte", "territory": "Territoire",
    "donnees_personnelles": "Données personnelles",
}


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: int | None = None
    since: date | None = None
    until: date | None = None  # included

    def clauses(self) -> list[sa.ColumnElement[bool]]:
        clauses: list[sa.ColumnElement[bool]] = []
        if self.actor:
            # A part of the address is enough; % and _ typed by the admin are plain characters.
            clauses.append(AuditEntry.actor.icontains(self.actor, autoescape=True))
        if self.action:
            clauses.append(AuditEntry.action == self.action)
        if self.object_type:
            clauses.append(AuditEntry.object_type == self.object_type)
        if self.object_id is not None:
            clauses.append(AuditEntry.object_id == self.object_id)
        if self.since:
            clauses.append(AuditEntry.at >= _paris_midnight(self.since))
        if self.until:
            clauses.append(AuditEntry.at < _paris_midnight(self.until + timedelta(days=1)))
        return clauses


def _paris_midnight(day: date) -> datetime:
    """Dates are read as the admin lives them: days in Paris time, stored in UTC."""
    return datetime.combine(day, time(0), tzinfo=PARIS).astimezone(UTC)


@dataclass
class Page:
    entries: list[AuditEntry]
    total: int
    newer: int | None  # cursor of the page of newer entries (``apres``), None on the first
    older: int | None  # cursor of the page of older entries (``avant``), None on the last


def page(filters: AuditFilters, before: int | None = None, after: int | None = None) -> Page:
    """Fifty entries, newest first: the first page, those older than ``before``, or those
    just newer than ``after`` (going back)."""
    clauses = filters.clauses()
    query = sa.select(AuditEntry).where(*clauses)
    if after is not None:
        found = list(db.session.scalars(query.where(AuditEntry.id > after)
                                        .order_by(AuditEntry.id.asc()).limit(PAGE_SIZE)))
        found.reverse()
    else:
        if before is not None:
            query = query.where(AuditEntry.id < before)
        found = list(db.session.scalars(query.order_by(AuditEntry.id.desc()).limit(PAGE_SIZE)))
    total = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(*clauses)) or 0
    if not found:
        return Page([], total, None, None)
    return Page(found, total,
                newer=found[0].id if _exists(clauses, AuditEntry.id > found[0].id) else None,
                older=found[-1].id if _exists(clauses, AuditEntry.id < found[-1].id) else None)


def _exists(clauses: list[sa.ColumnElement[bool]], edge: sa.ColumnElement[bool]) -> bool:
    return bool(db.session.scalar(sa.select(sa.exists().where(*clauses, edge))))


def known_actions() -> list[str]:
    """Every action the log holds, for the filter's list."""
    return list(db.session.scalars(sa.select(AuditEntry.action).distinct()
                                   .order_by(AuditEntry.action)))


def known_object_types() -> list[tuple[str, str]]:
    """(table name, French label) of every kind of object the log mentions."""
    names = db.session.scalars(sa.select(AuditEntry.object_type).distinct())
    return sorted(((name, object_label(name)) for name in names), key=lambda pair: pair[1])


def object_label(name: str) -> str:
    return OBJECT_LABELS.get(name, name)


EXPORT_HEADER = ["Numéro d’entrée", "Date (heure de Paris)", "Qui", "Action", "Type d’objet",
                 "Numéro de l’objet", "Résumé", "Modifications"]


def export_rows(filters: AuditFilters) -> Iterator[list[object]]:
    """Every matching entry, oldest first as a register reads, fetched in batches."""
    query = (sa.select(AuditEntry).where(*filters.clauses()).order_by(AuditEntry.id)
             .execution_options(yield_per=500))
    for entry in db.session.scalars(query):
        yield [entry.id, entry.at.astimezone(PARIS).strftime("%d/%m/%Y %H:%M:%S"),
               entry.actor, entry.action, object_label(entry.object_type),
               entry.object_id if entry.object_id is not None else "", entry.summary,
               "; ".join(f"{field} : {_shown(old)} → {_shown(new)}"
                         for field, (old, new) in (entry.changes or {}).items())]


def _shown(value: object) -> str:
    return "—" if value is None else str(value)
