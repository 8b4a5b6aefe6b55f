"""Journalists: accreditation, invitations by mail (real SMTP), updates, cancellations."""

from datetime import date, time
from email import message_from_bytes
from email.policy import default as default_policy

import icalendar
import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.extensions import db
from app.mail import MailStatus, OutboundMail
from app.press.models import PressAccreditation, PressFollow
from tests.factories import make_campaign, make_departement, make_step, make_user
from tests.helpers import login_as, post_form

JOURNALIST = "claire.martin@midi-libre.example"



@pytest.fixture(autouse=True)
def before_the_steps(app):
    """The press release's day: the CNR steps are to come."""
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"

@pytest.fixture
def steps():
    campaign = make_campaign(title="CNR santé — Occitanie 2022")
    lot = make_departement("46", "Lot", "Cahors", parent=campaign.territory)
    aude = make_departement("11", "Aude", "Carcassonne", parent=campaign.territory)
    return {
        "lot": make_step(campaign, lot, title="Concertation CNR santé — Lot",
                         day=date(2022, 11, 18), start_time=time(10), end_time=time(16),
                         venue="Préfecture", press_point_time=time(12, 30)),
        "aude": make_step(campaign, aude, title="Concertation CNR santé — Aude", day=None,
                          start_time=None, end_time=None),
        "lot_territory": lot,
    }


def accreditation_form(*step_ids, **overrides) -> dict:
    data = {"name": "Claire Martin", "outlet": "Midi Libre", "email": JOURNALIST,
            "phone": "05 65 00 00 00", "steps": list(step_ids), "consent": "y"}
    data.update(overrides)
    return data


def invitation_of(message) -> tuple[icalendar.Calendar, str]:
    """The text/calendar alternative of a received mail, parsed, and its MIME method."""
    parts = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert len(parts) == 2  # the alternative and the attachment
    alternative = next(p for p in parts if p.get_filename() is None)
    method = alternative.get_param("method")
    calendar = icalendar.Calendar.from_ical(alternative.get_payload(decode=True))
    attachment = next(p for p in parts if p.get_filename() == "invitation.ics")
    assert attachment.get_param("method") == method
    return calendar, method


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_accreditation_sends_confirmation_and_invitation(client, smtp, steps):
    lot = steps["lot"]
    response = post_form(client, "/presse/accreditation",
                         accreditation_form(lot.id, steps["aude"].id))
    assert response.status_code == 302
    person = db.session.scalar(sa.select(PressAccreditation))
    assert (person.name, person.outlet, person.email) == ("Claire Martin", "Midi Libre",
                                                          JOURNALIST)
    assert len(person.follows) == 2
    received = smtp.to(JOURNALIST)
    subjects = sorted(m["Subject"] for m in received)
    # No invitation yet for the Aude step: it has no date.
    assert subjects == ["Invitation presse : Concertation CNR santé — Lot",
                        "Votre accréditation presse est enregistrée"]
    invitation = next(m for m in received if m["Subject"].startswith("Invitation"))
    calendar, method = invitation_of(invitation)
    assert method == "REQUEST" and str(calendar["method"]) == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert str(event["uid"]) == f"{lot.uid}@concerto"
    assert str(event["attendee"]) == f"mailto:{JOURNALIST}"
    assert str(event["organizer"]).startswith("mailto:")
    text = body_of(invitation)
    assert f"/etapes/{lot.id}" in text  # Outlook shows the body, not the DESCRIPTION
    assert "vendredi 18 novembre 2022, de 10 h à 16 h" in text
    assert "Point presse : à 12 h 30" in text
    assert f"/presse/accreditation/{person.token}" in text


@pytest.mark.parametrize(("overrides", "message"), [
    ({"name": ""}, "Indiquez votre nom."),
    ({"email": "pas-une-adresse"}, "Indiquez une adresse électronique valide"),
    ({"phone": "appelez-moi"}, "Indiquez un numéro de téléphone valide"),
    ({"consent": ""}, "Votre accord est nécessaire"),
    ({"steps": []}, "Choisissez au moins une étape à suivre."),
    ({"outlet": "M" * 500}, "Le nom du média ne doit pas dépasser 160 caractères."),
])
def test_bad_accreditation_is_explained_and_keeps_what_was_typed(client, steps, overrides,
                                                                 message):
    data = accreditation_form(steps["lot"].id, **overrides)
    response = post_form(client, "/presse/accreditation", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    if overrides.get("name") != "":
        assert 'value="Claire Martin"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PressAccreditation)) == 0


def test_second_accreditation_with_same_email_sends_the_manage_link(client, smtp, steps):
    post_form(client, "/presse/accreditation", accreditation_form(steps["lot"].id))
    smtp.messages.clear()
    response = post_form(client, "/presse/accreditation",
                         accreditation_form(steps["aude"].id, email=JOURNALIST.upper()))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PressAccreditation)) == 1
    [message] = smtp.to(JOURNALIST)
    assert message["Subject"] == "Gérer votre accréditation presse"
    token = db.session.scalar(sa.select(PressAccreditation.token))
    assert f"/presse/accreditation/{token}" in body_of(message)


