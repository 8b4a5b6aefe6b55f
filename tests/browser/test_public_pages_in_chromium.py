"""Key pages in headless Chromium: they render, work, and pass axe-core (WCAG 2.1 AA)."""

import pytest

from app.accounts.models import Role
from app.extensions import db
from tests.browser.conftest import run_axe, screenshot
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}


def assert_accessible(page, name: str) -> None:
    screenshot(page, name)
    violations = run_axe(page)
    blocking = [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
                for v in violations if v["impact"] in BLOCKING]
    assert blocking == [], blocking


def test_calendar_page_renders_filters_and_is_accessible(page, live_server, seeded):
    page.goto(f"{live_server}/calendrier")
    assert page.title().startswith("Calendrier")
    assert page.locator("h2", has_text="novembre 2022").is_visible()
    assert page.locator("#date-a-venir").is_visible()
    assert_accessible(page, "calendrier")
    page.select_option("#filtre-departement", "48")
    page.click("button:has-text('Filtrer')")
    page.wait_for_url("**departement=48**")
    assert page.locator(".fr-card__title").all_inner_texts() == [
        "Concertation CNR santé — Lozère"]


def test_step_page_is_accessible(page, live_server, seeded):
    page.goto(f"{live_server}/etapes/{seeded.id}")
    assert page.locator("h1").inner_text() == "Concertation CNR santé — Lozère"
    assert page.get_by_text("vendredi 4 novembre 2022, de 10 h à 16 h").first.is_visible()
    assert page.get_by_text("Espace George Frêche").is_visible()
    assert_accessible(page, "etape-lozere")


@pytest.mark.parametrize(("path", "name"), [
    ("/", "accueil"), ("/departements/12", "departement-aveyron"),
    ("/connexion", "connexion"), ("/page-inconnue", "erreur-404"),
    ("/presse/", "espace-presse"), ("/presse/accreditation", "accreditation-presse"),
])
def test_other_public_pages_are_accessible(page, live_server, seeded, path, name):
    page.goto(f"{live_server}{path}")
    assert_accessible(page, name)


def log_in_as_organiser(page, live_server, step) -> None:
    make_user(Role.ORGANISER, [step.territory], email="orga.lozere@ars.example")
    page.goto(f"{live_server}/connexion")
    page.fill("#email", "orga.lozere@ars.example")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]:has-text('Se connecter')")
    page.wait_for_url("**/gestion/")


def test_organiser_logs_in_and_sees_errors_on_the_step_form(page, live_server, seeded):
    log_in_as_organiser(page, live_server, seeded)
    page.goto(f"{live_server}/gestion/etapes/{seeded.id}/modifier")
    page.fill("#capacity", "-3")
    page.fill("#end_time", "09:00")
    page.click("button:has-text('Enregistrer les modifications')")
    assert page.locator("#capacity-messages").inner_text().strip() == (
        "Indiquez un nombre de places entre 1 et 100 000.")
    assert "après l’heure de début" in page.locator("#end_time-messages").inner_text()
    assert page.input_value("#capacity") == "-3"
    assert_accessible(page, "formulaire-etape-erreurs")


def test_journalist_accreditation_form_shows_errors_accessibly(page, live_server, seeded):
    page.goto(f"{live_server}/presse/accreditation")
    page.fill("#name", "Claire Martin")
    page.fill("#email", "pas-une-adresse")
    page.click("button:has-text('Demander l’accréditation')")
    assert "adresse électronique valide" in page.locator("#email-messages").inner_text()
    assert page.input_value("#name") == "Claire Martin"
    assert_accessible(page, "accreditation-erreurs")


def test_participant_registers_and_manages_the_registration(page, live_server, seeded):
    page.goto(f"{live_server}/etapes/{seeded.id}")
    page.click("a:has-text('S’inscrire à cette étape')")
    assert_accessible(page, "inscription-formulaire")
    page.fill("#first_name", "Éloïse")
    page.fill("#last_name", "Dupré")
    page.fill("#email", "eloise.dupre@example.org")
    page.select_option("#departement_id", label="Lozère (48)")
    page.select_option("#category", "usagers")
    page.click("label[for=consent]")  # the DSFR label covers its checkbox
    page.click("button:has-text('M’inscrire')")
    page.wait_for_url("**/inscriptions/**")
    assert "Confirmée" in page.locator(".fr-alert__title").inner_text()
    assert page.locator("img[alt^='Code d’accueil']").is_visible()
    assert_accessible(page, "inscription-gestion")


def test_organiser_registrant_list_is_accessible(page, live_server, seeded):
    log_in_as_organiser(page, live_server, seeded)
    page.goto(f"{live_server}/gestion/etapes/{seeded.id}/inscriptions")
    assert page.locator("h1").inner_text().startswith("Inscriptions")
    assert_accessible(page, "inscriptions-liste")
    page.goto(f"{live_server}/gestion/etapes/{seeded.id}/pointage")
    assert_accessible(page, "accueil-pointage")


def test_citizen_contributes_and_reads_contributions(page, live_server, seeded):
    seeded.campaign.contributions_open = True
    db.session.commit()
    slug = seeded.campaign.slug
    page.goto(f"{live_server}/demarches/{slug}/contribuer?etape={seeded.id}&question=prevention")
    assert page.input_value("#territory_id") == str(seeded.territory_id)
    page.fill("#body", "court")
    page.click("button:has-text('Envoyer ma contribution')")
    assert "entre 10 et 5 000 caractères" in page.locator("#body-messages").inner_text()
    assert_accessible(page, "contribution-formulaire")
    page.fill("#body", "Des permanences de prévention dans les marchés.\nUne fois par mois.")
    page.click("button:has-text('Envoyer ma contribution')")
    page.wait_for_url(f"**/demarches/{slug}/contributions")
    assert "sera publiée après relecture" in page.content()
    assert_accessible(page, "contributions-liste")


def test_live_wall_shows_new_contributions_without_reloading(page, live_server, seeded):
    from app.contributions.models import Contribution, ContributionKind, ContributionStatus

    def publish(text: str) -> None:
        db.session.add(Contribution(campaign=seeded.campaign, kind=ContributionKind.PROPOSAL,
                                    body=text, territory=seeded.territory, step=seeded,
                                    status=ContributionStatus.PUBLISHED))
        db.session.commit()

    publish("Une maison de santé à Marvejols")
    page.goto(f"{live_server}/etapes/{seeded.id}/mur")
    assert page.get_by_text("Une maison de santé à Marvejols").is_visible()
    publish("<img src=x onerror=alert(1)> Des gardes partagées")
    page.wait_for_selector("text=Des gardes partagées", timeout=10_000)
    assert page.locator("img").count() == 0  # shown as text, never as markup
    screenshot(page, "mur-en-direct")
