"""Contributions: submit, moderate, browse and search (French full text on both databases)."""

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.audit import AuditEntry
from app.contributions.models import ContributionKind, ContributionStatus
from app.extensions import db
from tests.contributions.support import TEXT, add, all_contributions, contribution_form
from tests.factories import make_user
from tests.helpers import login_as, post_form


def test_a_contribution_is_stored_exactly_as_typed_and_waits_for_moderation(client, world):
    response = post_form(client, "/demarches/cnr/contribuer", contribution_form(world))
    assert response.status_code == 302
    [contribution] = all_contributions()
    assert contribution.body == TEXT
    assert contribution.status is ContributionStatus.PENDING
    assert contribution.email == "auteur@example.org"
    assert "médecin traitant" not in client.get("/demarches/cnr/contributions").get_data(
        as_text=True)


def test_the_same_form_sent_twice_saves_one_contribution(client, world):
    post_form(client, "/demarches/cnr/contribuer", contribution_form(world))
    post_form(client, "/demarches/cnr/contribuer", contribution_form(world))
    assert len(all_contributions()) == 1


@pytest.mark.parametrize(("overrides", "message"), [
    ({"body": "court"}, "entre 10 et 5 000 caractères"),
    ({"body": "x" * 6000}, "entre 10 et 5 000 caractères"),
    ({"territory_id": 0}, "Choisissez le département concerné."),
    ({"email": "pas-une-adresse"}, "Indiquez une adresse électronique valide"),
    ({"pseudonym": "Zo\x07é"}, "caractères invisibles non autorisés"),
])
def test_a_refused_submission_comes_back_with_the_text_intact(client, world, overrides, message):
    data = contribution_form(world, title="Mon titre « à garder »", **overrides)
    html = post_form(client, "/demarches/cnr/contribuer", data).get_data(as_text=True)
    assert message in html
    assert "Mon titre « à garder »" in html
    if "body" not in overrides:
        assert "Les urgences sont à 1 h de route." in html
    assert all_contributions() == []


def test_robots_filling_the_honeypot_are_refused(client, world):
    response = post_form(client, "/demarches/cnr/contribuer",
                         contribution_form(world, website="http://spam.example"))
    assert response.status_code == 400
    assert all_contributions() == []


def test_closed_campaign_refuses_contributions(client, world):
    world["campaign"].contributions_open = False
    db.session.commit()
    assert client.get("/demarches/cnr/contribuer").status_code == 403


def test_qr_short_link_prefills_step_and_question(client, world):
    from tests.factories import make_step

    step = make_step(world["campaign"], world["ariege"])
    html = client.get(f"/demarches/cnr/contribuer?etape={step.id}&question=prevention"
                      ).get_data(as_text=True)
    prevention = world["campaign"].challenges[1]
    assert f'<option selected value="{prevention.id}">' in html or \
        f'value="{prevention.id}" selected' in html
    assert f'value="{world["ariege"].id}" selected' in html or \
        f'<option selected value="{world["ariege"].id}">' in html


def test_moderator_publishes_rejects_and_redacts(client, smtp, world):
    moderator = make_user(Role.MODERATOR, [world["aveyron"]])
    first = add(world, "Un texte à publier", ContributionStatus.PENDING)
    second = add(world, "Un texte hors sujet", ContributionStatus.PENDING,
                 email="auteur@example.org")
    third = add(world, "Mon voisin M. Dupont a un cancer", ContributionStatus.PENDING)
    login_as(client, moderator)
    html = client.get("/gestion/moderation").get_data(as_text=True)
    assert "3 contributions à examiner" in html
    post_form(client, f"/gestion/moderation/{first.id}/publier", {},
              token_from="/gestion/moderation")
    post_form(client, f"/gestion/moderation/{second.id}/refuser",
              {"reason": "Hors du champ de la concertation."}, token_from="/gestion/moderation")
    post_form(client, f"/gestion/moderation/{third.id}/modifier",
              {"title": "", "body": "Mon voisin a une maladie grave"})
    statuses = [(c.status, c.body) for c in all_contributions()]
    assert statuses[0][0] is ContributionStatus.PUBLISHED
    assert statuses[1][0] is ContributionStatus.REJECTED
    assert statuses[2] == (ContributionStatus.PENDING, "Mon voisin a une maladie grave")
    assert all_contributions()[2].revisions[0].body == "Mon voisin M. Dupont a un cancer"
    [notice] = smtp.to("auteur@example.org")
    assert "Hors du champ de la concertation." in notice.get_body(
        preferencelist=("plain",)).get_content()
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["contribution.publish", "contribution.reject", "contribution.redact"]


