"""Participation as a person finds it, clicking in Chromium at 1280 px and 390 px: from the
home page to the contributions, a question's contributions, « Soutenir » from a filtered list
and back to the same place, a contribution's own page. Cards read and show in one order."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.contributions.models import Contribution
from app.extensions import db
from tests.browser.conftest import click, click_text, page_width, screenshot
from tests.browser.test_public_pages_in_chromium import assert_accessible

pytestmark = pytest.mark.browser


@pytest.fixture
def open_campaign(seeded):
    campaign = seeded.campaign
    campaign.contributions_open = True
    db.session.commit()
    return campaign


def _answered() -> Contribution:
    """The Ariège proposal the demo seed answers (« Service d’accès aux soins »)."""
    return db.session.scalar(sa.select(Contribution).where(Contribution.answer != ""))


def assert_page(page, name: str) -> None:
    """Accessible (axe), and no wider than the window: nothing runs off a phone's screen."""
    assert page_width(page) <= page.viewport_size["width"], "la page déborde horizontalement"
    assert_accessible(page, f"{name}-{page.viewport_name}")


def open_navigation(page) -> None:
    """On a phone the main navigation sits behind the « Menu » button."""
    if page.viewport_name == "mobile":
        click_text(page, "button", "Menu", exact=True)


def test_the_navigation_and_the_home_call_to_action_lead_to_the_contributions(
        sized_page, live_server, open_campaign):
    page = sized_page
    page.goto(live_server)
    assert_page(page, "participation-accueil")
    open_navigation(page)
    click(page, page.get_by_role("navigation", name="Menu principal")
          .get_by_role("link", name="Participer", exact=True))
    page.wait_for_url(f"**/demarches/{open_campaign.slug}/contributions")
    expect(page.locator("h1")).to_have_text("Contributions")
    expect(page.get_by_role("link", name="Participer", exact=True, include_hidden=True)) \
        .to_have_attribute("aria-current", "true")
    open_navigation(page)
    click(page, page.get_by_role("navigation", name="Menu principal")
          .get_by_role("link", name="Accueil", exact=True))
    page.wait_for_url(f"{live_server}/")
    call = page.get_by_role("link", name="Donner mon avis", exact=True)
    # Its words are seen, not clipped to an icon's width.
    assert call.evaluate("el => el.scrollWidth <= el.clientWidth && el.clientWidth > 100")
    click(page, call)
    page.wait_for_url(f"**/demarches/{open_campaign.slug}/contributions")
    expect(page.get_by_role("link", name="Contribuer", exact=True)).to_be_visible()


def test_a_question_tile_leads_to_the_contributions_of_that_question(
        sized_page, live_server, open_campaign):
    page = sized_page
    prevention = next(c for c in open_campaign.challenges if c.code == "prevention")
    page.goto(live_server)
    click_text(page, "link", "La prévention", exact=True)
    page.wait_for_url(f"**/contributions?question={prevention.id}")
    expect(page.locator("#question")).to_have_value(str(prevention.id))
    cards = page.locator("article.fr-card")
    expect(cards).to_have_count(4)  # the demo seed's four prevention proposals
    for index in range(cards.count()):
        expect(cards.nth(index).locator(".fr-badge", has_text="La prévention")).to_be_visible()


def _box_top(locator) -> float:
    box = locator.bounding_box()
    assert box is not None, "élément invisible"
    return box["y"]


def test_cards_read_and_show_title_text_tags_then_actions(sized_page, live_server,
                                                          open_campaign):
    page = sized_page
    page.goto(f"{live_server}/demarches/{open_campaign.slug}/contributions")
    assert_page(page, "participation-liste")
    card = page.locator(f"#c{_answered().id}")
    parts = [card.locator(".fr-card__title"), card.locator(".fr-card__desc"),
             card.locator(".fr-badges-group").first, card.locator(".concerto-answer"),
             card.get_by_role("button", name=re.compile("^Soutenir")),
             card.locator("summary", has_text="Signaler")]
    tops = [_box_top(part) for part in parts]
    assert tops == sorted(tops), f"ordre visuel : {tops}"
    # The order a screen reader follows is the one seen.
    handles = [part.element_handle() for part in parts]
    follows = page.evaluate("""(nodes) => nodes.slice(1).every((node, i) =>
        nodes[i].compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING)""", handles)
    assert follows
    card.scroll_into_view_if_needed()
    screenshot(page, f"participation-carte-{page.viewport_name}")


