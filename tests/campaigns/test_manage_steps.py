"""Organiser back office: create, edit, publish, reschedule, cancel and copy steps."""

from datetime import date, time

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.audit import AuditEntry
from app.campaigns.models import AgendaItem, AgendaKind, Schedule, Step, StepStatus
from app.extensions import db
from tests.factories import make_campaign, make_departement, make_step, make_user
from tests.helpers import login_as, post_form


@pytest.fixture
def aveyron_setup(client):
    campaign = make_campaign()
    aveyron = make_departement("12", "Aveyron", "Rodez", parent=campaign.territory)
    organiser = make_user(Role.ORGANISER, [aveyron])
    login_as(client, organiser)
    return campaign, aveyron, organiser


def step_form(campaign, territory, **overrides) -> dict:
    data = {"campaign_id": campaign.id, "territory_id": territory.id,
            "title": "Concertation CNR santé — Aveyron", "city": "Rodez",
            "venue": "Amphithéâtre de l’hôpital", "address": "Avenue de l’Hôpital",
            "schedule": "timed", "day": "2022-12-09", "start_time": "09:30",
            "end_time": "16:30", "format": "in_person", "capacity": "150",
            "registration_opens_at": "2022-11-10T09:00",
            "registration_closes_at": "2022-12-07T18:00", "press_point_time": "12:30",
            "description": "Conseil territorial de santé élargi."}
    data.update(overrides)
    return data


def audit_actions(step: Step) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.object_type == "step", AuditEntry.object_id == step.id)
        .order_by(AuditEntry.id)))


def test_organiser_creates_a_draft_step(client, aveyron_setup):
    campaign, aveyron, organiser = aveyron_setup
    response = post_form(client, "/gestion/etapes/nouvelle", step_form(campaign, aveyron))
    assert response.status_code == 302
    step = db.session.scalar(sa.select(Step))
    assert step.status is StepStatus.DRAFT
    assert step.schedule is Schedule.TIMED
    assert step.starts_at.isoformat() == "2022-12-09T09:30:00+01:00"
    assert step.capacity == 150
    # Registration times are typed in Paris time and stored in UTC.
    assert step.registration_opens_at.isoformat() == "2022-11-10T08:00:00+00:00"
    entry = db.session.scalar(sa.select(AuditEntry))
    assert (entry.action, entry.user_id, entry.object_id) == ("step.create", organiser.id,
                                                              step.id)


def test_step_form_keeps_local_times_when_shown_again(client, aveyron_setup):
    campaign, aveyron, _ = aveyron_setup
    post_form(client, "/gestion/etapes/nouvelle", step_form(campaign, aveyron))
    step = db.session.scalar(sa.select(Step))
    html = client.get(f"/gestion/etapes/{step.id}/modifier").get_data(as_text=True)
    assert 'value="2022-11-10T09:00"' in html
    assert 'value="09:30"' in html


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"end_time": "09:00"}, "end_time", "L’heure de fin doit être après l’heure de début."),
    ({"capacity": "-3"}, "capacity", "Indiquez un nombre de places entre 1 et 100 000."),
    ({"title": "T" * 10_000}, "title", "Le titre ne doit pas dépasser 200 caractères."),
    ({"day": "1850-11-04"}, "day", "Indiquez une date entre 2000 et 2100."),
    ({"city": "  "}, "city", "Indiquez la ville."),
    ({"day": "pas une date"}, "day", "Saisissez une date valide, au format jj/mm/aaaa."),
    ({"schedule": "date_only", "day": ""}, "day", "Indiquez la date, ou choisissez"),
    ({"format": "online", "meeting_url": ""}, "meeting_url",
     "Indiquez le lien de la réunion en ligne."),
    ({"registration_closes_at": "2022-11-01T09:00"}, "registration_closes_at",
     "La clôture des inscriptions doit suivre leur ouverture."),
])
def test_bad_input_gets_a_french_message_and_keeps_what_was_typed(
        client, aveyron_setup, overrides, field, message):
    campaign, aveyron, _ = aveyron_setup
    data = step_form(campaign, aveyron, venue="Salle des fêtes « Le Vallon »", **overrides)
    response = post_form(client, "/gestion/etapes/nouvelle", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert f'id="{field}-messages"' in html  # the message sits next to its field
    assert "Salle des fêtes « Le Vallon »" in html  # nothing typed is lost
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Step)) == 0