def test_moderator_of_ariege_cannot_publish_an_aveyron_contribution(client, world):
    contribution = add(world, "Texte de l’Aveyron", ContributionStatus.PENDING)
    login_as(client, make_user(Role.MODERATOR, [world["ariege"]]))
    assert "Texte de l’Aveyron" not in client.get("/gestion/moderation").get_data(as_text=True)
    response = post_form(client, f"/gestion/moderation/{contribution.id}/publier", {},
                         token_from="/gestion/moderation")
    assert response.status_code == 403
    assert all_contributions()[0].status is ContributionStatus.PENDING


def test_the_public_sees_only_published_text_never_emails(client, world):
    add(world, "Texte publié", email="secret@example.org", pseudonym="Lou")
    add(world, "Texte en attente", ContributionStatus.PENDING)
    add(world, "Texte refusé", ContributionStatus.REJECTED)
    html = client.get("/demarches/cnr/contributions").get_data(as_text=True)
    assert "Texte publié" in html and "Lou" in html
    assert "Texte en attente" not in html and "Texte refusé" not in html
    assert "secret@example.org" not in html


@pytest.mark.parametrize("payload", [
    "<script>alert('x')</script> un texte assez long",
    "[clic](javascript:alert(1)) un texte assez long",
    "<img src=x onerror=alert(1)> un texte assez long",
])
def test_no_script_runs_from_a_contribution(client, world, payload):
    add(world, payload, title=payload[:50])
    html = client.get("/demarches/cnr/contributions").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert 'href="javascript:' not in html


@pytest.mark.parametrize(("query", "expected"), [
    ("médecins", {"Trouver un médecin traitant"}),
    ("medecin", {"Trouver un médecin traitant"}),
    ("URGENCES", {"Les urgences de nuit"}),
    ("prévention santé", {"La prévention en santé à l’école"}),
    ('"; DROP TABLE contribution; --', set()),
    ("AND OR NOT *", set()),
])
def test_french_search_finds_plurals_and_accents(client, world, query, expected):
    for text in ("Trouver un médecin traitant", "Les urgences de nuit",
                 "La prévention en santé à l’école"):
        add(world, text)
    html = client.get("/demarches/cnr/contributions", query_string={"q": query}).get_data(
        as_text=True)
    found = {text for text in ("Trouver un médecin traitant", "Les urgences de nuit",
                               "La prévention en santé à l’école") if text in html}
    assert found == expected


def test_filters_and_keyset_pages(client, world):
    for number in range(45):
        add(world, f"Proposition numéro {number:02d}",
            territory="aveyron" if number % 3 else "ariege")
    first = client.get("/demarches/cnr/contributions").get_data(as_text=True)
    assert "Proposition numéro 44" in first and "Proposition numéro 24" not in first
    cursor = first.split("avant=")[1].split('"')[0].split("&")[0]
    second = client.get(f"/demarches/cnr/contributions?avant={cursor}").get_data(as_text=True)
    assert "Proposition numéro 24" in second and "Proposition numéro 44" not in second
    ariege = client.get(f"/demarches/cnr/contributions?departement={world['ariege'].id}"
                        ).get_data(as_text=True)
    assert ariege.count("Proposition numéro") == 15


def test_live_wall_feed_gives_new_published_contributions_without_emails(client, world):
    from tests.factories import make_step

    step = make_step(world["campaign"], world["aveyron"])
    first = add(world, "Première parole", step_id=step.id, email="a@example.org")
    add(world, "En attente", ContributionStatus.PENDING, step_id=step.id)
    add(world, "<script>alert(1)</script> autre étape")
    page = client.get(f"/etapes/{step.id}/mur").get_data(as_text=True)
    assert "Première parole" in page and f'data-last="{first.id}"' in page
    assert "<script>alert" not in page
    second = add(world, "Deuxième parole <b>gras</b>", step_id=step.id)
    feed = client.get(f"/etapes/{step.id}/mur.json?apres={first.id}").json
    assert [item["id"] for item in feed["contributions"]] == [second.id]
    assert feed["contributions"][0]["body"] == "Deuxième parole <b>gras</b>"
    assert "a@example.org" not in client.get(f"/etapes/{step.id}/mur.json").get_data(
        as_text=True)


