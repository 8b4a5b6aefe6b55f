"""Reschedule, cancel and copy in the back office (issue 14, points 10, 11 and 16): who is
told, counted before and after; the change mail's former and new dates; one error per field
on the copy form, whose target is unmistakable; no line break in a step's one-line fields."""

from __future__ import annotations

import re
from datetime import date, time

import lxml.html
import pytest
import sqlalchemy as sa

from app import notifications
from app.accounts.models import Role
from app.campaigns.models import Step, StepStatus
from app.campaigns.services import recipients
from app.extensions import db
from app.forms import DATE_INVALID, ONE_LINE, TIME_INVALID
from app.mail import OutboundMail
from app.press.models import PressAccreditation, PressCampaignFollow, PressFollow
from app.registrations.models import Registration, RegistrationStatus
from tests.campaigns.test_manage_steps import step_form
from tests.factories import make_campaign, make_departement, make_step, make_user
from tests.helpers import login_as, post_form

TITLE = "Concertation CNR santé — Aveyron"


@pytest.fixture(autouse=True)
def before_the_step(app):
    """Early November 2022: the Aveyron step (9 December) is to come."""
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"


@pytest.fixture
def aveyron(client):
    """A published step, 9 December 2022 from 10 h to 16 h (Paris), with: two active
    registrants, one waitlisted; a walk-in without address and a cancelled registration
    (not told); a journalist following the step, another following the whole démarche;
    its organiser signed in."""
    campaign = make_campaign(title="CNR santé — Occitanie 2022")
    territory = make_departement("12", "Aveyron", "Rodez", parent=campaign.territory)
    step = make_step(campaign, territory, title=TITLE, venue="Hôpital de Rodez",
                     day=date(2022, 12, 9), start_time=time(10), end_time=time(16))
    people = [("Camille", "camille@example.org", RegistrationStatus.CONFIRMED),
              ("Dominique", "dominique@example.org", RegistrationStatus.WAITLISTED),
              ("Sans", "", RegistrationStatus.CONFIRMED),
              ("Partie", "partie@example.org", RegistrationStatus.CANCELLED)]
    for first_name, email, status in people:
        db.session.add(Registration(step=step, status=status, first_name=first_name,
                                    last_name="Test", email=email, category="citoyens",
                                    walk_in=not email))
    follower = PressAccreditation(name="Jean Presse", outlet="La Dépêche",
                                  email="jean@presse.example")
    db.session.add(PressFollow(accreditation=follower, step=step))
    whole = PressAccreditation(name="Lou Radio", outlet="France Bleu",
                               email="lou@radio.example")
    db.session.add(PressCampaignFollow(accreditation=whole, campaign=campaign))
    db.session.commit()
    login_as(client, make_user(Role.ORGANISER, [territory]))
    return step


def mails() -> list[OutboundMail]:
    return list(db.session.scalars(sa.select(OutboundMail).order_by(OutboundMail.id)))


def page_text(response) -> str:
    return " ".join(lxml.html.fromstring(response.get_data(as_text=True)).text_content().split())


def plain_text(row: OutboundMail) -> str:
    """The mail as the worker writes it (app.notifications), its text part."""
    db.session.expire_all()  # the step as the request left it, as the worker reads it
    message = notifications.compose(row)
    return message.get_body(preferencelist=("plain",)).get_content()


# ------------------------------------------------------------------ reschedule and cancel


def test_reschedule_page_says_who_will_be_told(client, aveyron):
    text = page_text(client.get(f"/gestion/etapes/{aveyron.id}/reprogrammer"))
    # The walk-in without address and the cancelled registration get nothing; the
    # journalist of the whole démarche is invited once the step is rescheduled.
    assert ("Seront prévenus par courriel du changement, avec l’ancienne et la nouvelle "
            "date : 2 inscrits et 2 journalistes qui suivent l’étape.") in text
    assert "camille@example.org" not in text and "Jean Presse" not in text


def test_reschedule_queues_what_it_announced_and_says_how_many(client, aveyron):
    announced = recipients(aveyron, "moved")
    response = post_form(client, f"/gestion/etapes/{aveyron.id}/reprogrammer",
                         {"schedule": "timed", "day": "2022-12-16", "start_time": "14:00",
                          "end_time": "17:00"}, follow_redirects=True)
    queued = mails()
    assert announced.total == len(queued) == 4
    assert sorted(row.recipient for row in queued) == [
        "camille@example.org", "dominique@example.org", "jean@presse.example",
        "lou@radio.example"]
    assert ("La date de l’étape est mise à jour. 4 courriels en file d’envoi : 2 inscrits et "
            "2 journalistes qui suivent l’étape sont prévenus.") in page_text(response)