def test_date_only_and_unknown_precisions_drop_the_times(client, aveyron_setup):
    campaign, aveyron, _ = aveyron_setup
    post_form(client, "/gestion/etapes/nouvelle",
              step_form(campaign, aveyron, schedule="date_only", title="A"))
    post_form(client, "/gestion/etapes/nouvelle",
              step_form(campaign, aveyron, schedule="unknown", title="B"))
    steps = {s.title: s for s in db.session.scalars(sa.select(Step))}
    assert (steps["A"].day, steps["A"].start_time) == (date(2022, 12, 9), None)
    assert steps["A"].schedule is Schedule.DATE_ONLY
    assert (steps["B"].day, steps["B"].start_time) == (None, None)
    assert steps["B"].schedule is Schedule.UNKNOWN


def test_publish_makes_a_draft_public(client, aveyron_setup):
    campaign, aveyron, _ = aveyron_setup
    step = make_step(campaign, aveyron, status=StepStatus.DRAFT)
    assert client.get(f"/etapes/{step.id}").status_code == 200  # preview for its organiser
    response = post_form(client, f"/gestion/etapes/{step.id}/publier", {},
                         token_from=f"/gestion/etapes/{step.id}/modifier")
    assert response.status_code == 302
    db.session.refresh(step)
    assert step.status is StepStatus.PUBLISHED
    assert audit_actions(step) == ["step.publish"]


def test_editing_place_of_a_published_step_bumps_its_calendar_sequence(client, aveyron_setup):
    campaign, aveyron, _ = aveyron_setup
    step = make_step(campaign, aveyron, title="Concertation", city="Rodez")
    uid = step.uid
    post_form(client, f"/gestion/etapes/{step.id}/modifier",
              step_form(campaign, aveyron, title="Concertation", city="Millau"))
    db.session.refresh(step)
    assert step.city == "Millau"
    assert step.sequence == 1
    assert step.uid == uid
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "step.edit"))
    assert entry.changes["city"] == ["Rodez", "Millau"]


def test_editing_only_the_description_keeps_the_sequence(client, aveyron_setup):
    campaign, aveyron, _ = aveyron_setup
    step = make_step(campaign, aveyron, title="Concertation CNR santé — Aveyron",
                     city="Rodez", venue="Amphithéâtre de l’hôpital",
                     address="Avenue de l’Hôpital", day=date(2022, 12, 9),
                     start_time=time(9, 30), end_time=time(16, 30))
    post_form(client, f"/gestion/etapes/{step.id}/modifier",
              step_form(campaign, aveyron, description="Nouvelle présentation"))
    db.session.refresh(step)
    assert step.description == "Nouvelle présentation"
    assert step.sequence == 0


def test_reschedule_moves_the_date_and_records_it(client, aveyron_setup):
    campaign, aveyron, _ = aveyron_setup
    step = make_step(campaign, aveyron)
    response = post_form(client, f"/gestion/etapes/{step.id}/reprogrammer",
                         {"schedule": "timed", "day": "2022-12-16", "start_time": "14:00",
                          "end_time": "17:00"})
    assert response.status_code == 302
    db.session.refresh(step)
    assert (step.day, step.start_time, step.end_time) == (date(2022, 12, 16), time(14),
                                                          time(17))
    assert step.sequence == 1
    assert audit_actions(step) == ["step.reschedule"]


def test_reschedule_back_to_date_a_venir(client, aveyron_setup):
    campaign, aveyron, _ = aveyron_setup
    step = make_step(campaign, aveyron)
    post_form(client, f"/gestion/etapes/{step.id}/reprogrammer", {"schedule": "unknown"})
    db.session.refresh(step)
    assert step.schedule is Schedule.UNKNOWN


def test_cancel_keeps_the_step_listed_as_cancelled(client, aveyron_setup):
    campaign, aveyron, _ = aveyron_setup
    step = make_step(campaign, aveyron)
    response = post_form(client, f"/gestion/etapes/{step.id}/annuler",
                         {"reason": "Intempéries"})
    assert response.status_code == 302
    db.session.refresh(step)
    assert step.status is StepStatus.CANCELLED
    assert step.sequence == 1
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "step.cancel"))
    assert "Intempéries" in entry.summary
    html = client.get(f"/calendrier?demarche={campaign.slug}").get_data(as_text=True)
    assert "Annulée" in html
    # A cancelled step can no longer be edited or cancelled again.
    again = post_form(client, f"/gestion/etapes/{step.id}/annuler", {"reason": ""})
    assert "déjà annulée" in again.get_data(as_text=True)


