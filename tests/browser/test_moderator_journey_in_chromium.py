"""The moderator's day in headless Chromium, at 1280 px and 390 px, from the home page by
links: the queue with its keyboard shortcuts (text above the actions), rejecting and
publishing by the buttons' visible text, redacting with the personal details marked, merging
a duplicate after a suggestion and a side-by-side comparison, separating it again, then the
room's wall with its QR code and short link. axe-core on every state."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.contributions.models import (
    Contribution,
    ContributionKind,
    ContributionMerge,
    ContributionStatus,
)
from app.extensions import db
from tests.browser.conftest import (
    CLICK_TIMEOUT_MS,
    click,
    click_text,
    page_width,
    sign_in_from_the_home_page,
)
from tests.browser.test_public_pages_in_chromium import assert_accessible

pytestmark = pytest.mark.browser

MODERATOR = "moderation@concerto.example"
TEXTS = {
    "bus": "Des navettes pour aller aux urgences la nuit depuis Langogne.",
    "off_topic": "Vive le rugby à Mende !",
    "personal": "Ma voisine Mme Durand est diabétique ; appelez-la au 06 12 34 56 78 pour "
                "le témoignage.",
    "duplicate": "Une maison de santé dans chaque canton.",
}
KEPT = "Ouvrir une maison de santé dans chaque canton de Lozère."


def main(page):
    return page.get_by_role("main")


def check(page, name: str) -> None:
    """axe-core and a screenshot, and nothing wider than the screen (no sideways scroll on a
    phone)."""
    width = page_width(page)
    assert width <= page.viewport_size["width"], f"{name} : {width} px de large"
    assert_accessible(page, f"{name}-{page.viewport_name}")


def _add(step, body: str, status: ContributionStatus) -> Contribution:
    contribution = Contribution(campaign=step.campaign, kind=ContributionKind.PROPOSAL,
                                body=body, territory=step.territory, step=step,
                                challenge=step.campaign.challenges[0], status=status)
    db.session.add(contribution)
    db.session.commit()
    return contribution


def _reload(contribution: Contribution) -> Contribution:
    db.session.expire_all()
    return db.session.get(Contribution, contribution.id)


def _card(page, contribution: Contribution):
    return page.locator(f"#carte-{contribution.id}")


def _assert_text_above_actions(page, contribution: Contribution) -> None:
    card = _card(page, contribution)
    heading = card.locator("h2").bounding_box()
    text = card.locator(".concerto-moderation-card__text").bounding_box()
    publish = card.get_by_role("button", name=f"Publier {contribution.reference}")
    reject = card.get_by_role("button", name=f"Refuser {contribution.reference}")
    assert heading["y"] + heading["height"] <= text["y"] + 1
    for action in (publish, reject):
        assert text["y"] + text["height"] <= action.bounding_box()["y"] + 1


def _current(page) -> str:
    return page.locator(".concerto-moderation-card--current").get_attribute("id")


def _queue_with_shortcuts(page, rows: dict[str, Contribution]) -> None:
    expect(main(page).get_by_text("Raccourcis clavier")).to_be_visible()
    _assert_text_above_actions(page, rows["bus"])
    assert _current(page) == f"carte-{rows['bus'].id}"
    check(page, "moderateur-file")
    page.keyboard.press("j")
    assert _current(page) == f"carte-{rows['off_topic'].id}"
    page.keyboard.press("k")
    assert _current(page) == f"carte-{rows['bus'].id}"
    page.keyboard.press("p")  # publishes the current card, the oldest
    expect(page.get_by_text(f"{rows['bus'].reference} est publiée.")).to_be_visible()
    assert _reload(rows["bus"]).status is ContributionStatus.PUBLISHED
    # The next card is now the first: « n » goes on, « k » back, « r » opens the reason.
    assert _current(page) == f"carte-{rows['off_topic'].id}"
    page.keyboard.press("n")
    assert _current(page) == f"carte-{rows['personal'].id}"
    page.keyboard.press("k")
    page.keyboard.press("r")
    reason = page.locator(f"#motif-{rows['off_topic'].id}")
    expect(reason).to_be_focused()
    page.keyboard.type("Propos sans rapport avec la santé")  # its « p » publishes nothing
    assert _reload(rows["off_topic"]).status is ContributionStatus.PENDING
    page.keyboard.press("Control+Enter")
    expect(page.get_by_text(f"{rows['off_topic'].reference} est refusée.")).to_be_visible()
    assert _reload(rows["off_topic"]).rejection_reason == "Propos sans rapport avec la santé"


def _redact(page, live_server: str, personal: Contribution) -> None:
    click_text(page, "link", f"Modifier {personal.reference}")
    page.wait_for_url(f"**/moderation/{personal.id}/modifier")
    marks = main(page).locator("#texte-surligne mark.concerto-sensitive")
    expect(marks).to_have_count(3)
    for mark in marks.all():
        expect(mark).to_be_visible()
    expect(main(page).get_by_text("3 passages pourraient permettre")).to_be_visible()
    check(page, "moderateur-caviarder")
    page.fill("#body", "Ma voisine [nom retiré] a une maladie chronique ; elle peut "
                       "témoigner.")
    click_text(page, "button", "Vérifier de nouveau")
    expect(main(page).get_by_text("Rien ne ressemble à un nom")).to_be_visible()
    check(page, "moderateur-caviarder-verifie")
    click_text(page, "button", "Enregistrer")
    page.wait_for_url(f"{live_server}/gestion/moderation")
    assert "[nom retiré]" in _reload(personal).body
    # Now « Publier » by its visible text.
    click(page, _card(page, personal).get_by_role("button", name=f"Publier {personal.reference}"))
    expect(page.get_by_text(f"{personal.reference} est publiée.")).to_be_visible()


def _merge_then_split(page, duplicate: Contribution, kept: Contribution) -> None:
    name = page.viewport_name
    click(page, _card(page, duplicate).get_by_role("link", name=duplicate.reference, exact=True))
    page.wait_for_url(f"**/gestion/contributions/{duplicate.id}")
    expect(main(page).get_by_text("Contributions proches")).to_be_visible()
    check(page, "moderateur-fiche-suggestions")
    click_text(page, "link", f"Comparer avec {kept.reference}")
    page.wait_for_url(f"**/gestion/contributions/{duplicate.id}/comparer**")
    left = main(page).get_by_role("region", name=f"Doublon : {duplicate.reference}")
    right = main(page).get_by_role("region", name=f"À conserver : {kept.reference}")
    expect(left).to_contain_text(TEXTS["duplicate"])
    expect(right).to_contain_text(KEPT)
    a, b = left.bounding_box(), right.bounding_box()
    if name == "bureau":  # side by side
        assert abs(a["y"] - b["y"]) < 2 and a["x"] + a["width"] <= b["x"] + 1
    else:  # one above the other, the duplicate first
        assert a["y"] + a["height"] <= b["y"] + 1
    check(page, "moderateur-comparer")
    assert _reload(duplicate).merged_into_id is None  # nothing before the confirmation
    click_text(page, "button", f"Confirmer la fusion de {duplicate.reference} dans "
                               f"{kept.reference}")
    page.wait_for_url(f"**/gestion/contributions/{kept.id}")
    expect(page.get_by_text(f"{duplicate.reference} est fusionnée dans {kept.reference}."))\
        .to_be_visible()
    assert _reload(duplicate).merged_into_id == kept.id
    check(page, "moderateur-fusionnee")
    click_text(page, "button", f"Séparer {duplicate.reference} de {kept.reference}")
    page.wait_for_url(f"**/gestion/contributions/{duplicate.id}")
    expect(page.get_by_text(f"{duplicate.reference} est séparée de {kept.reference}"))\
        .to_be_visible()
    expect(main(page).get_by_role("region", name="Fusions")).to_contain_text("séparées le")
    assert _reload(duplicate).merged_into_id is None
    assert _reload(duplicate).status is ContributionStatus.PENDING
    record = db.session.scalar(sa.select(ContributionMerge).where(
        ContributionMerge.duplicate_id == duplicate.id))
    assert record.undone_at is not None  # the history is kept
    check(page, "moderateur-separee")


def _wall(page, live_server: str, step) -> None:
    page.goto(f"{live_server}/gestion/etapes/{step.id}/qr")
    click_text(page, "link", "Projeter le mur pour la salle")
    page.wait_for_url(f"**/etapes/{step.id}/mur")
    qr = page.get_by_role("img", name=re.compile(rf"Code QR vers .*\/c\/{step.id}$"))
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] >= 100
    if page.viewport_name == "bureau":  # beside the title, above the contributions
        title = page.get_by_role("heading", level=1).bounding_box()
        assert qr.bounding_box()["x"] >= title["x"] + title["width"]
        assert qr.bounding_box()["y"] < page.locator(".concerto-wall__item").first \
            .bounding_box()["y"]
    link = page.locator(".concerto-wall__link")
    expect(link).to_have_text(re.compile(rf"/c/{step.id}$"))
    box = link.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    expect(page.get_by_text(KEPT)).to_be_visible(timeout=CLICK_TIMEOUT_MS)
    check(page, "moderateur-mur")


def _landing_page(page, step) -> None:
    """The moderator's home: the queue and its oldest, then the steps of the region with
    their tools (the seed's demo contributions are published: only the four added wait)."""
    summary = main(page).locator(".concerto-moderation-summary")
    expect(summary).to_contain_text("4 contributions à examiner")
    expect(summary).to_contain_text("la plus ancienne depuis le")
    card = main(page).locator(".concerto-staff-step", has_text=step.title).first
    for tool in ("Saisie en séance", "Import", "Codes QR", "Mur pour la salle"):
        expect(card.get_by_role("link", name=re.compile(f"^{tool}"))).to_be_visible()
    check(page, "moderateur-accueil")


def test_the_moderator_goes_through_the_queue_merges_and_opens_the_wall(
        sized_page, live_server, seeded):
    page = sized_page
    kept = _add(seeded, KEPT, ContributionStatus.PUBLISHED)
    rows = {key: _add(seeded, text, ContributionStatus.PENDING) for key, text in TEXTS.items()}
    sign_in_from_the_home_page(page, live_server, MODERATOR)
    _landing_page(page, seeded)
    click_text(page, "link", "Ouvrir la file de modération")
    page.wait_for_url("**/gestion/moderation")
    _queue_with_shortcuts(page, rows)
    _redact(page, live_server, rows["personal"])
    _merge_then_split(page, rows["duplicate"], kept)
    _wall(page, live_server, seeded)


def test_the_same_file_imported_twice_is_flagged_and_skipped(sized_page, live_server, seeded):
    page = sized_page
    content = ("type;texte;question\nproposition;Un bus santé qui passe dans les villages;1\n"
               "parole;J’ai attendu 9 mois pour un ophtalmologiste.;2\n").encode()
    sign_in_from_the_home_page(page, live_server, MODERATOR)
    for attempt in ("premier", "second"):
        page.goto(f"{live_server}/gestion/etapes/{seeded.id}/import")
        page.set_input_files("#file", files=[{"name": "papier.csv", "mimeType": "text/csv",
                                              "buffer": content}])
        click_text(page, "button", "Vérifier le fichier")
        expect(main(page).get_by_text("2 lignes prêtes à importer")).to_be_visible()
        if attempt == "second":
            expect(main(page).get_by_text("2 lignes déjà importées")).to_be_visible()
            expect(main(page).get_by_text("Déjà importée", exact=True)).to_have_count(2)
            expect(page.locator("#skip_already")).to_be_checked()
            check(page, "moderateur-import-deux-fois")
        click_text(page, "button", "Confirmer l’import")
        page.wait_for_url(f"**/gestion/etapes/{seeded.id}/saisie")
    expect(page.get_by_text("rien n’a été importé")).to_be_visible()
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Contribution).where(
        Contribution.step_id == seeded.id)) == 2


