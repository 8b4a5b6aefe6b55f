"""Public pages: home, calendar, step, campaign, département, errors, /healthz."""

from datetime import date

import pytest

from app.campaigns.models import StepStatus
from app.seed import load_seed
from tests.factories import make_campaign, make_departement, make_step


@pytest.fixture
def seeded():
    load_seed()


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


def test_home_presents_the_campaign_its_four_questions_and_the_deadline(app, client, seeded):
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"
    html = page(client, "/")
    assert "CNR santé — Occitanie 2022" in html
    for question in ("L’accès aux soins", "La permanence des soins",
                     "Les métiers de la santé", "La prévention"):
        assert question in html
    assert "J-58" in html  # 3 November to 31 December 2022
    # The next steps, soonest first: Lozère on 4 November.
    assert html.index("Lozère") < html.index("Lot")
    assert "vendredi 4 novembre 2022, de 10 h à 16 h" in html


def test_home_after_the_deadline_says_it_has_passed(client, seeded):
    html = page(client, "/")
    assert "Échéance passée" in html
    assert "Aucune étape à venir" in html


def test_calendar_shows_a_month_at_a_time_and_unscheduled_apart(app, client, seeded):
    # One month a page (issue 15): the current one first, the next one a link away.
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"
    html = page(client, "/calendrier")
    assert "13 étapes, dont 3 en novembre 2022." in html
    assert 'id="mois-2022-11">novembre 2022</h2>' in html
    assert 'id="mois-2022-12"' not in html and "Rodez" not in html  # Aveyron: in December
    assert html.index("novembre 2022</h2>") < html.index("Date à venir</h2>")
    unscheduled = html[html.index("Date à venir</h2>"):]
    assert "Ariège" in unscheduled and "Hérault" in unscheduled
    following = html[html.index("Mois suivant") - 300:html.index("Mois suivant")]
    assert "mois=2022-12" in following
    december = page(client, "/calendrier?mois=2022-12")
    assert 'id="mois-2022-12">décembre 2022</h2>' in december and "Rodez" in december


def test_calendar_marks_past_steps_as_held(app, client, seeded):
    app.config["CONCERTO_NOW"] = "2022-11-20T12:00"
    html = page(client, "/calendrier?etat=held")
    assert "2 étapes correspondant aux filtres" in html  # Lozère (4/11) and Lot (18/11)
    assert "Concertation CNR santé — Lozère" in html
    assert "Concertation CNR santé — Lot" in html
    assert "Tenue" in html


def test_calendar_filters_by_departement(client, seeded):
    html = page(client, "/calendrier?departement=48")
    assert "1 étape correspondant aux filtres" in html
    assert "Mende" in html and "Rodez" not in html


def test_calendar_filter_unscheduled(client, seeded):
    html = page(client, "/calendrier?etat=unscheduled")
    assert "2 étapes correspondant aux filtres" in html


def test_calendar_ignores_unknown_filter_values(client, seeded):
    html = page(client, "/calendrier?etat=<script>&departement=99&demarche=nope")
    assert "13 étapes" in html
    assert "<script>" not in html


def test_calendar_can_show_every_campaign(client, seeded):
    html = page(client, "/calendrier?demarche=toutes")
    assert "21 étapes" in html
    assert "Installation de la conférence de territoire — Ariège" in html


def test_step_page_shows_what_when_where(client, seeded):
    html = page(client, "/calendrier?departement=48")
    step_url = html[html.index('href="/etapes/') + 6:]
    step_url = step_url[:step_url.index('"')]
    html = page(client, step_url)
    assert "Concertation CNR santé — Lozère" in html
    assert "vendredi 4 novembre 2022, de 10 h à 16 h" in html
    assert "Espace George Frêche" in html and "Mende" in html
    assert "Lozère (48)" in html
    assert "Comment garantir la continuité des soins" in html


def test_unscheduled_step_page_says_date_a_venir(client):
    step = make_step(day=None, start_time=None, end_time=None)
    html = page(client, f"/etapes/{step.id}")
    assert "Date à venir (en cours de programmation)" in html


def test_cancelled_step_is_listed_as_cancelled(client):
    step = make_step(status=StepStatus.CANCELLED)
    html = page(client, f"/etapes/{step.id}")
    assert "Étape annulée" in html


def test_draft_steps_are_not_public(client):
    step = make_step(status=StepStatus.DRAFT, title="Brouillon secret")
    page(client, f"/etapes/{step.id}", 404)
    assert "Brouillon secret" not in page(client, f"/calendrier?demarche={step.campaign.slug}")


def test_departement_page_shows_key_figures_and_steps(client, seeded):
    html = page(client, "/departements/12")
    assert "Aveyron (12)" in html
    assert "280 000" in html and "27 %" in html and "sans médecin traitant" in html
    assert "Concertation CNR santé — Aveyron" in html
    assert "Installation de la conférence de territoire — Aveyron" in html
    assert "anciennement Midi-Pyrénées" in html


def test_departement_list(client, seeded):
    html = page(client, "/departements")
    assert html.count('href="/departements/') == 13


def test_campaign_page(client, seeded):
    html = page(client, "/demarches/conferences-territoire-midi-pyrenees-2010")
    assert "Conférences de territoire — Midi-Pyrénées 2010" in html
    assert "Définir les territoires de proximité" in html


def test_unknown_pages_get_a_french_404(client):
    html = page(client, "/nulle-part", 404)
    assert "Page non trouvée" in html
    assert '<html lang="fr"' in html
    page(client, "/departements/99", 404)
    page(client, "/etapes/999999", 404)
    page(client, "/demarches/inconnue", 404)


def test_unexpected_errors_get_a_french_500_without_details(app, client, monkeypatch):
    from app.campaigns import queries

    def explode(*_args, **_kwargs):
        raise RuntimeError("secret SQL detail")

    monkeypatch.setattr(queries, "all_campaigns", explode)
    html = page(client, "/", 500)
    assert "Erreur inattendue" in html
    assert "secret SQL detail" not in html


def test_legal_pages_are_linked_from_every_page(client):
    html = page(client, "/")
    for url, title in (("/mentions-legales", "Mentions légales"),
                       ("/donnees-personnelles", "Données personnelles"),
                       ("/accessibilite", "Déclaration d’accessibilité")):
        assert f'href="{url}"' in html
        assert title in page(client, url)


def test_healthz_says_the_process_is_alive(client):
    # Liveness only; the database is /readyz's (tests/operations).
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_page_escapes_organiser_text(client):
    campaign = make_campaign()
    territory = make_departement(code="46", name="Lot", chef_lieu="Cahors")
    step = make_step(campaign, territory, title="<script>alert(1)</script>",
                     day=date(2022, 11, 18))
    html = page(client, f"/etapes/{step.id}")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
