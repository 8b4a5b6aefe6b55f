"""Capture in the room: batch entry, imports of transcribed files, QR codes and short links,
and who may contribute when online contributions are closed."""

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from app.accounts.models import Role
from app.audit import AuditEntry
from app.campaigns.models import AgendaItem, AgendaKind
from app.contributions.models import Contribution, ContributionSource, ContributionStatus
from app.extensions import db
from app.registrations import tokens
from app.registrations.models import Registration, RegistrationStatus
from tests.contributions.support import all_contributions, contribution_form
from tests.factories import make_step, make_user
from tests.helpers import count_queries, login_as, post_form


@pytest.fixture
def step(world):
    step = make_step(world["campaign"], world["aveyron"], title="CNR santé Aveyron")
    step.agenda_items = [
        AgendaItem(position=1, kind=AgendaKind.PLENARY, title="Ouverture"),
        AgendaItem(position=2, kind=AgendaKind.WORKSHOP, title="Atelier prévention",
                   challenge=world["campaign"].challenges[1]),
    ]
    db.session.commit()
    return step


def workshop_of(step) -> AgendaItem:
    return next(item for item in step.agenda_items if item.kind is AgendaKind.WORKSHOP)


def test_batch_entry_publishes_and_remembers_the_tags(client, world, step):
    login_as(client, make_user(Role.MODERATOR, [world["aveyron"]]))
    url = f"/gestion/etapes/{step.id}/saisie"
    page = client.get(url).get_data(as_text=True)
    assert "autofocus" in page and "data-submit-shortcut" in page
    prevention = world["campaign"].challenges[1]
    text = "Former des ambassadeurs santé dans les lycées.\nAvec les infirmières 💉"
    response = post_form(client, url, {
        "body": text,
        "title": "", "kind": "proposal", "challenge_id": prevention.id,
        "workshop_id": workshop_of(step).id, "category": "usagers", "age_range": ""})
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.location).query)
    assert query == {"type": ["proposal"], "question": [str(prevention.id)],
                     "atelier": [str(workshop_of(step).id)], "categorie": ["usagers"]}
    [contribution] = all_contributions()
    assert contribution.body == text
    assert contribution.source is ContributionSource.ROOM
    assert contribution.status is ContributionStatus.PUBLISHED
    assert (contribution.step_id, contribution.territory_id, contribution.workshop_id) == (
        step.id, world["aveyron"].id, workshop_of(step).id)
    # The next entry starts with the same tags chosen and an empty text.
    page = client.get(response.location).get_data(as_text=True)
    assert re.search(rf'<option selected value="{prevention.id}">', page)
    assert re.search(rf'<option selected value="{workshop_of(step).id}">', page)
    assert 'value="usagers" selected' in page or '<option selected value="usagers">' in page
    assert "Former des ambassadeurs" in page  # in the list of the latest entries
    assert "contribution.capture" in db.session.scalars(sa.select(AuditEntry.action)).all()


def test_batch_entry_keeps_what_was_typed_when_a_tag_is_missing(client, world, step):
    login_as(client, make_user(Role.ORGANISER, [world["aveyron"]]))
    response = post_form(client, f"/gestion/etapes/{step.id}/saisie", {
        "body": "Un texte <script>alert(1)</script> à garder", "kind": "proposal",
        "challenge_id": 0, "workshop_id": 0})
    html = response.get_data(as_text=True)
    assert "Choisissez la question concernée." in html
    assert "Un texte &lt;script&gt;alert(1)&lt;/script&gt; à garder" in html
    assert all_contributions() == []


def test_capture_is_refused_outside_ones_territories(client, world, step):
    login_as(client, make_user(Role.MODERATOR, [world["ariege"]]))
    for path in ("saisie", "import", "qr"):
        assert client.get(f"/gestion/etapes/{step.id}/{path}").status_code == 403
    response = post_form(client, f"/gestion/etapes/{step.id}/saisie", {
        "body": "Texte", "kind": "proposal", "challenge_id": world["challenge"].id},
        token_from="/gestion/moderation")
    assert response.status_code == 403
    assert all_contributions() == []