def test_copy_keeps_everything_but_date_territory_and_uid(client, aveyron_setup):
    campaign, aveyron, organiser = aveyron_setup
    lot = make_departement("46", "Lot", "Cahors", parent=campaign.territory)
    organiser.territories.append(lot)
    db.session.commit()
    step = make_step(campaign, aveyron, venue="Salle A", capacity=120,
                     description="Présentation", press_point_time=time(12, 30))
    step.agenda_items = [AgendaItem(kind=AgendaKind.PLENARY, title="Ouverture",
                                    start_time=time(10), end_time=time(11))]
    db.session.commit()
    response = post_form(client, f"/gestion/etapes/{step.id}/copier",
                         {"territory_id": lot.id, "schedule": "date_only",
                          "day": "2022-11-18"})
    assert response.status_code == 302
    copy = db.session.scalar(sa.select(Step).where(Step.id != step.id))
    assert copy.territory_id == lot.id
    assert copy.day == date(2022, 11, 18) and copy.start_time is None
    assert copy.uid != step.uid
    assert copy.status is StepStatus.DRAFT and copy.sequence == 0
    assert (copy.title, copy.venue, copy.capacity, copy.description, copy.press_point_time) == (
        step.title, "Salle A", 120, "Présentation", time(12, 30))
    assert [item.title for item in copy.agenda_items] == ["Ouverture"]
    assert audit_actions(copy) == ["step.copy"]


def test_agenda_items_are_added_and_removed(client, aveyron_setup):
    campaign, aveyron, _ = aveyron_setup
    step = make_step(campaign, aveyron)
    challenge = campaign.challenges[0]
    post_form(client, f"/gestion/etapes/{step.id}/programme",
              {"kind": "workshop", "title": "Atelier accès aux soins", "start_time": "10:45",
               "end_time": "12:15", "challenge_id": challenge.id})
    db.session.refresh(step)
    [item] = step.agenda_items
    assert (item.kind, item.challenge_id) == (AgendaKind.WORKSHOP, challenge.id)
    html = client.get(f"/etapes/{step.id}").get_data(as_text=True)
    assert "Atelier accès aux soins" in html and "10 h 45 – 12 h 15" in html
    post_form(client, f"/gestion/etapes/{step.id}/programme/{item.id}/supprimer", {},
              token_from=f"/gestion/etapes/{step.id}/programme")
    db.session.refresh(step)
    assert step.agenda_items == []


def test_agenda_item_end_before_start_is_refused(client, aveyron_setup):
    campaign, aveyron, _ = aveyron_setup
    step = make_step(campaign, aveyron)
    response = post_form(client, f"/gestion/etapes/{step.id}/programme",
                         {"kind": "lunch", "title": "Déjeuner", "start_time": "13:00",
                          "end_time": "12:00", "challenge_id": "0"})
    assert "L’heure de fin doit être après l’heure de début." in response.get_data(as_text=True)


def test_step_history_lists_its_audit_entries(client, aveyron_setup):
    campaign, aveyron, _ = aveyron_setup
    step = make_step(campaign, aveyron)
    post_form(client, f"/gestion/etapes/{step.id}/reprogrammer",
              {"schedule": "date_only", "day": "2022-12-16"})
    html = client.get(f"/gestion/etapes/{step.id}/historique").get_data(as_text=True)
    assert "step.reschedule" in html and "2022-12-16" in html


def test_dashboard_lists_only_the_organisers_steps(client, aveyron_setup):
    campaign, aveyron, _ = aveyron_setup
    lot = make_departement("46", "Lot", "Cahors", parent=campaign.territory)
    make_step(campaign, aveyron, title="Étape Aveyron")
    make_step(campaign, lot, title="Étape Lot")
    html = client.get("/gestion/").get_data(as_text=True)
    assert "Étape Aveyron" in html and "Étape Lot" not in html
