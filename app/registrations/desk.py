"""The check-in desk on the day (« Accueil »): find a person, mark the arrival once whatever
the number of desks, undo it, register a walk-in, and the figures every desk polls."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from app import audit, clock, french
from app.accounts.models import User
from app.campaigns.models import Step, StepFormat
from app.database import affected_rows
from app.extensions import db
from app.french import fold
from app.participants import category_label
from app.registrations import services, tokens
from app.registrations.models import Attendance, Registration, RegistrationStatus

# A phone's screen shows a handful; the list stays a tap away from the name.
MAX_RESULTS = 12


def _expected_at_the_door():
    """Confirmed registrations of people coming in person (online ones of a hybrid step
    never pass the door)."""
    return sa.and_(Registration.status == RegistrationStatus.CONFIRMED,
                   sa.or_(Registration.attendance.is_(None),
                          Registration.attendance != Attendance.ONLINE))


def search(step: Step, text: str) -> list[Registration]:
    """Confirmed people of the step whose name, email or organisation holds every typed
    word, accents and case aside. Folded in Python: SQLite has no unaccent, and a step has
    at most a few hundred registrations."""
    words = fold(text).split()
    if not words:
        return []
    people = db.session.scalars(
        sa.select(Registration).where(Registration.step_id == step.id, _expected_at_the_door())
        .order_by(sa.func.lower(Registration.last_name), sa.func.lower(Registration.first_name),
                  Registration.id))
    found = [person for person in people
             if all(word in fold(" ".join((person.first_name, person.last_name, person.email,
                                           person.organisation))) for word in words)]
    return found[:MAX_RESULTS]


def arrival_time(registration: Registration) -> str:
    """« 14 h 02 », Paris time."""
    moment = registration.checked_in_at
    return french.time_label(moment.astimezone(clock.PARIS).time()) if moment else ""


def _set_arrival(registration: Registration, user: User, arrived: bool) -> bool:
    """One conditional UPDATE: two desks racing on the same person change it once; False
    when another desk (or an earlier click) already did."""
    where = ((Registration.checked_in_at.is_(None),
              Registration.status == RegistrationStatus.CONFIRMED) if arrived
             else (Registration.checked_in_at.is_not(None),))
    changed = affected_rows(db.session.execute(
        sa.update(Registration).where(Registration.id == registration.id, *where)
        .values(checked_in_at=clock.now() if arrived else None)
        .execution_options(synchronize_session=False)
    )) == 1
    if changed:
        # The registration's number, not the person's name: the audit log is never purged.
        action, summary = (("registration.check_in", "Présence enregistrée") if arrived
                           else ("registration.check_out", "Arrivée annulée"))
        audit.record(action, registration, summary, user=user)
    db.session.commit()
    db.session.refresh(registration)
    return changed


def check_in(registration: Registration, user: User) -> bool:
    """Mark the arrival; False when the person was already present."""
    return _set_arrival(registration, user, arrived=True)


def undo_check_in(registration: Registration, user: User) -> bool:
    """« Annuler l'arrivée »; False when nobody had marked it (another desk undid it)."""
    return _set_arrival(registration, user, arrived=False)


def by_check_in_code(step: Step, code: str) -> Registration | None:
    """The registration a confirmation's QR code (its URL, or the token typed by hand)
    names, if it is one of this step's; tokens.TokenError when the code is not valid."""
    token = code.strip().rstrip("/").rsplit("/", 1)[-1]
    registration = services.by_uuid(tokens.read(token, tokens.CHECK_IN_SALT))
    return registration if registration is not None and registration.step_id == step.id \
        else None


def register_walk_in(step: Step, first_name: str, last_name: str, category: str, email: str,
                     user: User) -> Registration:
    """Someone who comes without registering: confirmed, present at once, counted apart.
    No mail: they are at the desk (and may have given no address)."""
    if email and services.active_registration(step.id, email):
        raise services.RegistrationError(
            "Cette adresse est déjà inscrite à l’étape : recherchez la personne par son nom.")
    registration = Registration(step_id=step.id, status=RegistrationStatus.CONFIRMED,
                                first_name=first_name, last_name=last_name, email=email or "",
                                category=category, walk_in=True, checked_in_at=clock.now(),
                                attendance=Attendance.ON_SITE if step.format is StepFormat.HYBRID
                                else None)
    db.session.add(registration)
    audit.record("registration.walk_in", registration, "Inscription sur place", user=user)
    db.session.commit()
    return registration


@dataclass
class Line:
    label: str
    present: int = 0
    expected: int = 0
    walk_ins: int = 0


@dataclass
class Counter:
    """« 42 présents / 60 attendus », overall and by category. Walk-ins are present but were
    not expected."""

    present: int = 0
    expected: int = 0
    walk_ins: int = 0
    by_category: dict[str, Line] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """« 42 présents / 60 attendus »."""
        return (f"{french.plural(self.present, 'présent')} / "
                f"{french.plural(self.expected, 'attendu')}")

    @property
    def walk_ins_label(self) -> str:
        return f"dont {french.plural(self.walk_ins, 'inscrit', 'inscrits')} sur place"

    def as_json(self) -> dict:
        return {"present": self.present, "expected": self.expected, "walk_ins": self.walk_ins,
                "label": self.label, "walk_ins_label": self.walk_ins_label,
                "categories": [{"code": code, "label": line.label, "present": line.present,
                                "expected": line.expected, "walk_ins": line.walk_ins}
                               for code, line in self.by_category.items()]}


def counter(step: Step) -> Counter:
    """The desk's figures, in one grouped query (polled by every desk every few seconds)."""
    rows = db.session.execute(
        sa.select(Registration.category, Registration.walk_in,
                  Registration.checked_in_at.is_not(None), sa.func.count())
        .where(Registration.step_id == step.id, _expected_at_the_door())
        .group_by(Registration.category, Registration.walk_in,
                  Registration.checked_in_at.is_not(None))
        .order_by(Registration.category))
    total = Counter()
    for category, walk_in, present, number in rows:
        line = total.by_category.setdefault(category, Line(category_label(category)))
        for figures in (total, line):
            figures.present += number if present else 0
            figures.walk_ins += number if walk_in else 0
            figures.expected += 0 if walk_in else number
    return total


def arrivals(step: Step, since: datetime | None = None) -> list[Registration]:
    """Who is present, latest first: what the other desks show as it happens."""
    query = (sa.select(Registration)
             .where(Registration.step_id == step.id, Registration.checked_in_at.is_not(None),
                    _expected_at_the_door())
             .order_by(Registration.checked_in_at.desc(), Registration.id.desc()))
    if since is not None:
        query = query.where(Registration.checked_in_at > since)
    return list(db.session.scalars(query))