def test_a_row_without_a_question_gets_one_suggested_that_the_moderator_corrects(
        sized_page, live_server, seeded):
    page = sized_page
    content = ("type;texte;question\n"
               "proposition;Ouvrir une maison médicale de garde pour les soirs et les "
               "week-ends;\n").encode()
    sign_in_from_the_home_page(page, live_server, MODERATOR)
    page.goto(f"{live_server}/gestion/etapes/{seeded.id}/import")
    page.set_input_files("#file", files=[{"name": "papier.csv", "mimeType": "text/csv",
                                          "buffer": content}])
    click_text(page, "button", "Vérifier le fichier")
    question = page.get_by_label("Question de la ligne 2")
    expect(question).to_have_value(str(_question(seeded, "permanence-des-soins").id))
    expect(main(page).get_by_text("La permanence des soins (suggérée)")).to_be_visible()
    check(page, "moderateur-import-question-suggeree")
    question.select_option(label="L’accès aux soins")
    click_text(page, "button", "Confirmer l’import")
    page.wait_for_url(f"**/gestion/etapes/{seeded.id}/saisie")
    db.session.expire_all()
    saved = db.session.scalar(sa.select(Contribution).where(Contribution.step_id == seeded.id))
    assert saved.challenge_id == _question(seeded, "acces-aux-soins").id


def _question(step, code: str):
    return next(c for c in step.campaign.challenges if c.code == code)


def test_a_contribution_without_a_question_is_filed_under_the_suggested_one_on_a_click(
        sized_page, live_server, seeded):
    page = sized_page
    untagged = _add(seeded, "Former la population aux gestes de premiers secours et "
                    "faciliter l’accès aux urgences la nuit", ContributionStatus.PENDING)
    untagged.challenge = None
    db.session.commit()
    sign_in_from_the_home_page(page, live_server, MODERATOR)
    page.goto(f"{live_server}/gestion/contributions/{untagged.id}")
    expect(main(page).get_by_text("est suggérée d’après le texte")).to_be_visible()
    expect(page.get_by_label(re.compile("^Question"))).to_have_value(
        str(_question(seeded, "permanence-des-soins").id))
    check(page, "moderateur-question-suggeree")
    click_text(page, "button", "Reclasser")
    expect(main(page).get_by_text("est suggérée d’après le texte")).to_have_count(0)
    assert _reload(untagged).challenge_id == _question(seeded, "permanence-des-soins").id
