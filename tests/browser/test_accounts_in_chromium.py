"""Staff account pages in headless Chromium: they work with a keyboard and mouse, and pass axe."""

import re

import pyotp
import pytest

from app.accounts.models import Role
from app.extensions import db
from tests.browser.test_public_pages_in_chromium import assert_accessible
from tests.factories import PASSWORD, make_region, make_user

pytestmark = pytest.mark.browser


def _sign_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server}/connexion")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]:has-text('Se connecter')")


def test_admin_invites_an_organiser_and_sees_errors_first(page, live_server, smtp):
    region = make_region()
    make_user(Role.ADMIN, email="admin@ars.example")
    db.session.commit()
    _sign_in(page, live_server, "admin@ars.example")
    page.wait_for_url("**/gestion/")
    page.click("a:has-text('Comptes')")
    page.wait_for_url("**/gestion/comptes/")
    assert_accessible(page, "comptes")

    page.click("a:has-text('Inviter une personne')")
    page.fill("#email", "pas-une-adresse")
    page.fill("#name", "Nadia Orga")
    page.check("label:has-text('Organisateur')")
    page.click("button:has-text('Envoyer l’invitation')")
    assert page.get_by_text("Choisissez au moins un territoire pour ce rôle.").first.is_visible()
    assert page.input_value("#name") == "Nadia Orga"
    assert_accessible(page, "comptes-invitation-erreurs")

    page.fill("#email", "nadia.orga@ars.example")
    page.check(f"label:has-text('{region.display_name}')")
    page.click("button:has-text('Envoyer l’invitation')")
    page.wait_for_url(re.compile(r".*/gestion/comptes/\d+$"))
    assert page.get_by_text("Invitation envoyée à nadia.orga@ars.example.").is_visible()
    assert page.get_by_text("Invitation en attente").is_visible()
    assert_accessible(page, "compte-fiche")
    assert [m["To"] for m in smtp.messages] == ["nadia.orga@ars.example"]


def test_organiser_turns_on_two_factor_and_signs_in_with_a_code(page, live_server):
    make_user(Role.ORGANISER, [make_region()], email="orga@ars.example")
    db.session.commit()
    _sign_in(page, live_server, "orga@ars.example")
    page.wait_for_url("**/gestion/")
    page.click("a:has-text('Mon compte')")
    assert_accessible(page, "mon-compte")
    page.click("a:has-text('Activer la double authentification')")
    assert page.locator(".concerto-qr svg").is_visible()
    assert_accessible(page, "double-facteur")
    secret = page.locator(".concerto-secret").inner_text()
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("button:has-text('Activer')")
    page.wait_for_url("**/codes-de-secours")
    assert page.get_by_text("La double authentification est activée").first.is_visible()
    assert page.locator(".concerto-recovery-codes li").count() == 10
    assert_accessible(page, "codes-de-secours")
    page.click("a:has-text('J’ai noté mes codes')")
    page.wait_for_url("**/gestion/compte/")

    page.click("button:has-text('Se déconnecter partout')")
    page.wait_for_url("**/connexion")
    _sign_in(page, live_server, "orga@ars.example")
    page.wait_for_url("**/connexion/verification")
    assert page.evaluate("document.activeElement.id") == "code"  # ready to type
    page.fill("#code", "000000")
    page.click("button:has-text('Valider')")
    assert page.get_by_text("Ce code n’est pas valable").first.is_visible()
    assert_accessible(page, "verification-code")
