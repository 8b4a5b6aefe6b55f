"""The staff home page (/gestion/): what each role has to do today, and the steps it works on.
Moderators see the moderation queue and the steps of their territories with their tools;
organisers see each step's fill rate, deadlines, missing reports and syntheses to validate."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from app.accounts.models import Role
from app.campaigns.models import Step, StepStatus
from app.contributions.models import (
    Contribution,
    ContributionKind,
    ContributionReport,
    ContributionStatus,
)
from app.extensions import db
from app.registrations.models import Registration, RegistrationStatus
from app.syntheses.models import StepReport, Synthesis, SynthesisState
from tests.factories import aveyron_and_lot, make_step, make_user
from tests.helpers import count_queries, login_as

NOW = "2022-11-03T12:00"  # Paris time
TODAY = date(2022, 11, 3)


@pytest.fixture
def region(app):
    app.config["CONCERTO_NOW"] = NOW
    world = aveyron_and_lot(synthesis_deadline=date(2022, 12, 15))
    db.session.commit()
    return world


def _page(client, user) -> str:
    login_as(client, user)
    response = client.get("/gestion/")
    assert response.status_code == 200
    # Text as a person reads it: tags out, spaces joined (the template wraps its lines).
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
                    .split())


def _contribution(region, territory, created: datetime, **kw) -> Contribution:
    contribution = Contribution(campaign=region["campaign"], kind=ContributionKind.PROPOSAL,
                                body="Plus de médecins le samedi.", territory=territory,
                                created_at=created, **kw)
    db.session.add(contribution)
    db.session.flush()
    return contribution


def _report(contribution: Contribution, key: str) -> None:
    db.session.add(ContributionReport(contribution_id=contribution.id, reporter_key=key))


def test_moderator_lands_on_the_queue_and_the_steps_of_their_territories(client, region):
    aveyron = region["aveyron"]
    step = make_step(region["campaign"], aveyron, title="Concertation Aveyron")
    draft = make_step(region["campaign"], aveyron, title="Brouillon Aveyron",
                      status=StepStatus.DRAFT)
    make_step(region["campaign"], region["lot"], title="Concertation Lot")
    _contribution(region, aveyron, datetime(2022, 10, 31, 9, tzinfo=UTC))
    _contribution(region, aveyron, datetime(2022, 11, 2, 9, tzinfo=UTC))
    hidden = _contribution(region, aveyron, datetime(2022, 10, 1, tzinfo=UTC),
                           status=ContributionStatus.PUBLISHED, hidden_by_reports=True)
    reported = _contribution(region, aveyron, datetime(2022, 10, 1, tzinfo=UTC),
                             status=ContributionStatus.PUBLISHED)
    for number, contribution in enumerate((hidden, hidden, reported)):
        _report(contribution, f"visiteur-{number}")
    # The Lot's queue is not the Aveyron moderator's.
    _contribution(region, region["lot"], datetime(2022, 10, 1, tzinfo=UTC))
    moderator = make_user(Role.MODERATOR, [aveyron])

    text = _page(client, moderator)
    assert "Aucune étape" not in text
    assert "3 contributions à examiner" in text
    assert "2 contributions attendent la modération" in text
    assert "la plus ancienne depuis le lundi 31 octobre 2022 à 10 h (3 jours)" in text
    assert "2 contributions signalées par le public, dont 1 masquée" in text
    assert "Concertation Aveyron" in text and "Brouillon Aveyron" in text
    assert "Concertation Lot" not in text
    page = client.get("/gestion/").get_data(as_text=True)
    for path in (f"/gestion/etapes/{step.id}/saisie", f"/gestion/etapes/{step.id}/import",
                 f"/gestion/etapes/{step.id}/qr", f"/etapes/{step.id}/mur",
                 f"/gestion/etapes/{draft.id}/saisie", "/gestion/moderation"):
        assert f'href="{path}"' in page, path
    # A draft has no public wall yet; a moderator neither creates steps nor registers.
    assert f'href="/etapes/{draft.id}/mur"' not in page
    assert "Nouvelle étape" not in text
    assert f"/gestion/etapes/{step.id}/inscriptions" not in page
    assert f"/gestion/etapes/{step.id}/modifier" not in page


def _registrations(step: Step, **numbers: int) -> None:
    for status, count in numbers.items():
        for number in range(count):
            db.session.add(Registration(
                step=step, status=RegistrationStatus(status), first_name="Éloïse",
                last_name=f"Dupré {status} {number}", category="usagers",
                email=f"{status}{number}.{step.id}@example.org",
                consented_at=datetime(2022, 10, 1, tzinfo=UTC)))
    db.session.commit()


def test_organiser_sees_fill_rate_deadlines_missing_reports_and_syntheses(client, region):
    aveyron = region["aveyron"]
    coming = make_step(region["campaign"], aveyron, title="Rodez à venir", day=date(2022, 11, 10),
                       capacity=60, registration_closes_at=datetime(2022, 11, 6, 17, tzinfo=UTC))
    _registrations(coming, confirmed=3, waitlisted=1, pending=2, cancelled=4)
    held = make_step(region["campaign"], aveyron, title="Millau tenue", day=date(2022, 10, 20))
    reported = make_step(region["campaign"], aveyron, title="Decazeville tenue",
                         day=date(2022, 10, 21))
    db.session.add(StepReport(step_id=reported.id, discussion="Beaucoup d’échanges."))
    # The Lot's synthesis is validated, but it is not the Aveyron organiser's anyway.
    db.session.add(Synthesis(campaign=region["campaign"], territory=region["lot"],
                             state=SynthesisState.VALIDATED))
    db.session.commit()
    organiser = make_user(Role.ORGANISER, [aveyron])

    text = _page(client, organiser)
    assert "Inscriptions : 3 / 60 confirmées (5 %) · 1 en liste d’attente · 2 à valider · " \
           "clôture dans 3 jours" in text
    assert "Les inscriptions à « Rodez à venir » ferment dans 3 jours " \
           "(dimanche 6 novembre 2022 à 18 h) : 3 / 60 confirmées." in text
    assert "2 demandes d’inscription attendent votre validation pour « Rodez à venir »" in text
    assert "« Millau tenue » a eu lieu le jeudi 20 octobre 2022 : son compte rendu reste à " \
           "écrire." in text
    assert "« Decazeville tenue » a eu lieu" not in text
    assert "Synthèse — Aveyron (12) : pas encore commencée (échéance le jeudi 15 décembre " \
           "2022, dans 42 jours)" in text
    assert "Lot (46)" not in text
    page = client.get("/gestion/").get_data(as_text=True)
    assert f'href="/gestion/etapes/{held.id}/compte-rendu"' in page
    assert "/gestion/syntheses/cnr/12" in page
    # The primary action keeps its text beside its icon (a group without --icon-left shows a
    # bare square).
    assert re.search(r'fr-btns-group[^"]*fr-btns-group--icon-left[^"]*">\s*<li><a class="fr-btn '
                     r'fr-icon-add-line fr-btn--icon-left" href="/gestion/etapes/nouvelle">'
                     r"Nouvelle étape</a>", page)


def test_administrator_sees_the_queue_and_every_step(client, region):
    make_step(region["campaign"], region["aveyron"], title="Concertation Aveyron")
    make_step(region["campaign"], region["lot"], title="Concertation Lot")
    _contribution(region, region["lot"], datetime(2022, 11, 1, tzinfo=UTC))
    text = _page(client, make_user(Role.ADMIN))
    assert "1 contribution à examiner" in text
    assert "Concertation Aveyron" in text and "Concertation Lot" in text
    # Region and two départements, none validated: listed one by one.
    assert "Synthèse régionale : pas encore commencée" in text


def test_nothing_to_do_is_said_plainly(client, region):
    organiser = make_user(Role.ORGANISER, [region["aveyron"]])
    db.session.add(Synthesis(campaign=region["campaign"], territory=region["aveyron"],
                             state=SynthesisState.VALIDATED))
    db.session.commit()
    text = _page(client, organiser)
    assert "Rien d’urgent aujourd’hui." in text
    assert "Aucune étape sur vos territoires pour le moment." in text


def _fill(region, size: int) -> None:
    for number in range(size):
        territory = region["aveyron"] if number % 2 else region["lot"]
        step = make_step(region["campaign"], territory, title=f"Étape {number}",
                         day=TODAY + timedelta(days=number - size // 2), capacity=50,
                         registration_closes_at=datetime(2022, 11, 5, tzinfo=UTC))
        _registrations(step, confirmed=2, waitlisted=1, pending=1)
        _contribution(region, territory, datetime(2022, 11, 1, tzinfo=UTC))


def _statements(client) -> int:
    client.get("/gestion/")  # warm-up: what a process loads once
    with count_queries() as statements:
        assert client.get("/gestion/").status_code == 200
    return len(statements)


@pytest.mark.parametrize("role", [Role.ORGANISER, Role.MODERATOR])
def test_home_page_runs_the_same_statements_with_4_and_40_steps(client, region, role):
    user = make_user(role, [region["campaign"].territory])
    login_as(client, user)
    _fill(region, 4)
    small = _statements(client)
    _fill(region, 36)
    large = _statements(client)
    print(f"{role.value}: {large} statements")
    assert small == large
    assert large <= 16
