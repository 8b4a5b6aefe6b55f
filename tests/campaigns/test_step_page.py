"""The public step page by state: what a visitor can still do (register, add to a calendar),
what a cancelled or held step tells instead, where the step is, and what was said there."""

from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from flask import current_app

from app.campaigns import services
from app.campaigns.models import AgendaItem, AgendaKind, StepFormat, StepStatus
from app.contributions.models import Contribution, ContributionKind, ContributionStatus
from app.extensions import db
from app.syntheses.models import StepReport
from tests.factories import make_campaign, make_departement, make_step

CALENDAR_TEXTS = ("Ajouter à mon agenda", "Télécharger l’invitation (.ics)",
                  "calendar.google.com", "outlook.live.com")
REGISTRATION_TEXTS = ("S’inscrire à cette étape", "/inscription\"", "Déjà inscrit(e) ?")


@pytest.fixture(autouse=True)
def frozen_clock(app):
    """The day before the Lozère step, as in the demo."""
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"


@pytest.fixture
def lozere():
    campaign = make_campaign()
    return make_departement("48", "Lozère", "Mende", parent=campaign.territory), campaign


def page(client, step) -> str:
    response = client.get(f"/etapes/{step.id}")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers  # anonymous visitors get no session
    return response.get_data(as_text=True)


