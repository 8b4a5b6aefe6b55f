"""What must hold on every page that shows contributions: no script runs from one, nothing
private shows, nothing is lost across a restart."""

import json

import pytest
import sqlalchemy as sa

from app import create_app
from app.accounts.models import Role
from app.contributions.models import (
    AnswerState,
    Contribution,
    ContributionReport,
    ContributionStatus,
)
from app.extensions import db
from tests.contributions.support import add, contribution_form
from tests.factories import make_step, make_user
from tests.helpers import login_as, post_form

PAYLOADS = [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "[clic](javascript:alert(1)) <a href=\"javascript:alert(1)\">lien</a>",
    "<svg onload=alert(1)>",
    "{{ 7*7 }} {% raw %}",
]
DANGEROUS = ("<script>alert", "<img src=x", 'href="javascript:', "<svg onload")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_page_runs_or_renders_markup_from_a_contribution(client, world, payload):
    step = make_step(world["campaign"], world["aveyron"])
    text = f"Texte piégé : {payload} fin."
    published = add(world, text, title=payload[:200], step=step,
                    answer_state=AnswerState.STUDYING, answer=text, pseudonym=payload[:80])
    pending = add(world, text, ContributionStatus.PENDING, title=payload[:200], step=step)
    pages = ["/demarches/cnr/contributions", f"/etapes/{step.id}/mur"]
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        assert not [marker for marker in DANGEROUS if marker in html], url
        assert "Texte piégé" in html, url
        assert "{{ 7*7 }}" not in payload or "{{ 7*7 }}" in html  # no template evaluation
    feed = client.get(f"/etapes/{step.id}/mur.json").get_json()
    assert feed["contributions"][0]["body"] == text  # JSON data, written as text by wall.js
    login_as(client, make_user(Role.ORGANISER, [world["aveyron"]]))
    for url in ["/gestion/moderation", "/gestion/contributions",
                f"/gestion/contributions/{published.id}",
                f"/gestion/contributions/{pending.id}",
                f"/gestion/moderation/{pending.id}/modifier",
                f"/gestion/etapes/{step.id}/saisie"]:
        html = client.get(url).get_data(as_text=True)
        assert not [marker for marker in DANGEROUS if marker in html], url
        assert "Texte piégé" in html, url


def test_the_public_never_sees_pending_rejected_merged_or_emails(client, world):
    add(world, "Publiée et visible", email="visible@example.org")
    add(world, "En attente de relecture", ContributionStatus.PENDING)
    add(world, "Refusée par la modération", ContributionStatus.REJECTED)
    target = add(world, "Conservée après fusion")
    add(world, "Doublon fusionné", ContributionStatus.REJECTED, merged_into_id=target.id)
    step = make_step(world["campaign"], world["aveyron"])
    db.session.execute(sa.update(Contribution).values(step_id=step.id))
    db.session.commit()
    for url in ["/demarches/cnr/contributions", f"/etapes/{step.id}/mur",
                f"/etapes/{step.id}/mur.json", "/demarches/cnr/contributions?q=relecture"]:
        response = client.get(url)
        text = json.dumps(response.get_json(), ensure_ascii=False) if response.is_json \
            else response.get_data(as_text=True)
        assert "Publiée et visible" in text or "relecture" in url
        for secret in ("En attente", "Refusée par", "Doublon fusionné", "visible@example.org"):
            assert secret not in text, (url, secret)


def test_a_pending_submission_is_still_there_after_a_restart(app, client, world):
    post_form(client, "/demarches/cnr/contribuer", contribution_form(world, body="Gardée 🩺\n"
                                                                     "après redémarrage"))
    restarted = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    with restarted.app_context():
        rows = db.session.scalars(sa.select(Contribution)).all()
        assert [(row.body, row.status) for row in rows] == [
            ("Gardée 🩺\naprès redémarrage", ContributionStatus.PENDING)]
        db.session.remove()


@pytest.mark.parametrize("url", [
    "/api/v1/etapes?demarche=S%00x", "/api/v1/demarches/%00/questions",
    "/demarches/cnr/contributions?q=m%C3%A9decin%00",
    "/donnees/cnr/contributions.csv?departement=1%002",
    "/calendrier?departement=%00",
])
def test_nul_characters_are_refused_cleanly_everywhere(client, world, url):
    """Found by schemathesis on PostgreSQL, which refuses NUL bytes in text: 400, not 500."""
    response = client.get(url)
    assert response.status_code == 400
    message = response.get_json()["message"] if response.is_json else response.get_data(
        as_text=True)
    assert "caractère nul" in message


def test_a_form_carrying_a_nul_character_comes_back_explained_and_saves_nothing(
        client, world):
    response = post_form(client, "/demarches/cnr/contribuer",
                         contribution_form(world, body="Un texte\x00 piégé assez long"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "caractères invisibles non autorisés" in html
    assert "piégé assez long" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Contribution)) == 0


def test_raw_text_fields_lose_nul_characters_instead_of_failing(client, world):
    contribution = add(world, "Texte publié à signaler")
    response = post_form(client, f"/contributions/{contribution.id}/signaler",
                         {"reason": "Propos\x00 injurieux"},
                         token_from="/demarches/cnr/contributions")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(ContributionReport.reason)) == "Propos injurieux"
