"""A rush of real concurrent clients: never more confirmed than seats, no duplicate, no error.

Runs against a live server (threads) on the test database: on PostgreSQL, 500 registrations for
100 seats; on SQLite, the embedded default, a smaller rush of the same shape."""

from __future__ import annotations

import re
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.registrations import tokens
from app.registrations.models import Registration, RegistrationStatus
from tests.registrations.helpers import form, open_step

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Visitor:
    """One browser: its own cookies and CSRF token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def _token(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            return TOKEN.search(response.read().decode()).group(1)

    def post(self, path: str, data: dict, token_from: str) -> tuple[int, str]:
        body = urllib.parse.urlencode({**data, "csrf_token": self._token(token_from)}).encode()
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def _counts(step_id: int) -> dict[str, int]:
    db.session.expire_all()
    rows = db.session.execute(sa.select(Registration.status, sa.func.count())
                              .where(Registration.step_id == step_id)
                              .group_by(Registration.status))
    return {RegistrationStatus(status).value: number for status, number in rows}


@pytest.fixture
def rush_size(app):
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"
    postgres = db.engine.dialect.name == "postgresql"
    return (500, 100, 50) if postgres else (60, 20, 10)


def test_concurrent_registrations_and_cancellations_never_overbook(live_server, rush_size):
    clients, seats, cancellations = rush_size
    step = open_step(capacity=seats)
    path, base = f"/etapes/{step.id}/inscription", form(step)

    def register(number: int) -> int:  # in a worker thread: no app context here
        data = {**base, "email": f"rush{number}@example.org", "last_name": f"Rush {number}"}
        return Visitor(live_server).post(path, data, token_from="/connexion")[0]

    with ThreadPoolExecutor(max_workers=32) as pool:
        answers = list(pool.map(register, range(clients)))
    assert set(answers) == {200}  # each one followed to their management page
    assert _counts(step.id) == {"confirmed": seats, "waitlisted": clients - seats}
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

    def cancel(link: str) -> int:
        return Visitor(live_server).post(f"{link}/annuler", {}, token_from=link)[0]

    with ThreadPoolExecutor(max_workers=32) as pool:
        assert set(pool.map(cancel, links)) == {200}
    assert _counts(step.id) == {"confirmed": seats, "cancelled": cancellations,
                                "waitlisted": clients - seats - cancellations}
    promoted = db.session.scalars(sa.select(Registration.id).where(
        Registration.id.in_(first_waiting))).all()
    statuses = {r.id: r.status for r in db.session.scalars(
        sa.select(Registration).where(Registration.id.in_(promoted)))}
    assert set(statuses.values()) == {RegistrationStatus.CONFIRMED}  # first come, first served


def test_the_same_person_twice_at_once_gets_one_registration(live_server, rush_size):
    step = open_step(capacity=10)
    data, path = form(step, email="double@example.org"), f"/etapes/{step.id}/inscription"

    def register(_number: int) -> int:
        return Visitor(live_server).post(path, data, token_from="/connexion")[0]

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(register, range(10)))
    assert 500 not in answers
    assert _counts(step.id) == {"confirmed": 1}
