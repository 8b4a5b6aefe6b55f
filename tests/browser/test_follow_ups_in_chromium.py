"""« Suites données » in headless Chromium, at 1280 px and 390 px, by links only: the regional
organiser signs in from the home page, opens a retained proposal from the moderation pages,
adds its follow-up (status, progress, measure, a dated update) and saves it; then a visitor goes
from the home page to the campaign's « Suites données » page and to the proposal's page, which
show it. axe-core and a screenshot on every state."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.accounts.models import Role, User
from app.contributions import curation
from app.contributions.models import AnswerState, Contribution
from app.extensions import db
from app.followups.models import FollowUp, FollowUpStatus
from tests.browser.conftest import click, click_text, sign_in_from_the_home_page
from tests.browser.test_moderator_journey_in_chromium import check, main

pytestmark = pytest.mark.browser

ORGANISER = "organisation.occitanie@concerto.example"  # the region's: Ariège is in it
# A demo proposal of Ariège not followed up yet (app/seed/data/demo.toml).
BODY = "Développer l’usage des outils numériques en santé."
MEASURE = "Projet régional de santé 2023-2028, objectif 1.4 : assistants médicaux"
UPDATE = "Douze assistants médicaux recrutés dans les maisons de santé de l’Ariège."


def _retained() -> Contribution:
    proposal = db.session.scalar(sa.select(Contribution).where(Contribution.body == BODY))
    admin = db.session.scalar(sa.select(User).where(User.role == Role.ADMIN))
    curation.answer(proposal, AnswerState.ADOPTED, "Retenue : inscrite au projet régional.",
                    admin)
    return proposal


def _organiser_follows_up(page, live_server: str, proposal: Contribution) -> None:
    sign_in_from_the_home_page(page, live_server, ORGANISER)
    click_text(page, "link", "Modération des contributions")
    page.wait_for_url("**/gestion/moderation")
    click(page, main(page).get_by_role("link", name="Toutes les contributions"))
    page.wait_for_url("**/gestion/contributions")
    page.fill("#q", proposal.reference)
    click_text(page, "button", "Chercher")
    page.wait_for_url(f"**/gestion/contributions/{proposal.id}")
    expect(main(page).get_by_role("region", name="Suites données")).to_be_visible()
    check(page, "suivi-fiche-moderation")
    click_text(page, "link", "Ajouter un suivi")
    page.wait_for_url(f"**/gestion/contributions/{proposal.id}/suivi")
    check(page, "suivi-formulaire")
    click(page, main(page).locator("label", has_text="Engagée"))
    page.fill("#progress", "60")
    page.fill("#measure", MEASURE)
    page.fill("#update_date", "2022-11-02")
    page.fill("#update_text", UPDATE)
    click_text(page, "button", "Publier le suivi")
    page.wait_for_url(f"**/gestion/contributions/{proposal.id}")
    expect(page.get_by_text(f"Le suivi de {proposal.reference} est publié.")).to_be_visible()
    expect(main(page).get_by_role("link", name="Mettre à jour le suivi")).to_be_visible()
    check(page, "suivi-enregistre")
    db.session.expire_all()
    follow_up = db.session.scalar(sa.select(FollowUp).where(
        FollowUp.contribution_id == proposal.id))
    assert (follow_up.status, follow_up.progress, follow_up.measure) == (
        FollowUpStatus.COMMITTED, 60, MEASURE)
    assert [u.text for u in follow_up.updates] == [UPDATE]


def _visitor_reads_it(page, live_server: str, proposal: Contribution) -> None:
    page.goto(live_server)
    click_text(page, "link", "La démarche en détail")
    click_text(page, "link", "Suites données aux propositions")
    page.wait_for_url("**/demarches/*/suites")
    committed = main(page).get_by_role("region", name="Engagée")
    expect(committed).to_contain_text(proposal.reference)
    expect(committed).to_contain_text(MEASURE)
    expect(committed).to_contain_text("Avancement : 60 %")
    check(page, "suivi-suites-donnees")
    page.select_option("#departement", "09")
    click_text(page, "button", "Afficher")
    page.wait_for_url("**departement=09**")
    expect(main(page).get_by_role("heading", level=1)).to_have_text(
        "Suites données — Ariège (09)")
    expect(main(page).get_by_role("region", name="Engagée")).to_contain_text(proposal.reference)
    click(page, main(page).get_by_role("link", name=f"Proposition {proposal.reference}"))
    page.wait_for_url(f"**/contributions/{proposal.reference}")
    block = main(page).get_by_role("region", name="Suites données : Engagée")
    expect(block).to_contain_text(UPDATE)
    expect(block).to_contain_text("2 novembre 2022")
    expect(block).not_to_contain_text("Denis")  # the organisers speak, not a person
    check(page, "suivi-page-proposition")


def test_an_organiser_follows_up_a_retained_proposal_and_a_visitor_reads_it(
        browser, sized_page, live_server, seeded):
    page = sized_page
    proposal = _retained()
    _organiser_follows_up(page, live_server, proposal)
    visitor = browser.new_context(locale="fr-FR", viewport=page.viewport_size)
    try:
        public = visitor.new_page()
        public.viewport_name = page.viewport_name
        _visitor_reads_it(public, live_server, proposal)
    finally:
        visitor.close()