def test_a_person_supports_a_proposal_once_and_proposals_sort_by_support(app, client, world):
    popular = add(world, "Des bus santé dans les villages")
    quiet = add(world, "Une ligne téléphonique unique")
    testimony = add(world, "Je fais 40 km pour voir un médecin", kind=ContributionKind.TESTIMONY)
    url = "/demarches/cnr/contributions"
    post_form(client, f"/contributions/{popular.id}/soutenir", {}, token_from=url)
    again = post_form(client, f"/contributions/{popular.id}/soutenir", {}, token_from=url,
                      follow_redirects=True)
    assert "Vous soutenez déjà cette proposition." in again.get_data(as_text=True)
    other = app.test_client()
    post_form(other, f"/contributions/{popular.id}/soutenir", {}, token_from=url)
    post_form(other, f"/contributions/{quiet.id}/soutenir", {}, token_from=url)
    refused = post_form(other, f"/contributions/{testimony.id}/soutenir", {},
                        token_from="/connexion", follow_redirects=True)
    assert "Seules les propositions publiées peuvent être soutenues." in refused.get_data(
        as_text=True)
    counts = {c.body: c.support_count for c in all_contributions()}
    assert counts == {"Des bus santé dans les villages": 2, "Une ligne téléphonique unique": 1,
                      "Je fais 40 km pour voir un médecin": 0}
    html = client.get(f"{url}?tri=soutiens").get_data(as_text=True)
    assert html.index("Des bus santé") < html.index("Une ligne téléphonique") < html.index(
        "Je fais 40 km")


def test_keyset_pages_when_sorted_by_support(client, world):
    for number in range(25):
        add(world, f"Proposition soutenue {number:02d}", support_count=number % 5)
    first = client.get("/demarches/cnr/contributions?tri=soutiens").get_data(as_text=True)
    cursor = first.split("avant=")[1].split('"')[0].split("&")[0]
    second = client.get(f"/demarches/cnr/contributions?tri=soutiens&avant={cursor}").get_data(
        as_text=True)
    shown = [f"Proposition soutenue {n:02d}" for n in range(25)]
    on_first = {text for text in shown if text in first}
    on_second = {text for text in shown if text in second}
    assert len(on_first) == 20 and len(on_second) == 5 and not on_first & on_second
    assert client.get("/demarches/cnr/contributions?tri=soutiens&avant=x.y").status_code == 200


def test_reported_contributions_are_hidden_until_a_moderator_reviews_them(app, client, world):
    app.config["CONTRIBUTION_REPORT_THRESHOLD"] = 2
    target = add(world, "Un texte signalé par le public")
    url = "/demarches/cnr/contributions"
    post_form(client, f"/contributions/{target.id}/signaler", {"reason": "Propos injurieux"},
              token_from=url)
    again = post_form(client, f"/contributions/{target.id}/signaler", {}, token_from=url,
                      follow_redirects=True)
    assert "Vous avez déjà signalé cette contribution." in again.get_data(as_text=True)
    assert "Un texte signalé" in client.get(url).get_data(as_text=True)
    post_form(app.test_client(), f"/contributions/{target.id}/signaler", {}, token_from=url)
    assert "Un texte signalé" not in client.get(url).get_data(as_text=True)
    login_as(client, make_user(Role.MODERATOR, [world["aveyron"]]))
    queue = client.get("/gestion/moderation").get_data(as_text=True)
    assert "Masquée après signalements" in queue
    post_form(client, f"/gestion/moderation/{target.id}/retablir", {},
              token_from="/gestion/moderation")
    assert "Un texte signalé" in app.test_client().get(url).get_data(as_text=True)
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["contribution.hide", "contribution.restore"]


def test_search_still_works_after_every_migration(client, world):
    add(world, "Les médecins de garde manquent le dimanche")
    html = client.get("/demarches/cnr/contributions?q=médecin+garde").get_data(as_text=True)
    assert "Les médecins de garde manquent le dimanche" in html
