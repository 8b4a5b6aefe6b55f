"""From their management link a person downloads a copy of their data, or has it erased."""

import json

import sqlalchemy as sa

from app.audit import AuditEntry
from app.contributions.models import Contribution
from app.extensions import db
from app.mail import MailStatus, OutboundMail
from app.press.models import PressAccreditation
from app.registrations import tokens
from app.registrations.models import Registration, RegistrationStatus
from tests.helpers import post_form
from tests.privacy.conftest import CAMILLE, OTHER


def snapshot() -> dict:
    """Everything erasure may change, to check that a refused request changed nothing."""
    db.session.expire_all()
    return {
        "registrations": [(r.id, r.status, r.first_name, r.email, r.phone, r.uuid)
                          for r in db.session.scalars(sa.select(Registration)
                                                      .order_by(Registration.id))],
        "contributions": [(c.id, c.email, c.pseudonym) for c in db.session.scalars(
            sa.select(Contribution).order_by(Contribution.id))],
        "mails": [(m.id, m.recipient, len(m.message)) for m in db.session.scalars(
            sa.select(OutboundMail).order_by(OutboundMail.id))],
        "press": db.session.scalar(sa.select(sa.func.count()).select_from(PressAccreditation)),
        "audit": db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)),
    }


def test_management_page_offers_the_copy_and_the_erasure(client, person):
    html = client.get(f"/inscriptions/{person.token}").get_data(as_text=True)
    assert f'href="/inscriptions/{person.token}/mes-donnees.json"' in html
    assert f'href="/inscriptions/{person.token}/effacement"' in html


def test_data_copy_holds_everything_for_the_address_and_nothing_of_anyone_else(client, person):
    response = client.get(f"/inscriptions/{person.token}/mes-donnees.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="mes-donnees.json"'
    assert response.headers["Cache-Control"] == "private, no-store"
    data = json.loads(response.data)
    assert data["adresse_electronique"] == CAMILLE
    registrations = {r["etape"]: r for r in data["inscriptions"]}
    assert set(registrations) == {person.lot.title, person.aveyron.title}
    lot = registrations[person.lot.title]
    assert (lot["prenom"], lot["nom"], lot["telephone"], lot["statut"]) == (
        "Camille", "Durand", "05 65 00 00 00", "Confirmée")
    assert lot["reponses"] == {"Viendrez-vous en train ?": "Oui, de Figeac"}
    assert lot["besoins_accessibilite"] == "Boucle magnétique"
    assert lot["categorie"] == "Usagers et associations d’usagers"
    assert sorted(c["texte"] for c in data["contributions"]) == [
        "Plus de médecins à Figeac, s’il vous plaît.", "Un bus pour l’hôpital de Rodez."]
    assert all(c["statut"] == "Publiée" and c["deposee_le"] for c in data["contributions"])
    press = data["accreditation_presse"]
    assert (press["media"], press["etapes_suivies"][0]["etape"]) == (
        "La Dépêche", person.aveyron.title)
    assert [d["demarche"] for d in press["demarches_suivies"]] == [person.lot.campaign.title]
    assert sorted(m["objet"] for m in data["courriels"]) == [
        f"Inscription confirmée : {person.aveyron.title}",
        f"Inscription confirmée : {person.lot.title}"]
    text = response.get_data(as_text=True)
    for stranger in (OTHER, "Dominique", "télémédecine", "sacha.attente"):
        assert stranger not in text


def test_erasure_cancels_anonymises_detaches_and_promotes_the_waiting_list(
        client, person, smtp):
    url = f"/inscriptions/{person.token}/effacement"
    page = client.get(url).get_data(as_text=True)
    assert "pour toutes les étapes" in page and CAMILLE in page
    assert "2 inscriptions" in page and "une accréditation presse" in page

    response = post_form(client, url, {})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/donnees-effacees")
    assert "Vos données sont effacées" in client.get("/donnees-effacees").get_data(as_text=True)

    db.session.expire_all()
    mine = [db.session.get(Registration, r.id)
            for r in (person.lot_registration, person.aveyron_registration)]
    for registration in mine:
        assert registration.status is RegistrationStatus.CANCELLED
        assert (registration.first_name, registration.last_name, registration.phone,
                registration.organisation, registration.accessibility_needs,
                registration.answers) == ("", "", "", "", "", {})
        assert registration.email == f"anonyme-{registration.id}"
        assert registration.category == "usagers" and registration.anonymised_at
    # The freed seat went to the waiting list, who got the mail.
    assert db.session.get(Registration, person.waiting.id).status is RegistrationStatus.CONFIRMED
    assert smtp.to("sacha.attente@example.org")[-1]["Subject"].startswith(
        "Une place s’est libérée")
    contributions = {c.body: c for c in db.session.scalars(sa.select(Contribution))}
    for body in ("Plus de médecins à Figeac, s’il vous plaît.", "Un bus pour l’hôpital de Rodez."):
        assert (contributions[body].email, contributions[body].pseudonym) == (None, "")
    assert contributions["Texte de Dominique sur la télémédecine."].email == OTHER
    assert db.session.get(Registration, person.other.id).first_name == "Dominique"
    assert db.session.scalar(sa.select(PressAccreditation)) is None
    mails = db.session.scalars(sa.select(OutboundMail)).all()
    assert not [m for m in mails if CAMILLE in m.recipient or CAMILLE.encode() in m.message]
    assert not [m for m in mails if m.recipient == "" and m.status is MailStatus.PENDING]

    [entry] = db.session.scalars(sa.select(AuditEntry)
                                 .where(AuditEntry.action == "privacy.erase")).all()
    assert "2 inscription(s) anonymisée(s) dont 2 annulée(s)" in entry.summary
    assert "2 contribution(s) détachée(s)" in entry.summary
    assert "1 accréditation(s) presse supprimée(s)" in entry.summary
    journal = " ".join(f"{e.actor} {e.summary} {e.changes}"
                       for e in db.session.scalars(sa.select(AuditEntry)))
    for personal in ("camille", "Camille", "Durand", "Figeac", "05 65"):
        assert personal not in journal

    gone = client.get(f"/inscriptions/{person.token}")
    assert gone.status_code == 403 and "n’existe plus" in gone.get_data(as_text=True)
    assert client.get(f"/inscriptions/{person.token}/mes-donnees.json").status_code == 403


def test_forged_or_check_in_token_is_refused_and_erases_nothing(client, person):
    before = snapshot()
    check_in = tokens.make(person.lot_registration.uuid, tokens.CHECK_IN_SALT)
    for token in ("forged", person.token[:-2] + "xx", check_in):
        assert client.get(f"/inscriptions/{token}/effacement").status_code == 403
        assert client.get(f"/inscriptions/{token}/mes-donnees.json").status_code == 403
        response = post_form(client, f"/inscriptions/{token}/effacement", {},
                             token_from="/connexion")
        assert response.status_code == 403
    assert snapshot() == before


def test_erasure_without_csrf_token_is_refused_and_erases_nothing(client, person):
    before = snapshot()
    response = client.post(f"/inscriptions/{person.token}/effacement", data={})
    assert response.status_code == 400
    assert snapshot() == before
