"""The mail outbox on the real database and a real SMTP server: a mail commits with its change,
each mail goes once whoever sends it, failures wait longer each time."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlalchemy import event

from app import mail, mail_delivery
from app.extensions import db
from app.mail import MailStatus, OutboundMail
from app.registrations import services
from app.registrations.models import Registration
from tests.operations.servers import free_port
from tests.registrations.helpers import form, open_step

NOW = "2022-11-03T12:00"


@pytest.fixture
def step(app):
    app.config["CONCERTO_NOW"] = NOW
    return open_step(capacity=30)


def _values(step, email: str) -> dict:
    data = form(step, email=email)
    fields = ("first_name", "last_name", "email", "phone", "organisation", "departement_id",
              "category", "subcategory", "workshop_id", "accessibility_needs")
    return {field: data[field] for field in fields}


def _mails() -> list[OutboundMail]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboundMail).order_by(OutboundMail.id)))


def test_a_registration_commits_its_seat_and_its_mail_in_one_transaction(app, step, smtp):
    commits = []
    listener = lambda _session: commits.append(1)  # noqa: E731
    event.listen(db.session(), "after_commit", listener)
    try:
        registration = services.register(step, _values(step, "une@example.org"), {})
    finally:
        event.remove(db.session(), "after_commit", listener)
    assert len(commits) == 1
    [queued] = _mails()
    assert (queued.related_type, queued.related_id) == ("registration", registration.id)
    assert queued.purpose == "registration.confirmed"
    # Composed by the worker (here, at once after the commit): text, invitation, QR code.
    assert queued.status is MailStatus.SENT and queued.message
    [received] = smtp.to("une@example.org")
    names = {part.get_filename() for part in received.iter_attachments()}
    assert names == {"invitation.ics", "code-accueil.png"}


def test_a_rolled_back_change_sends_nothing(app, step, smtp):
    registration = Registration(step=step, status=services.RegistrationStatus.CONFIRMED,
                                answers={}, consented_at=datetime.now(UTC),
                                **_values(step, "annulee@example.org"))
    db.session.add(registration)
    db.session.flush()
    services.notifications.to_registrant(registration, "confirmed")
    db.session.rollback()
    db.session.add(step)
    db.session.commit()  # a later commit of the same session runs no forgotten job
    assert _mails() == []
    assert smtp.messages == []


def _pending_mail(recipient: str = "x@example.org") -> int:
    message = mail.compose(recipient, "Objet", "Texte")
    queued = OutboundMail(recipient=recipient, subject="Objet", purpose="test",
                          message=mail.as_bytes(message))
    db.session.add(queued)
    db.session.commit()
    return queued.id


def test_one_claim_wins_and_a_lapsed_lease_is_taken_over_once(app):
    mail_id = _pending_mail()
    assert mail_delivery.claim(mail_id) is not None
    assert mail_delivery.claim(mail_id) is None  # held by the first worker
    db.session.execute(sa.update(OutboundMail).values(
        lease_until=datetime.now(UTC) - timedelta(seconds=1)))
    db.session.commit()
    before = mail_delivery.LEASE_TAKEOVERS._value.get()
    taken = mail_delivery.claim(mail_id)
    assert taken is not None and taken.attempts == 2
    assert mail_delivery.LEASE_TAKEOVERS._value.get() == before + 1
    # The first worker, late, records its outcome: ignored, the mail is the second one's.
    mail_delivery._finish(mail_id, attempt=1)
    [row] = _mails()
    assert row.status is MailStatus.SENDING and row.attempts == 2


def test_failures_wait_longer_each_time_then_the_mail_goes(app, smtp):
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()  # nothing listens there
    mail_id = _pending_mail()
    waits = []
    for attempt in (1, 2, 3):
        started = datetime.now(UTC)
        assert mail_delivery.deliver(mail_id) is False
        [row] = _mails()
        assert row.status is MailStatus.PENDING and row.attempts == attempt
        assert "Connection" in row.last_error
        waits.append(round((row.next_attempt_at - started).total_seconds()))
        assert mail_delivery.deliver(mail_id) is None  # not due yet
        db.session.execute(sa.update(OutboundMail).values(next_attempt_at=None))
        db.session.commit()
    assert waits[0] in (29, 30) and waits[1] in (59, 60) and waits[2] in (119, 120)
    app.config["MAIL_PORT"] = port
    assert mail_delivery.deliver(mail_id) is True
    [row] = _mails()
    assert row.status is MailStatus.SENT and row.last_error == "" and row.next_attempt_at is None
    assert len(smtp.to("x@example.org")) == 1


class _Refusing:
    async def handle_RCPT(self, server, session, envelope, address, options):
        return "550 5.1.1 Adresse inconnue"


def test_a_permanent_refusal_fails_at_once(app):
    controller = Controller(_Refusing(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        app.config.update(MAIL_BACKEND="smtp", MAIL_PORT=controller.port)
        mail_id = _pending_mail("inconnu@example.org")
        assert mail_delivery.deliver(mail_id) is False
    finally:
        controller.stop()
    [row] = _mails()
    assert row.status is MailStatus.FAILED and row.attempts == 1
    assert "550" in row.last_error


def test_workers_and_send_mail_at_once_deliver_each_mail_once(app, smtp):
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()
    ids = [_pending_mail(f"personne{number}@example.org") for number in range(40)]
    for mail_id in ids:  # the mail server was down: each has failed once, and waits
        mail_delivery.deliver(mail_id)
    app.config["MAIL_PORT"] = port
    db.session.execute(sa.update(OutboundMail).values(next_attempt_at=None))
    db.session.commit()
    outcomes: list[tuple[int, int]] = []

    def sender(now_or_later: bool) -> None:
        with app.app_context():
            outcomes.append(mail_delivery.sweep(now_or_later=now_or_later))

    threads = [threading.Thread(target=sender, args=(flag,)) for flag in (False, False, True,
                                                                          True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    recipients = [message["To"] for message in smtp.messages]
    assert sorted(recipients) == sorted(f"personne{number}@example.org" for number in range(40))
    assert sum(sent for sent, _failed in outcomes) == 40
    assert {row.status for row in _mails()} == {MailStatus.SENT}


def test_flask_send_mail_sends_the_waiting_ones_at_once(app, smtp):
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()
    mail_delivery.deliver(_pending_mail())
    app.config["MAIL_PORT"] = port
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert "1 courriel(s) envoyé(s), 0 en échec" in result.output
    assert len(smtp.to("x@example.org")) == 1
