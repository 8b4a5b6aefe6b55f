"""/gestion/courriels: administrators see the outbox and the queue, and send failed mails
again; nobody else may."""

from __future__ import annotations

import sqlalchemy as sa

from app import mail
from app.accounts.models import Role
from app.audit import AuditEntry
from app.extensions import db
from app.mail import MailStatus, OutboundMail
from tests.factories import make_user
from tests.helpers import login_as, post_form


def _failed_mail(recipient: str) -> int:
    queued = OutboundMail(recipient=recipient, subject="Inscription confirmée : Lot",
                          purpose="registration.confirmed", status=MailStatus.FAILED,
                          attempts=8, last_error="SMTPServerDisconnected: Connexion perdue",
                          message=mail.as_bytes(mail.compose(recipient, "Objet", "Texte")))
    db.session.add(queued)
    db.session.commit()
    return queued.id


def test_an_administrator_sees_failures_and_sends_them_again(app, client, smtp):
    mail_id = _failed_mail("echec@example.org")
    login_as(client, make_user(Role.ADMIN, email="admin@ars.example"))
    dashboard = client.get("/gestion/").get_data(as_text=True)
    assert "Courriels et tâches de fond" in dashboard
    page = client.get("/gestion/courriels/").get_data(as_text=True)
    assert "Échec définitif : 1" in page
    assert "echec@example.org" in page and "SMTPServerDisconnected" in page
    assert "Dans le processus web" not in page and "Immédiate (tests)" in page
    response = post_form(client, "/gestion/courriels/renvoyer", {"mail_id": mail_id},
                         token_from="/gestion/courriels/")
    assert response.status_code == 302
    assert "1 courriel(s) remis en envoi." in client.get("/gestion/courriels/").get_data(
        as_text=True)
    db.session.expire_all()
    row = db.session.get(OutboundMail, mail_id)
    assert row.status is MailStatus.SENT and row.attempts == 1
    assert len(smtp.to("echec@example.org")) == 1
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "mail.retry"))
    assert (entry.object_type, entry.object_id) == ("outbound_mail", mail_id)
    assert "echec@example.org" not in entry.summary


def test_every_failed_mail_at_once(app, client, smtp):
    ids = [_failed_mail(f"echec{n}@example.org") for n in range(3)]
    login_as(client, make_user(Role.ADMIN))
    post_form(client, "/gestion/courriels/renvoyer", {}, token_from="/gestion/courriels/")
    db.session.expire_all()
    assert {db.session.get(OutboundMail, i).status for i in ids} == {MailStatus.SENT}
    assert len(smtp.messages) == 3


def test_organisers_and_moderators_may_not_see_the_outbox(client):
    _failed_mail("echec@example.org")
    for role in (Role.ORGANISER, Role.MODERATOR):
        login_as(client, make_user(role))
        assert client.get("/gestion/courriels/").status_code == 403
        assert post_form(client, "/gestion/courriels/renvoyer", {},
                         token_from="/gestion/").status_code == 403
    db.session.expire_all()
    assert db.session.scalar(sa.select(OutboundMail.status)) is MailStatus.FAILED