def test_change_mails_give_the_former_and_the_new_date_in_paris_time(client, aveyron):
    post_form(client, f"/gestion/etapes/{aveyron.id}/reprogrammer",
              {"schedule": "timed", "day": "2022-12-16", "start_time": "14:00",
               "end_time": "17:00"})
    by_purpose = {row.purpose: row for row in mails()}
    registrant = plain_text(by_purpose["registration.step_changed"])
    assert "Ancienne date : vendredi 9 décembre 2022, de 10 h à 16 h" in registrant
    assert "Nouvelle date : vendredi 16 décembre 2022, de 14 h à 17 h" in registrant
    # Wall-clock times of Rodez, not UTC (13 h – 16 h).
    assert "13 h" not in registrant
    journalist = plain_text(by_purpose["press.moved"])
    assert "Ancienne date : vendredi 9 décembre 2022, de 10 h à 16 h" in journalist
    assert "Nouvelle date : vendredi 16 décembre 2022, de 14 h à 17 h" in journalist
    # The newcomer from the whole démarche gets an invitation, not a « change ».
    assert "Ancienne date" not in plain_text(by_purpose["press.followed"])


def test_postponed_step_mail_recalls_the_date_it_had(client, aveyron):
    post_form(client, f"/gestion/etapes/{aveyron.id}/reprogrammer", {"schedule": "unknown"})
    rows = mails()
    # « Date à venir »: no invitation to the démarche's journalist for an undated step.
    assert len(rows) == 3
    [row] = [row for row in rows if row.recipient == "camille@example.org"]
    text = plain_text(row)
    assert "reportée à une date à préciser" in text
    assert "Date prévue jusqu’ici : vendredi 9 décembre 2022, de 10 h à 16 h" in text


def test_undated_step_preview_counts_the_invitations_its_date_will_send(client, aveyron):
    aveyron.day = aveyron.start_time = aveyron.end_time = None
    db.session.commit()
    text = page_text(client.get(f"/gestion/etapes/{aveyron.id}/reprogrammer"))
    assert ": 2 inscrits et 2 journalistes qui suivent l’étape." in text
    post_form(client, f"/gestion/etapes/{aveyron.id}/reprogrammer",
              {"schedule": "date_only", "day": "2022-12-16"})
    assert len(mails()) == 4
    # Its cancellation, undated, reaches the registrants only: no calendar entry to withdraw.
    db.session.refresh(aveyron)
    assert recipients(aveyron, "cancelled").journalists == 2  # both follow it now
    aveyron.day = None
    db.session.commit()
    assert recipients(aveyron, "cancelled").journalists == 0


def test_nothing_changed_nobody_told(client, aveyron):
    response = post_form(client, f"/gestion/etapes/{aveyron.id}/reprogrammer",
                         {"schedule": "timed", "day": "2022-12-09", "start_time": "10:00",
                          "end_time": "16:00"}, follow_redirects=True)
    assert mails() == []
    assert "Personne n’a été prévenu par courriel." in page_text(response)


def test_cancel_page_says_who_will_be_told_and_counts_what_was_queued(client, aveyron):
    text = page_text(client.get(f"/gestion/etapes/{aveyron.id}/annuler"))
    # A cancelled step is not offered to the whole démarche's journalist.
    assert ("Seront prévenus par courriel de l’annulation : 2 inscrits et 1 journaliste qui "
            "suit l’étape.") in text
    response = post_form(client, f"/gestion/etapes/{aveyron.id}/annuler",
                         {"reason": "Salle indisponible"}, follow_redirects=True)
    queued = mails()
    assert len(queued) == recipients(aveyron, "cancelled").total == 3
    assert {row.purpose for row in queued} == {"registration.step_cancelled", "press.cancelled"}
    assert ("L’étape est annulée. 3 courriels en file d’envoi : 2 inscrits et 1 journaliste "
            "qui suit l’étape sont prévenus.") in page_text(response)


def test_a_draft_tells_nobody(client, aveyron):
    aveyron.status = StepStatus.DRAFT
    db.session.commit()
    text = page_text(client.get(f"/gestion/etapes/{aveyron.id}/reprogrammer"))
    assert "L’étape est un brouillon : personne n’est prévenu du changement" in text
    post_form(client, f"/gestion/etapes/{aveyron.id}/reprogrammer",
              {"schedule": "date_only", "day": "2022-12-16"})
    assert mails() == []


def test_anonymised_registrant_is_neither_counted_nor_written_to(client, aveyron):
    camille = db.session.scalar(sa.select(Registration).where(
        Registration.email == "camille@example.org"))
    from app.registrations.services import anonymise
    anonymise(camille)
    db.session.commit()
    assert recipients(aveyron, "cancelled").registrants == 1
    post_form(client, f"/gestion/etapes/{aveyron.id}/annuler", {"reason": ""})
    assert [row.recipient for row in mails() if row.purpose.startswith("registration")] == [
        "dominique@example.org"]


# ------------------------------------------------------------------ copy


def errors_by_field(html: str) -> dict[str, list[str]]:
    """The messages shown under each field (the DSFR message group named after it)."""
    document = lxml.html.fromstring(html)
    return {group.get("id").removesuffix("-messages"):
            [p.text_content().strip() for p in group.xpath(".//p")]
            for group in document.xpath("//div[contains(@class, 'fr-messages-group')]")}


