"""The same transcribed file imported twice: the preview says which rows the step already has
(same text, same step) and the confirmation skips them unless the person unticks the box."""

import re

import pytest

from app.accounts.models import Role
from app.contributions.capture import already_saved
from app.extensions import db
from tests.contributions.support import all_contributions
from tests.contributions.test_capture import HEADER, csv_file, upload
from tests.factories import make_step, make_user
from tests.helpers import login_as, post_form

ROWS = [HEADER,
        ("proposition", "", "Un bus santé qui passe dans les villages", "1", "", "", ""),
        ("parole", "", "J’ai attendu 9 mois pour un ophtalmologiste.", "2", "", "", "")]


@pytest.fixture
def step(client, world):
    """An Aveyron step, and its moderator signed in."""
    step = make_step(world["campaign"], world["aveyron"], title="CNR santé Aveyron")
    login_as(client, make_user(Role.MODERATOR, [world["aveyron"]]))
    db.session.commit()
    return step


def confirm(client, step, html: str, skip: bool | None):
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    data = {"token": token}
    if skip:
        data["skip_already"] = "y"
    return post_form(client, f"/gestion/etapes/{step.id}/import/confirmer", data,
                     token_from=f"/gestion/etapes/{step.id}/import")


def preview(client, step, rows=ROWS) -> str:
    return upload(client, step, csv_file(rows), "saisie.csv").get_data(as_text=True)


def test_a_first_import_has_no_warning_and_imports_every_row(client, step):
    html = preview(client, step)
    assert "déjà importée" not in html and "skip_already" not in html
    assert "Confirmer l’import de 2 lignes" in html
    confirm(client, step, html, skip=None)
    assert len(all_contributions()) == 2


def test_the_same_file_again_is_flagged_and_skipped_by_default(client, step):
    confirm(client, step, preview(client, step), skip=None)
    html = preview(client, step)
    assert "2 lignes déjà importées" in html
    assert "les lignes 2, 3" in html
    assert html.count(">Déjà importée</p>") == 2
    # The box is ticked when the page comes: skipping is what one gets without thinking.
    assert re.search(r'<input checked id="skip_already" name="skip_already" type="checkbox"',
                     html)
    response = confirm(client, step, html, skip=True)
    assert response.status_code == 302
    assert "rien n’a été importé" in client.get(response.location).get_data(as_text=True)
    assert len(all_contributions()) == 2


def test_only_the_new_rows_of_a_file_are_imported_and_the_flash_says_how_many_were_skipped(
        client, step):
    confirm(client, step, preview(client, step, ROWS[:2]), skip=None)
    # Saved again by a spreadsheet: other blanks and case are still the same text.
    again = [HEADER, ("proposition", "", "  un bus santé qui passe   dans les villages ", "1",
                      "", "", ""), ROWS[2]]
    html = preview(client, step, again)
    assert "1 ligne déjà importée" in html and "la ligne 2 " in html
    response = confirm(client, step, html, skip=True)
    page = client.get(response.location).get_data(as_text=True)
    assert "1 contributions importées et publiées ; 1 ligne déjà présente ignorée." in page
    assert [c.body for c in all_contributions()] == [
        "Un bus santé qui passe dans les villages", "J’ai attendu 9 mois pour un ophtalmologiste."]


def test_unticking_the_box_imports_the_rows_again(client, step):
    confirm(client, step, preview(client, step), skip=None)
    confirm(client, step, preview(client, step), skip=False)
    assert len(all_contributions()) == 4


def test_the_same_text_in_another_step_is_not_a_repeat(client, world, step):
    other = make_step(world["campaign"], world["aveyron"], title="Autre étape")
    db.session.commit()
    confirm(client, other, preview(client, other), skip=None)
    assert "déjà importée" not in preview(client, step)
    assert already_saved(step, ["Un bus santé qui passe dans les villages"]) == set()
    assert already_saved(other, ["x", "UN BUS SANTÉ QUI PASSE DANS LES VILLAGES"]) == {1}