def test_support_from_a_filtered_list_lands_back_on_it_at_the_card(sized_page, live_server,
                                                                   open_campaign):
    page = sized_page
    access = next(c for c in open_campaign.challenges if c.code == "acces-aux-soins")
    target = _answered()
    page.goto(f"{live_server}/demarches/{open_campaign.slug}/contributions")
    page.get_by_label("Rechercher", exact=True).fill("service")
    page.get_by_label("Département", exact=True).select_option(label="Ariège (09)")
    page.get_by_label("Question", exact=True).select_option(label="L’accès aux soins")
    click_text(page, "button", "Afficher", exact=True)
    page.wait_for_url("**q=service**")
    filtered = urlsplit(page.url)
    expect(page.locator("article.fr-card")).to_have_count(1)
    card = page.locator(f"#c{target.id}")
    click(page, card.get_by_role("button", name=re.compile("^Soutenir")))
    page.wait_for_url(f"**#c{target.id}")
    landed = urlsplit(page.url)
    assert landed.path == filtered.path
    assert parse_qs(landed.query) == parse_qs(filtered.query)
    assert parse_qs(landed.query)["departement"] and parse_qs(landed.query)["question"] == [
        str(access.id)]
    card = page.locator(f"#c{target.id}")
    expect(card.get_by_text("Vous soutenez", exact=True)).to_be_visible()
    expect(card.get_by_text("1 soutien", exact=True)).to_be_visible()
    expect(card).to_be_in_viewport()
    expect(page.get_by_text("Merci pour votre soutien.")).to_have_count(1)
    expect(page.locator("#q")).to_have_value("service")
    assert_page(page, "participation-soutien")


def test_a_cards_title_opens_the_contribution_page_with_its_answer_and_link(
        sized_page, live_server, open_campaign):
    page = sized_page
    target = _answered()
    refused = []  # what the Content-Security-Policy blocked (an inline style or script)
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(f"{live_server}/demarches/{open_campaign.slug}/contributions")
    click(page, page.locator(f"#c{target.id}").get_by_role("link", name=target.reference))
    page.wait_for_url(f"**/contributions/{target.reference}")
    expect(page.locator("h1")).to_have_text(f"Proposition {target.reference}")
    expect(page.get_by_text("Finaliser l’installation du Service d’accès aux soins.")) \
        .to_be_visible()
    expect(page.get_by_text("Le service d’accès aux soins (SAS) a ouvert")).to_be_visible()
    share = page.get_by_label("Adresse de cette page")
    expect(share).to_have_value(f"{live_server}/contributions/{target.reference}")
    expect(share).to_have_attribute("readonly", "")
    expect(page.get_by_role("link", name="Envoyer par courriel")).to_have_attribute(
        "href", re.compile(r"^mailto:\?subject="))
    assert page.title().startswith(f"Proposition {target.reference} — ")
    assert_page(page, "participation-page")
    click_text(page, "button", "Soutenir")
    page.wait_for_url(f"**/contributions/{target.reference}")
    expect(page.get_by_text("Vous soutenez", exact=True)).to_be_visible()
    assert_page(page, "participation-page-soutenue")
    assert refused == []


def test_the_projected_wall_asks_for_nothing_missing(page, live_server, seeded):
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    page.goto(f"{live_server}/etapes/{seeded.id}/mur")
    page.goto(f"{live_server}/favicon.ico")
    assert missing == []


def test_the_campaign_page_says_the_deadline_once_and_its_questions_lead_on(
        sized_page, live_server, open_campaign):
    page = sized_page
    jobs = next(c for c in open_campaign.challenges if c.code == "metiers-de-la-sante")
    page.goto(live_server)
    click_text(page, "link", "La démarche en détail", exact=True)
    page.wait_for_url(f"**/demarches/{open_campaign.slug}")
    assert page.locator("main").inner_text().count("31 décembre 2022") == 1
    assert_page(page, "participation-demarche")
    click_text(page, "link", "Les métiers de la santé", exact=True)
    page.wait_for_url(f"**/contributions?question={jobs.id}")
    expect(page.locator("article.fr-card")).to_have_count(3)
