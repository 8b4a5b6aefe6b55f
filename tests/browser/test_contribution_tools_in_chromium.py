"""Facilitators' and moderators' contribution tools in headless Chromium: keyboard-only batch
entry, moderation pages, imports and QR codes, checked with axe-core."""

import io

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.contributions.models import Contribution, ContributionKind, ContributionStatus
from app.extensions import db
from tests.browser.test_public_pages_in_chromium import assert_accessible, log_in_as_organiser
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


def log_in_as_regional_organiser(page, live_server, step) -> None:
    make_user(Role.ORGANISER, [step.campaign.territory], email="orga.region@ars.example")
    db.session.commit()
    page.goto(f"{live_server}/connexion")
    page.fill("#email", "orga.region@ars.example")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]:has-text('Se connecter')")
    page.wait_for_url("**/gestion/")


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_a_facilitator_types_contributions_one_after_another_with_the_keyboard(
        page, live_server, seeded):
    log_in_as_organiser(page, live_server, seeded)
    page.goto(f"{live_server}/gestion/etapes/{seeded.id}/saisie")
    assert focused_id(page) == "body"
    page.keyboard.type("Des consultations avancées de spécialistes à Mende.")
    for _ in range(3):  # title, then the kind radios, then the question
        page.keyboard.press("Tab")
    assert focused_id(page) == "challenge_id"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    chosen = page.input_value("#challenge_id")
    assert chosen != "0"
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("text=enregistrée et publiée")
    assert focused_id(page) == "body" and page.input_value("#body") == ""
    assert page.input_value("#challenge_id") == chosen  # remembered for the next entry
    page.keyboard.type("Il faut 2 h pour voir un cardiologue 😟")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("text=Il faut 2 h pour voir un cardiologue")
    assert_accessible(page, "saisie-en-seance")
    db.session.expire_all()
    rows = list(db.session.scalars(sa.select(Contribution).where(
        Contribution.step_id == seeded.id).order_by(Contribution.id)))
    assert [row.body for row in rows] == ["Des consultations avancées de spécialistes à Mende.",
                                          "Il faut 2 h pour voir un cardiologue 😟"]
    assert {row.challenge_id for row in rows} == {int(chosen)}


def test_moderation_pages_import_preview_and_qr_codes_are_accessible(page, live_server, seeded):
    for body in ("<script>alert(1)</script> Ouvrir un centre de santé à Langogne",
                 "Un centre de santé à Langogne"):
        db.session.add(Contribution(campaign=seeded.campaign, kind=ContributionKind.PROPOSAL,
                                    body=body, territory=seeded.territory, step=seeded,
                                    challenge=seeded.campaign.challenges[0],
                                    status=ContributionStatus.PUBLISHED))
    first = db.session.scalar(sa.select(Contribution).where(Contribution.step_id == seeded.id)
                              .order_by(Contribution.id))
    page.on("dialog", lambda dialog: pytest.fail("a script ran: " + dialog.message))
    log_in_as_regional_organiser(page, live_server, seeded)
    page.goto(f"{live_server}/gestion/contributions")
    assert_accessible(page, "moderation-toutes")
    page.goto(f"{live_server}/gestion/contributions/{first.id}")
    page.click("label[for=answer_state-1]")
    page.fill("#answer", "Retenue dans le PRS.")
    page.click("button:has-text('Publier la réponse')")
    page.wait_for_selector("text=La réponse à")
    assert_accessible(page, "moderation-fiche")
    page.goto(f"{live_server}/gestion/demarches/{seeded.campaign.slug}/contributions")
    content = io.BytesIO("référence;état;réponse\nC-999999;peut-être;\n".encode())
    page.set_input_files("#file", files=[{"name": "reponses.csv", "mimeType": "text/csv",
                                          "buffer": content.getvalue()}])
    page.click("button:has-text('Vérifier le fichier')")
    page.wait_for_selector("text=rien n’a été importé")
    assert_accessible(page, "import-reponses-erreurs")
    page.goto(f"{live_server}/gestion/etapes/{seeded.id}/qr")
    assert page.locator("svg").count() >= 1
    assert_accessible(page, "codes-qr")


def test_synthesis_workspace_help_and_step_report_are_accessible(page, live_server, seeded):
    log_in_as_regional_organiser(page, live_server, seeded)
    page.goto(f"{live_server}/gestion/syntheses")
    assert_accessible(page, "syntheses-tableau")
    page.goto(f"{live_server}/gestion/syntheses/{seeded.campaign.slug}/09")
    page.fill("#texte-0", "Une concertation **riche** en Ariège.")
    page.click("#introduction ~ form button, form:has(#texte-0) button")
    page.wait_for_selector("text=Le texte est enregistré.")
    assert page.locator("strong:has-text('riche')").count() == 1
    assert_accessible(page, "synthese-espace")
    challenge = seeded.campaign.challenges[3]
    page.goto(f"{live_server}/gestion/syntheses/{seeded.campaign.slug}/09/aide/{challenge.id}")
    assert page.locator("h1").inner_text() == "Aide à la rédaction"
    assert_accessible(page, "synthese-aide")
    page.goto(f"{live_server}/gestion/etapes/{seeded.id}/compte-rendu")
    assert_accessible(page, "compte-rendu")
