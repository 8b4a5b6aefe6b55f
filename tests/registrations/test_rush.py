"""A rush of real concurrent clients: never more confirmed than seats, no duplicate, no error.

Runs against a real server process — the development server with threads, as ``make run``
serves it — on the test database: on SQLite, the embedded default, 60 registrations for 20
seats; on PostgreSQL, 500 for 100. The server is waited for until it answers, and every client
waits for its own answers (generous timeouts, no fixed sleep), so a busy machine is slower, not
red."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.registrations import tokens
from app.registrations.models import Registration, RegistrationStatus
from tests.operations.faults import report
from tests.operations.servers import Visitor, dev_server
from tests.registrations.helpers import form, open_step

NOW = "2022-11-03T12:00"


def _counts(step_id: int) -> dict[str, int]:
    db.session.expire_all()
    rows = db.session.execute(sa.select(Registration.status, sa.func.count())
                              .where(Registration.step_id == step_id)
                              .group_by(Registration.status))
    return {RegistrationStatus(status).value: number for status, number in rows}


@pytest.fixture
def rush_size(app):
    app.config["CONCERTO_NOW"] = NOW
    postgres = db.engine.dialect.name == "postgresql"
    return (500, 100, 50) if postgres else (60, 20, 10)


@pytest.fixture
def server(app, tmp_path):
    # The same secret as the tests', which sign the management links below.
    with dev_server(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, CONCERTO_NOW=NOW,
                    SECRET_KEY=app.config["SECRET_KEY"]) as running:
        yield running


def _run(clients: int, job) -> list[int]:
    with ThreadPoolExecutor(max_workers=32) as pool:
        return list(pool.map(job, range(clients)))


def test_concurrent_registrations_and_cancellations_never_overbook(server, rush_size):
    clients, seats, cancellations = rush_size
    step = open_step(capacity=seats)
    path, base = f"/etapes/{step.id}/inscription", form(step)

    def register(number: int) -> int:  # in a worker thread: no app context here
        data = {**base, "email": f"rush{number}@example.org", "last_name": f"Rush {number}"}
        return Visitor(server.base).post(path, data, token_from="/connexion").status

    answers = _run(clients, register)
    counts = _counts(step.id)
    report("rush (dev server)", database=db.engine.dialect.name, clients=clients, seats=seats,
           answers=dict(Counter(answers)), registrations=counts)
    assert set(answers) == {200}, Counter(answers)  # each followed to their management page
    assert counts == {"confirmed": seats, "waitlisted": clients - seats}
    emails = db.session.scalars(sa.select(Registration.email)
                                .where(Registration.step_id == step.id)).all()
    assert len(emails) == len(set(emails)) == clients

    confirmed = db.session.scalars(sa.select(Registration).where(
        Registration.step_id == step.id, Registration.status == RegistrationStatus.CONFIRMED)
        .limit(cancellations)).all()
    first_waiting = db.session.scalars(sa.select(Registration.id).where(
        Registration.step_id == step.id, Registration.status == RegistrationStatus.WAITLISTED)
        .order_by(Registration.created_at, Registration.id).limit(cancellations)).all()
    links = [f"/inscriptions/{tokens.make(registration.uuid)}" for registration in confirmed]

    def cancel(number: int) -> int:
        link = links[number]
        return Visitor(server.base).post(f"{link}/annuler", {}, token_from=link).status

    cancelled = _run(len(links), cancel)
    assert set(cancelled) == {200}, Counter(cancelled)
    assert _counts(step.id) == {"confirmed": seats, "cancelled": cancellations,
                                "waitlisted": clients - seats - cancellations}
    statuses = set(db.session.scalars(sa.select(Registration.status).where(
        Registration.id.in_(first_waiting))))
    assert statuses == {RegistrationStatus.CONFIRMED}  # first come, first served


def test_the_same_person_twice_at_once_gets_one_registration(server, rush_size):
    step = open_step(capacity=10)
    data, path = form(step, email="double@example.org"), f"/etapes/{step.id}/inscription"

    def register(_number: int) -> int:
        return Visitor(server.base).post(path, data, token_from="/connexion").status

    answers = _run(10, register)
    assert not [status for status in answers if status >= 500], Counter(answers)
    assert _counts(step.id) == {"confirmed": 1}