def upload(client, step, content: io.BytesIO, name: str):
    return post_form(client, f"/gestion/etapes/{step.id}/import", {"file": (content, name)},
                     content_type="multipart/form-data")


def confirm(client, step, html: str):
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    return post_form(client, f"/gestion/etapes/{step.id}/import/confirmer", {"token": token},
                     token_from=f"/gestion/etapes/{step.id}/import")


def csv_file(rows, delimiter=";", encoding="utf-8-sig") -> io.BytesIO:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter).writerows(rows)
    return io.BytesIO(text.getvalue().encode(encoding))


HEADER = ("Type", "Titre", "Texte", "Question", "Atelier", "Catégorie", "Âge")


@pytest.mark.parametrize(("delimiter", "encoding"), [(";", "utf-8-sig"), (",", "utf-8"),
                                                     (";", "cp1252")])
def test_a_transcribed_csv_is_previewed_then_imported(client, world, step, delimiter, encoding):
    login_as(client, make_user(Role.MODERATOR, [world["aveyron"]]))
    rows = [HEADER,
            ("proposition", "Bus santé", "Un bus santé qui passe dans les villages ; chaque "
             "semaine", "1", "", "Usagers et associations d’usagers", ""),
            ("Parole", "", "J’ai attendu 9 mois\npour un ophtalmologiste.", "La prévention",
             "Atelier prévention", "", "65 ans et plus")]
    if encoding == "cp1252":
        rows = [[cell.replace("’", "'") for cell in row] for row in rows]
    html = upload(client, step, csv_file(rows, delimiter, encoding), "saisie.csv").get_data(
        as_text=True)
    assert "2 lignes prêtes à importer" in html
    assert "Un bus santé qui passe dans les villages ; chaque semaine" in html
    assert all_contributions() == []  # a preview saves nothing
    assert confirm(client, step, html).status_code == 302
    bus, wait = all_contributions()
    assert bus.body == "Un bus santé qui passe dans les villages ; chaque semaine"
    assert bus.challenge_id == world["campaign"].challenges[0].id
    assert bus.category == "usagers" and bus.title == "Bus santé"
    assert wait.body == "J’ai attendu 9 mois\npour un ophtalmologiste.".replace(
        "’", "'" if encoding == "cp1252" else "’")
    assert wait.workshop_id == workshop_of(step).id and wait.age_range == "65-et-plus"
    assert {c.source for c in (bus, wait)} == {ContributionSource.IMPORT}
    assert {c.status for c in (bus, wait)} == {ContributionStatus.PUBLISHED}
    assert {c.step_id for c in (bus, wait)} == {step.id}


def test_an_xlsx_with_errors_shows_each_row_in_french_and_imports_nothing(client, world, step):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(HEADER))
    sheet.append(["proposition", "", "Texte correct", 1, "", "", ""])
    sheet.append(["idée", "", "Texte", 9, "Atelier inconnu", "", ""])
    sheet.append(["parole", "", "", 2, "", "martien", ""])
    content = io.BytesIO()
    workbook.save(content)
    content.seek(0)
    login_as(client, make_user(Role.ORGANISER, [world["aveyron"]]))
    html = upload(client, step, content, "papier.xlsx").get_data(as_text=True)
    assert "2 lignes à corriger" in html
    assert ("Ligne 3 : type inconnu (« proposition » ou « parole ») ; question « 9 » inconnue "
            "(numéro 1 à 2 ou intitulé) ; atelier « Atelier inconnu » absent du programme de "
            "l’étape.") in html
    assert "Ligne 4 : texte vide ou trop long (5 000 caractères au plus) ; catégorie « martien »"\
        " inconnue." in html
    assert "Confirmer l’import" not in html
    assert all_contributions() == []