class Links(HTMLParser):
    """Every <a>: its text and attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._open = {**dict(attrs), "text": ""}
            self.links.append(self._open)

    def handle_endtag(self, tag):
        if tag == "a":
            self._open = None

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data


def links(html: str) -> list[dict]:
    parser = Links()
    parser.feed(html)
    return parser.links


def link_named(html: str, text: str) -> dict:
    [link] = [a for a in links(html) if a["text"].strip() == text]
    return link


# Upcoming: the actions are there (so that their absence below means something).

def test_upcoming_step_offers_registration_and_calendar_buttons(client, lozere):
    territory, campaign = lozere
    step = make_step(campaign, territory, day=date(2022, 11, 4))
    html = page(client, step)
    for text in CALENDAR_TEXTS + REGISTRATION_TEXTS:
        assert text in html, text
    assert "Le programme détaillé sera publié prochainement." in html


def test_the_programme_is_an_accordion_after_the_actions(client, lozere):
    territory, campaign = lozere
    step = make_step(campaign, territory, day=date(2022, 11, 4), agenda_items=[
        AgendaItem(kind=AgendaKind.PLENARY, title="Ouverture", position=0),
        AgendaItem(kind=AgendaKind.CLOSING, title="Clôture", position=1)])
    html = page(client, step)
    assert 'aria-controls="programme">Programme de la journée (2 séquences)</button>' in html
    assert 'class="fr-collapse" id="programme"' in html
    # One block of actions, before the programme in the page (first on a phone).
    assert html.count("S’inscrire à cette étape") == 1
    assert html.index("S’inscrire à cette étape") < html.index("Ouverture")
    assert "publié prochainement" not in html


def test_registration_closed_says_why(client, lozere):
    territory, campaign = lozere
    step = make_step(campaign, territory, day=date(2022, 11, 4),
                     registration_closes_at=datetime(2022, 11, 2, 12, tzinfo=UTC))
    html = page(client, step)
    assert "Les inscriptions sont closes pour cette étape." in html
    assert "S’inscrire à cette étape" not in html


# Cancelled: why and when, and nothing to register for nor to put in a calendar.

def test_cancelled_step_shows_reason_and_date_and_no_calendar_nor_registration(client, app,
                                                                             lozere):
    territory, campaign = lozere
    step = make_step(campaign, territory, day=date(2022, 11, 4))
    app.config["CONCERTO_NOW"] = "2022-10-28T09:15"
    services.cancel_step(step, None, "La salle est indisponible <b>ce jour-là</b>.\nReport prévu.")
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"
    assert step.cancelled_at == datetime(2022, 10, 28, 7, 15, tzinfo=UTC)
    html = page(client, step)
    assert "Étape annulée" in html
    assert "Annulation annoncée le vendredi 28 octobre 2022 à 9 h 15." in html
    assert "Motif donné par les organisateurs" in html
    assert "La salle est indisponible &lt;b&gt;ce jour-là&lt;/b&gt;.\nReport prévu." in html
    assert "<b>ce jour-là</b>" not in html
    for text in CALENDAR_TEXTS + REGISTRATION_TEXTS:
        assert text not in html, text
    assert "publié prochainement" not in html


def test_cancelled_step_without_reason_says_so_plainly(client, lozere):
    territory, campaign = lozere
    step = make_step(campaign, territory, status=StepStatus.CANCELLED)
    html = page(client, step)
    assert "Cette étape n’aura pas lieu." in html
    assert "Motif" not in html and "Annulation annoncée" not in html


def test_the_cancellation_form_says_the_reason_is_public():
    from app.campaigns.forms import CancelStepForm

    assert "affiché sur la page publique" in CancelStepForm.reason.args[0]  # the label


# Held: its report and what was said, no stale promise nor action.

def test_held_step_without_report_promises_nothing_and_offers_no_action(client, lozere):
    territory, campaign = lozere
    step = make_step(campaign, territory, day=date(2022, 10, 20))
    html = page(client, step)
    assert ("Cette étape a eu lieu le jeudi 20 octobre 2022. "
            "Son compte rendu n’est pas encore publié.") in html
    assert "publié prochainement" not in html
    for text in CALENDAR_TEXTS + REGISTRATION_TEXTS:
        assert text not in html, text


def test_held_step_shows_its_published_report(client, lozere):
    territory, campaign = lozere
    step = make_step(campaign, territory, day=date(2022, 10, 20), status=StepStatus.HELD)
    db.session.add(StepReport(step=step, discussion="Les **déserts médicaux**.",
                              attendance={"usagers": 12},
                              published_at=datetime(2022, 10, 25, tzinfo=UTC)))
    db.session.commit()
    html = page(client, step)
    assert "Compte rendu" in html and "<strong>déserts médicaux</strong>" in html
    assert "pas encore publié" not in html and "publié prochainement" not in html
    for text in CALENDAR_TEXTS + REGISTRATION_TEXTS:
        assert text not in html, text


# Where: a plain OpenStreetMap link, « Comment venir », and the truth about online links.

def test_address_is_an_openstreetmap_search_link_escaped(client, lozere):
    territory, campaign = lozere
    step = make_step(campaign, territory, venue='Salle "A&B" <1>', address="2 rue de l’Épine",
                     day=date(2022, 11, 4))
    html = page(client, step)
    link = link_named(html, "Voir le lieu sur la carte")
    assert link["href"] == ("https://www.openstreetmap.org/search?query=Salle+%22A%26B%22+%3C1%3E"
                            "%2C+2+rue+de+l%E2%80%99%C3%89pine%2C+Mende")
    assert link["target"] == "_blank" and link["rel"] == "noopener"
    assert 'Salle &#34;A&amp;B&#34; &lt;1&gt;' in html and "<1>" not in html
    # No map tiles nor remote script: only a link leaves the site.
    assert "<iframe" not in html and "tile.openstreetmap" not in html


def test_comment_venir_shows_the_organisers_text_or_a_generic_line(client, lozere):
    territory, campaign = lozere
    step = make_step(campaign, territory, venue="Espace George Frêche", day=date(2022, 11, 4))
    html = page(client, step)
    assert "Comment venir" in html and "OpenStreetMap calcule l’itinéraire" in html
    assert "Un besoin d’accessibilité ? Indiquez-le en vous inscrivant." in html
    step.access_info = "Bus ligne 1, arrêt <Foirail>.\nParking gratuit."
    db.session.commit()
    html = page(client, step)
    assert "Bus ligne 1, arrêt &lt;Foirail&gt;.\nParking gratuit." in html
    assert "OpenStreetMap calcule l’itinéraire" not in html


def test_city_only_step_has_no_map_link(client, lozere):
    territory, campaign = lozere
    step = make_step(campaign, territory, day=date(2022, 11, 4))
    html = page(client, step)
    assert "openstreetmap" not in html
    assert "Le lieu précis sera indiqué sur cette page." in html


def test_online_step_says_how_its_link_is_sent_and_has_no_map(client, lozere):
    territory, campaign = lozere
    step = make_step(campaign, territory, day=date(2022, 11, 4), format=StepFormat.ONLINE,
                     venue="Visioconférence", meeting_url="https://visio.example/secret-room")
    html = page(client, step)
    assert "les organisateurs l’envoient par courriel aux personnes inscrites" in html
    assert "secret-room" not in html  # never on the public page
    assert "openstreetmap" not in html and "Comment venir" not in html


# What was said: the latest published contributions, each linked, and « Contribuer ».

def contribution(step, body: str, status=ContributionStatus.PUBLISHED, **kw) -> Contribution:
    item = Contribution(campaign=step.campaign, territory=step.territory, step=step, body=body,
                        kind=ContributionKind.PROPOSAL, status=status,
                        published_at=datetime(2022, 11, 1, tzinfo=UTC), **kw)
    db.session.add(item)
    db.session.commit()
    return item


def expected_link(item: Contribution) -> str:
    if "contributions.detail" in current_app.view_functions:
        return f"/contributions/{item.reference}"
    return f"/demarches/{item.campaign.slug}/contributions?etape={item.step_id}#c{item.id}"


def test_step_page_shows_its_latest_contributions_with_links(client, lozere):
    territory, campaign = lozere
    campaign.contributions_open = True
    step = make_step(campaign, territory, day=date(2022, 10, 20))
    other = make_step(campaign, territory, day=date(2022, 10, 21))
    published = [contribution(step, f"Proposition numéro {n} <script>") for n in range(1, 5)]
    contribution(step, "En attente de relecture", ContributionStatus.PENDING)
    contribution(step, "Masquée après signalements", hidden_by_reports=True)
    contribution(other, "D’une autre étape")
    html = page(client, step)
    assert "Ce qui s’est dit" in html
    shown = [a for a in links(html) if a["text"].startswith("Proposition C-")]
    assert [a["text"] for a in shown] == [f"Proposition {c.reference}"
                                          for c in reversed(published[1:])]
    assert [a["href"] for a in shown] == [expected_link(c) for c in reversed(published[1:])]
    assert "Proposition numéro 4 &lt;script&gt;" in html and "<script>" not in html.split(
        "Ce qui s’est dit")[1].split("</section>")[0]
    for hidden in ("En attente de relecture", "Masquée après signalements", "autre étape",
                   "Proposition numéro 1 "):
        assert hidden not in html
    assert link_named(html, "Toutes les contributions de cette étape")["href"] == (
        f"/demarches/{campaign.slug}/contributions?etape={step.id}")
    assert link_named(html, "Contribuer")["href"] == (
        f"/demarches/{campaign.slug}/contribuer?etape={step.id}")


def test_contribuer_is_offered_only_while_contributions_are_open(client, lozere):
    territory, campaign = lozere
    step = make_step(campaign, territory, day=date(2022, 11, 4))
    assert "Contribuer à cette étape" not in page(client, step)  # nothing said, nothing to do
    campaign.contributions_open = True
    db.session.commit()
    html = page(client, step)
    assert "Contribuer à cette étape" in html
    assert link_named(html, "Contribuer")["href"].endswith(f"contribuer?etape={step.id}")


def test_cancelled_step_offers_to_contribute_to_the_campaign_instead(client, lozere):
    territory, campaign = lozere
    campaign.contributions_open = True
    step = make_step(campaign, territory, status=StepStatus.CANCELLED)
    html = page(client, step)
    assert link_named(html, "Contribuer en ligne")["href"] == (
        f"/demarches/{campaign.slug}/contribuer")
    assert f"etape={step.id}" not in html


# Cancellation is stored by the service, and an organiser edits « Comment venir ».

def test_cancel_step_records_reason_and_moment(app, lozere):
    territory, campaign = lozere
    step = make_step(campaign, territory)
    services.cancel_step(step, None, "Intempéries")
    db.session.expire_all()
    assert (step.status, step.cancellation_reason) == (StepStatus.CANCELLED, "Intempéries")
    assert step.cancelled_at == datetime(2022, 11, 3, 11, tzinfo=UTC)


def test_organiser_writes_comment_venir_in_the_step_form(client, lozere):
    from app.accounts.models import Role
    from tests.campaigns.test_manage_steps import step_form
    from tests.factories import make_user
    from tests.helpers import login_as, post_form

    territory, campaign = lozere
    step = make_step(campaign, territory)
    login_as(client, make_user(Role.ORGANISER, [territory]))
    form = step_form(campaign, territory, access_info="  Tram A, arrêt Hôpital.  ")
    response = post_form(client, f"/gestion/etapes/{step.id}/modifier", form)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(type(step).access_info)
                             .where(type(step).id == step.id)) == "Tram A, arrêt Hôpital."
    assert "Tram A, arrêt Hôpital." in client.get(
        f"/gestion/etapes/{step.id}/modifier").get_data(as_text=True)
    too_long = post_form(client, f"/gestion/etapes/{step.id}/modifier",
                         step_form(campaign, territory, access_info="x" * 1001))
    assert "ne doit pas dépasser 1000 caractères" in too_long.get_data(as_text=True)


def test_upcoming_step_page_queries_do_not_grow_with_its_contributions(client, lozere):
    from tests.helpers import count_queries

    territory, campaign = lozere
    campaign.contributions_open = True
    step = make_step(campaign, territory, day=date(2022, 11, 4), capacity=100)

    def statements() -> int:
        page(client, step)  # warm-up
        with count_queries() as queries:
            page(client, step)
        return len(queries)

    contribution(step, "La première")
    few = statements()
    for number in range(30):
        contribution(step, f"Encore une, la {number}")
    print(f"upcoming step page: {few} statements")
    assert statements() == few <= 8


def test_a_programme_contributions_and_a_press_kit_cost_no_statement_more(app, client, lozere,
                                                                           monkeypatch):
    """The step page's statements are fixed (issue 15): the questions of its programme and of
    its contributions are the campaign's, loaded with the step, and its press kit's files
    belong to the step the page holds."""
    from app.press.models import PressKitFile
    from tests.helpers import count_queries

    cache = app.extensions.get("page_cache")
    if cache is not None:  # what the page costs to build, not a cached answer
        monkeypatch.setattr(cache, "capacity", 0)
    territory, campaign = lozere
    campaign.contributions_open = True
    bare = make_step(campaign, territory, day=date(2022, 10, 20))
    full = make_step(campaign, territory, day=date(2022, 10, 21))
    full.agenda_items = [AgendaItem(kind=AgendaKind.WORKSHOP, title=f"Atelier {number}",
                                    challenge=challenge)
                         for number, challenge in enumerate(campaign.challenges)]
    db.session.add_all([
        StepReport(step=full, discussion="Échanges nourris.",
                   published_at=datetime(2022, 10, 25, tzinfo=UTC)),
        PressKitFile(campaign=campaign, step=full, title="Communiqué", size=8,
                     original_name="communique.pdf", content_type="application/pdf",
                     stored_name="bench-communique")])
    db.session.commit()
    for challenge in campaign.challenges:
        contribution(full, f"Sur « {challenge.title} »", challenge=challenge)

    def statements(step) -> tuple[int, str]:
        page(client, step)  # warm-up
        with count_queries() as queries:
            html = page(client, step)
        return len(queries), html

    few, _ = statements(bare)
    many, html = statements(full)
    assert "Communiqué" in html and "Échanges nourris." in html and "Atelier 1" in html
    assert all(challenge.description in html for challenge in campaign.challenges)
    assert many == few
