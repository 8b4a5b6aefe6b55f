"""What may let someone be recognised is marked for the moderator: on the redaction form (the
text with its marks, and the list above the field) and in the queue. Always escaped."""

import pytest

from app.accounts.models import Role
from app.contributions import sensitive
from app.contributions.models import ContributionStatus
from app.extensions import db
from tests.contributions.support import add
from tests.factories import make_user
from tests.helpers import login_as, post_form

TEXT = ("Je m’appelle Julie. Ma voisine Mme Durand est diabétique et sous chimiothérapie ; "
        "appelez-la au 06 12 34 56 78 ou écrivez à julie.b@exemple.fr. <script>alert(1)"
        "</script> Les CPTS de Mende manquent de médecins.")


@pytest.mark.parametrize(("kind", "text"), [
    ("name", "Julie"), ("name", "Mme Durand"), ("health", "diabétique"),
    ("health", "chimiothérapie"), ("phone", "06 12 34 56 78"),
    ("email", "julie.b@exemple.fr")])
def test_each_kind_of_personal_detail_is_found(kind, text):
    assert (kind, text) in {(f.kind, f.text) for f in sensitive.find(TEXT)}


@pytest.mark.parametrize("text", [
    "+33 5 65 12 34 56", "0565123456", "05.65.12.34.56", "Jean DUPONT", "docteur Martin",
    "mon fils Lucas", "hospitalisée", "une fausse couche", "Alzheimer", "atteinte d’un cancer"])
def test_other_ways_of_writing_them_are_found_too(text):
    assert sensitive.find(f"Bonjour, {text}, merci.")


def test_ordinary_words_and_acronyms_are_not_marked():
    assert sensitive.find("Les CPTS de Mende manquent de médecins depuis 2021 ; l’ARS le "
                          "sait. Il faut 45 minutes pour aller aux urgences.") == []


def test_the_highlight_escapes_the_text_and_says_what_each_mark_is():
    html = str(sensitive.highlight(TEXT))
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert ('<mark class="concerto-sensitive concerto-sensitive--phone" title="Numéro de '
            'téléphone"><span class="fr-sr-only">Numéro de téléphone : </span>06 12 34 56 78'
            '</mark>') in html
    assert html.count("<mark") == 6
    # An email is one mark, not a name inside an email.
    assert ">julie.b@exemple.fr</mark>" in html


def test_a_mark_cannot_be_broken_out_of():
    html = str(sensitive.highlight('Mme <b>Durand" onmouseover="x</b> 06 12 34 56 78'))
    assert "<b>" not in html and 'onmouseover="' not in html


@pytest.fixture
def moderator(client, world):
    login_as(client, make_user(Role.MODERATOR, [world["aveyron"]]))
    db.session.commit()


def test_the_redaction_form_lists_and_marks_what_to_remove(client, world, moderator):
    contribution = add(world, TEXT, ContributionStatus.PENDING)
    html = client.get(f"/gestion/moderation/{contribution.id}/modifier").get_data(as_text=True)
    assert "À vérifier avant publication" in html
    assert "6 passages pourraient permettre de reconnaître quelqu’un" in html
    review = html[html.index("À vérifier avant publication"):html.index('name="body"')]
    assert "Numéro de téléphone</span> : « 06 12 34 56 78 »" in review
    assert "Détail de santé</span> : « diabétique »" in review
    assert review.count("<mark") == 6
    assert "&lt;script&gt;" in review and "<script>alert" not in html


def test_checking_again_marks_the_edited_text_without_saving_it(client, world, moderator):
    contribution = add(world, TEXT, ContributionStatus.PENDING)
    url = f"/gestion/moderation/{contribution.id}/modifier"
    response = post_form(client, url, {"title": "", "body": "Ma voisine [nom retiré] est "
                                       "malade.", "verifier": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Rien ne ressemble à un nom" in html
    assert "Ma voisine [nom retiré] est malade." in html
    db.session.expire_all()
    assert contribution.body == TEXT and contribution.revisions == []
    saved = post_form(client, url, {"title": "", "body": "Ma voisine [nom retiré] est malade."})
    assert saved.status_code == 302
    db.session.expire_all()
    assert contribution.body == "Ma voisine [nom retiré] est malade."


def test_the_queue_marks_them_too_with_the_text_before_the_actions(client, world, moderator):
    contribution = add(world, TEXT, ContributionStatus.PENDING)
    html = client.get("/gestion/moderation").get_data(as_text=True)
    card = html[html.index(f'id="carte-{contribution.id}"'):]
    assert card.index("<mark") < card.index(">Publier<") < card.index(">Refuser<")
    assert card.index(f'id="c{contribution.id}"') < card.index("<mark")
    assert "&lt;script&gt;" in card
    assert "moderation-shortcuts.js" in html and "<kbd>p</kbd> : publier" in html