def test_a_confirmation_replayed_after_the_file_is_gone_imports_nothing_twice(
        client, world, step):
    login_as(client, make_user(Role.ORGANISER, [world["aveyron"]]))
    html = upload(client, step, csv_file([HEADER, ("proposition", "", "Un texte", "1", "", "",
                                                   "")]), "a.csv").get_data(as_text=True)
    confirm(client, step, html)
    response = confirm(client, step, html)
    assert response.status_code == 302
    assert "n’est plus disponible" in client.get(response.location).get_data(as_text=True)
    assert len(all_contributions()) == 1
    forged = post_form(client, f"/gestion/etapes/{step.id}/import/confirmer",
                       {"token": "../../etc/passwd"},
                       token_from=f"/gestion/etapes/{step.id}/import")
    assert forged.status_code == 302 and len(all_contributions()) == 1


def test_an_oversized_import_is_refused(app, client, world, step):
    app.config["IMPORT_MAX_BYTES"] = 100
    login_as(client, make_user(Role.ORGANISER, [world["aveyron"]]))
    html = upload(client, step, csv_file([HEADER] + [("proposition", "", "x" * 50, "1", "", "",
                                                      "")] * 5), "gros.csv").get_data(as_text=True)
    assert "Le fichier dépasse la taille autorisée" in html


def test_qr_codes_and_short_links_open_the_form_prefilled(client, world, step):
    login_as(client, make_user(Role.MODERATOR, [world["aveyron"]]))
    html = client.get(f"/gestion/etapes/{step.id}/qr").get_data(as_text=True)
    workshop = workshop_of(step)
    assert html.count("<svg") == 2
    assert f"http://localhost/c/{step.id}/{workshop.id}" in html
    response = client.get(f"/c/{step.id}/{workshop.id}")
    assert response.status_code == 302
    form = client.get(response.location).get_data(as_text=True)
    prevention = world["campaign"].challenges[1]
    for field_value in (step.id, world["aveyron"].id, prevention.id, workshop.id):
        assert re.search(rf'<option selected value="{field_value}">', form), field_value
    assert client.get("/c/999999").status_code == 404


def test_a_workshop_must_belong_to_the_chosen_step(client, world, step):
    other = make_step(world["campaign"], world["ariege"], title="CNR santé Ariège")
    html = post_form(client, "/demarches/cnr/contribuer", contribution_form(
        world, step_id=other.id, workshop_id=workshop_of(step).id)).get_data(as_text=True)
    assert "Cet atelier n’a pas lieu lors de l’étape choisie." in html
    assert all_contributions() == []
    post_form(client, "/demarches/cnr/contribuer", contribution_form(
        world, step_id=0, workshop_id=workshop_of(step).id))
    [contribution] = all_contributions()
    assert (contribution.step_id, contribution.workshop_id) == (step.id, workshop_of(step).id)


def test_registered_participants_contribute_when_contributions_are_closed(client, world, step):
    world["campaign"].contributions_open = False
    registration = Registration(step=step, first_name="Lou", last_name="Martin",
                                email="lou@example.org", category="usagers",
                                status=RegistrationStatus.CONFIRMED)
    db.session.add(registration)
    db.session.commit()
    assert client.get("/demarches/cnr/contribuer").status_code == 403
    token = tokens.make(registration.uuid)
    manage = client.get(f"/inscriptions/{token}").get_data(as_text=True)
    link = re.search(r'href="(/demarches/cnr/contribuer\?[^"]+)"', manage).group(1)
    link = link.replace("&amp;", "&")
    assert client.get(link).status_code == 200
    response = post_form(client, link, contribution_form(world, step_id=step.id,
                                                         inscription=token))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Contribution)) == 1
    forged = post_form(client, "/demarches/cnr/contribuer?inscription=faux",
                       contribution_form(world, submission_key="k-2"), token_from=link)
    assert forged.status_code == 403


def test_the_form_costs_the_same_queries_for_2_or_30_steps(client, world, step):
    def statements() -> int:
        with count_queries() as queries:
            assert client.get("/demarches/cnr/contribuer").status_code == 200
        return len(queries)

    few = statements()
    for number in range(28):
        extra = make_step(world["campaign"], world["aveyron"], title=f"Étape {number}")
        extra.agenda_items = [AgendaItem(position=1, kind=AgendaKind.WORKSHOP,
                                         title=f"Atelier {number}")]
    db.session.commit()
    assert statements() == few