def test_copy_with_bad_values_shows_one_error_per_field(client, aveyron):
    url = f"/gestion/etapes/{aveyron.id}/copier"
    response = post_form(client, url, {"territory_id": aveyron.territory_id,
                                       "schedule": "timed", "day": "2022-13-45",
                                       "start_time": "25:00", "end_time": "midi"})
    assert response.status_code == 200
    assert errors_by_field(response.get_data(as_text=True)) == {
        "day": [DATE_INVALID], "start_time": [TIME_INVALID], "end_time": [TIME_INVALID]}
    blank = post_form(client, url, {"territory_id": aveyron.territory_id,
                                    "schedule": "timed", "day": "", "start_time": "",
                                    "end_time": ""})
    assert errors_by_field(blank.get_data(as_text=True)) == {
        "day": ["Indiquez la date, ou choisissez « Date à venir »."],
        "start_time": ["Indiquez l’heure de début, ou choisissez « Date seule »."],
        "end_time": ["Indiquez l’heure de fin."]}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Step)) == 1


def test_failed_copy_names_its_target_and_offers_nothing_on_the_original(client, aveyron):
    response = post_form(client, f"/gestion/etapes/{aveyron.id}/copier",
                         {"territory_id": aveyron.territory_id, "schedule": "timed",
                          "day": "2022-12-16", "start_time": "", "end_time": ""})
    html = response.get_data(as_text=True)
    document = lxml.html.fromstring(html)
    heading = " ".join(document.findtext(".//h1").split())
    assert heading == (f"Copier l’étape « {TITLE} » (Aveyron, 9 décembre 2022) vers une "
                       "nouvelle étape")
    assert "La nouvelle étape n’est pas encore créée" in page_text(response)
    # No menu of the original's actions: only the way back to it, saying so.
    assert document.xpath("//nav[contains(@class, 'concerto-step-nav')]") == []
    links = {" ".join(a.text_content().split()): a.get("href") for a in document.iter("a")}
    assert f"/gestion/etapes/{aveyron.id}/annuler" not in links.values()
    assert links["Revenir à l’étape d’origine, sans la copier"] == (
        f"/gestion/etapes/{aveyron.id}/modifier")
    assert document.xpath("//button[@type='submit']")[-1].text_content().strip() == (
        "Créer la nouvelle étape")


def test_copy_leads_to_the_new_step_and_names_it(client, aveyron):
    response = post_form(client, f"/gestion/etapes/{aveyron.id}/copier",
                         {"territory_id": aveyron.territory_id, "schedule": "date_only",
                          "day": "18/11/2022"})
    copy = db.session.scalar(sa.select(Step).where(Step.id != aveyron.id))
    assert response.headers["Location"] == f"/gestion/etapes/{copy.id}/modifier"
    assert copy.day == date(2022, 11, 18) and copy.status is StepStatus.DRAFT
    text = page_text(client.get(response.headers["Location"]))
    assert (f"Nouvelle étape créée en brouillon : « {TITLE} » (Aveyron, 18 novembre 2022)."
            in text)
    assert mails() == []  # a copy is a draft: it tells nobody


# ------------------------------------------------------------------ one-line fields


@pytest.mark.parametrize("field", ["title", "city", "venue", "address"])
def test_line_break_in_a_one_line_step_field_is_refused_and_typing_kept(client, aveyron,
                                                                        field):
    data = step_form(aveyron.campaign, aveyron.territory,
                     **{field: "Rodez\r\nCentre", "description": "Ligne 1\r\nLigne 2"})
    response = post_form(client, "/gestion/etapes/nouvelle", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert errors_by_field(html) == {field: [ONE_LINE]}
    document = lxml.html.fromstring(html)
    kept = {name: document.get_element_by_id(name).value
            for name in ("title", "city", "venue", "address", "description")}
    # (A textarea's first line break is not part of its value.)
    assert kept["description"].lstrip("\r\n").replace("\r\n", "\n") == "Ligne 1\nLigne 2"
    assert re.sub(r"\s+", " ", kept[field]) == "Rodez Centre"
    assert kept["title" if field != "title" else "city"] == (
        data["title" if field != "title" else "city"])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Step)) == 1


def test_line_break_in_an_edited_title_is_refused(client, aveyron):
    data = step_form(aveyron.campaign, aveyron.territory, title="Aveyron\nbis")
    response = post_form(client, f"/gestion/etapes/{aveyron.id}/modifier", data)
    assert response.status_code == 200 and ONE_LINE in response.get_data(as_text=True)
    db.session.refresh(aveyron)
    assert aveyron.title == TITLE


def test_control_character_in_description_is_refused(client, aveyron):
    data = step_form(aveyron.campaign, aveyron.territory, description="Texte\x07")
    html = post_form(client, f"/gestion/etapes/{aveyron.id}/modifier", data).get_data(
        as_text=True)
    assert errors_by_field(html) == {"description": [
        "Ce champ contient des caractères invisibles non autorisés : retapez-le sans "
        "copier-coller de caractères spéciaux."]}