def test_followers_get_the_same_uid_with_higher_sequence_when_a_step_moves(client, smtp,
                                                                           steps):
    lot = steps["lot"]
    post_form(client, "/presse/accreditation", accreditation_form(lot.id))
    first, _ = invitation_of(next(m for m in smtp.to(JOURNALIST)
                                  if m["Subject"].startswith("Invitation")))
    smtp.messages.clear()
    login_as(client, make_user(Role.ORGANISER, [steps["lot_territory"]]))
    post_form(client, f"/gestion/etapes/{lot.id}/reprogrammer",
              {"schedule": "timed", "day": "2022-11-25", "start_time": "14:00",
               "end_time": "17:00"})
    [update] = smtp.to(JOURNALIST)
    assert update["Subject"].startswith("Changement de date")
    calendar, method = invitation_of(update)
    assert method == "REQUEST"
    [old_event], [new_event] = first.walk("VEVENT"), calendar.walk("VEVENT")
    assert new_event["uid"] == old_event["uid"]
    assert new_event["sequence"] == old_event["sequence"] + 1
    assert new_event.decoded("dtstart").isoformat() == "2022-11-25T14:00:00+01:00"


def test_followers_are_told_when_a_step_is_cancelled(client, smtp, steps):
    lot = steps["lot"]
    post_form(client, "/presse/accreditation", accreditation_form(lot.id))
    smtp.messages.clear()
    login_as(client, make_user(Role.ORGANISER, [steps["lot_territory"]]))
    post_form(client, f"/gestion/etapes/{lot.id}/annuler", {"reason": "Intempéries"})
    [notice] = smtp.to(JOURNALIST)
    assert notice["Subject"] == "Annulation : Concertation CNR santé — Lot"
    calendar, method = invitation_of(notice)
    assert method == "CANCEL" and str(calendar["method"]) == "CANCEL"
    [event] = calendar.walk("VEVENT")
    assert str(event["status"]) == "CANCELLED"
    assert event["sequence"] == 1
    assert "ANNULÉE" in body_of(notice)


def test_followers_get_an_invitation_when_a_step_gets_its_date(client, smtp, steps):
    aude = steps["aude"]
    post_form(client, "/presse/accreditation", accreditation_form(aude.id))
    assert [m["Subject"] for m in smtp.to(JOURNALIST)] == [
        "Votre accréditation presse est enregistrée"]
    smtp.messages.clear()
    login_as(client, make_user(Role.ADMIN))
    post_form(client, f"/gestion/etapes/{aude.id}/reprogrammer",
              {"schedule": "date_only", "day": "2022-12-09"})
    [invitation] = smtp.to(JOURNALIST)
    assert invitation["Subject"] == "Invitation presse : Concertation CNR santé — Aude"
    calendar, method = invitation_of(invitation)
    assert method == "REQUEST"
    assert calendar.walk("VEVENT")[0].decoded("dtstart") == date(2022, 12, 9)


def test_manage_link_changes_follows_and_withdraws(client, smtp, steps):
    post_form(client, "/presse/accreditation", accreditation_form(steps["lot"].id))
    person = db.session.scalar(sa.select(PressAccreditation))
    smtp.messages.clear()
    url = f"/presse/accreditation/{person.token}"
    assert "Midi Libre" in client.get(url).get_data(as_text=True)
    post_form(client, url, {"steps": [steps["aude"].id]})
    [cancel] = smtp.to(JOURNALIST)  # the Lot leaves their calendar; the Aude has no date
    assert invitation_of(cancel)[1] == "CANCEL"
    assert db.session.scalars(sa.select(PressFollow.step_id)).all() == [steps["aude"].id]
    post_form(client, f"{url}/retirer", {}, token_from=url)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PressAccreditation)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PressFollow)) == 0
    assert client.get(url).status_code == 404


def test_unknown_manage_token_is_404(client):
    assert client.get("/presse/accreditation/00000000-0000-0000-0000-000000000000"
                      ).status_code == 404


def test_a_mail_server_that_is_down_loses_nothing(app, client, steps):
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=9)
    response = post_form(client, "/presse/accreditation", accreditation_form(steps["lot"].id))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PressAccreditation)) == 1
    pending = db.session.scalars(sa.select(OutboundMail)).all()
    assert {m.status for m in pending} == {MailStatus.PENDING}
    assert all(m.attempts == 1 and "Connection" in m.last_error for m in pending)


def test_flask_send_mail_delivers_what_was_pending(app, client, smtp, steps):
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = 9
    post_form(client, "/presse/accreditation", accreditation_form(steps["lot"].id))
    assert smtp.messages == []
    app.config["MAIL_PORT"] = port
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert "2 courriel(s) envoyé(s), 0 en échec" in result.output
    assert len(smtp.to(JOURNALIST)) == 2
    assert {m.status for m in db.session.scalars(sa.select(OutboundMail))} == {MailStatus.SENT}


def test_console_and_folder_backends_for_development(app, client, steps, tmp_path, capsys):
    app.config.update(MAIL_BACKEND="console")
    post_form(client, "/presse/accreditation", accreditation_form(steps["lot"].id))
    assert "Subject: Votre accr" in capsys.readouterr().out
    app.config.update(MAIL_BACKEND="folder", MAIL_FOLDER=str(tmp_path))
    post_form(client, "/presse/accreditation", accreditation_form(
        steps["lot"].id, email="autre@journal.example"))
    written = list(tmp_path.glob("*.eml"))
    assert len(written) == 2
    parsed = [message_from_bytes(path.read_bytes(), policy=default_policy) for path in written]
    assert any(invitation_of(m)[1] == "REQUEST" for m in parsed
               if m["Subject"].startswith("Invitation"))
