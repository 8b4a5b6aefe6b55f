"""A citizen types a proposal close to one of Ariège's published CNR proposals (demo seed): the
form stops once, shows it with what was typed intact, and lets them send anyway or support the
existing one instead. Clicked by visible text at both widths."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.contributions.models import Contribution
from app.extensions import db
from tests.browser.conftest import ARTIFACTS, click_text, screenshot
from tests.browser.test_public_pages_in_chromium import assert_accessible

pytestmark = pytest.mark.browser

SEEDED = "Libérer du temps médical."
TYPED = {
    "#title": "Du temps pour soigner",
    "#body": "Libérer du temps médical pour les médecins généralistes.\n"
             "Moins de papiers, plus de consultations.",
    "#pseudonym": "Lou des Pyrénées",
    "#email": "lou@example.org",
}
SELECTED = {"#territory_id": "Ariège (09)", "#challenge_id": "L’accès aux soins",
            "#age_range": "45 à 64 ans", "#category": "Usagers et associations d’usagers"}


def open_form(page, live_server, seeded) -> str:
    seeded.campaign.contributions_open = True
    db.session.commit()
    slug = seeded.campaign.slug
    page.goto(f"{live_server}/demarches/{slug}/contribuer")
    return slug


def type_proposal(page) -> None:
    """Everything a person fills in, a proposal being the default kind."""
    expect(page.get_by_label("Proposition", exact=True)).to_be_checked()
    for selector, value in TYPED.items():
        page.fill(selector, value)
    for selector, label in SELECTED.items():
        page.select_option(selector, label=label)
    click_text(page, "button", "Envoyer ma contribution")


def assert_everything_typed_is_still_there(page) -> None:
    expect(page.get_by_label("Proposition", exact=True)).to_be_checked()
    for selector, value in TYPED.items():
        assert page.input_value(selector) == value, selector
    for selector, label in SELECTED.items():
        selected = page.locator(f"{selector} option:checked").inner_text()
        assert selected == label, selector


def suggestion(page):
    notice = page.get_by_role("region", name="Des propositions proches existent déjà")
    expect(notice).to_be_visible()
    expect(notice.get_by_text(SEEDED, exact=True)).to_be_visible()
    return notice


def proposals_typed() -> list[Contribution]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Contribution).where(
        Contribution.title == TYPED["#title"])))


def test_a_close_proposal_is_shown_before_sending_and_can_be_sent_anyway(sized_page,
                                                                          live_server, seeded):
    page = sized_page
    slug = open_form(page, live_server, seeded)
    type_proposal(page)
    notice = suggestion(page)
    assert proposals_typed() == []  # nothing sent yet
    expect(notice.get_by_role("button", name="Soutenir cette proposition")).to_be_visible()
    assert_everything_typed_is_still_there(page)
    # Seen at once after the page comes back, without scrolling.
    expect(page.get_by_role("heading", name="Des propositions proches existent déjà")
           ).to_be_in_viewport()
    page.screenshot(path=str(ARTIFACTS / f"proposition-proche-{page.viewport_name}-ecran.png"))
    assert_accessible(page, f"proposition-proche-{page.viewport_name}")
    click_text(page, "button", "Envoyer quand même ma proposition")
    page.wait_for_url(f"**/demarches/{slug}/contributions")
    expect(page.get_by_text("Merci ! Votre contribution est enregistrée")).to_be_visible()
    [proposal] = proposals_typed()
    assert (proposal.body.replace("\r\n", "\n"), proposal.pseudonym, proposal.email,
            proposal.territory.code, proposal.challenge.code, proposal.age_range) == (
        TYPED["#body"], TYPED["#pseudonym"], TYPED["#email"], "09", "acces-aux-soins", "45-64")


def test_a_citizen_supports_the_close_proposal_instead(sized_page, live_server, seeded):
    page = sized_page
    open_form(page, live_server, seeded)
    type_proposal(page)
    notice = suggestion(page)
    click_text(page, "button", "Soutenir cette proposition")
    page.wait_for_url(re.compile(r"/contributions/C-\d{6}$"))
    expect(page.get_by_text("Merci pour votre soutien.")).to_be_visible()
    expect(page.get_by_text(SEEDED).first).to_be_visible()
    screenshot(page, f"proposition-proche-soutenue-{page.viewport_name}")
    assert proposals_typed() == []
    supported = db.session.scalar(sa.select(Contribution).where(Contribution.body == SEEDED))
    assert supported.support_count == 1
    assert notice.count() == 0  # the page left the form
