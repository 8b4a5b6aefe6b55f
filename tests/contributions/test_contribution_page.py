"""A contribution's own page, the way back after « Soutenir » or « Signaler », and the paths
into participation (navigation, home page, question tiles)."""

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.accounts.models import Role
from app.contributions.models import AnswerState, ContributionKind, ContributionStatus
from app.extensions import db
from app.syntheses.models import Synthesis
from tests.contributions.support import add, all_contributions
from tests.factories import make_campaign, make_step, make_user
from tests.helpers import csrf_token, login_as, post_form

LIST = "/demarches/cnr/contributions"


def page_of(contribution) -> str:
    return f"/contributions/{contribution.reference}"


@pytest.fixture
def answered(world):
    step = make_step(world["campaign"], world["aveyron"], title="CNR santé Aveyron")
    return add(world, "Des maisons de santé dans chaque canton.\nEt des bus.",
               title="Maisons de santé", pseudonym="Lou", email="secret.auteur@example.org",
               step=step, support_count=3, published_at=datetime(2022, 11, 5, 9, tzinfo=UTC),
               answer_state=AnswerState.ADOPTED, answer="Retenue au projet régional.",
               answered_at=datetime(2022, 12, 1, 9, tzinfo=UTC))


# ---------------------------------------------------------------- the contribution's page


def test_the_page_shows_the_text_tags_answer_supports_and_a_link_to_share(client, answered):
    response = client.get(page_of(answered))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert answered.reference == f"C-{answered.id:06d}"
    assert "<title>Maisons de santé — Démarche" in html
    assert re.search(r'<meta name="description" content="Proposition C-\d{6} \(Aveyron \(12\)\)'
                     r' : Des maisons de santé dans chaque canton\.', html)
    assert '<h1 id="titre-contribution" class="fr-h2">Maisons de santé</h1>' in html
    assert "Des maisons de santé dans chaque canton.\nEt des bus." in html
    for tag in ("Proposition", "Aveyron (12)", "L’accès aux soins", "CNR santé Aveyron"):
        assert tag in html, tag
    assert f'href="/etapes/{answered.step_id}"' in html
    assert "Retenue au projet régional." in html and "Réponse du 1er décembre 2022" in html
    assert "3 soutiens" in html and ">Soutenir<" in html
    share = f"http://localhost/contributions/{answered.reference}"
    assert f'readonly value="{share}"' in html
    assert "mailto:?subject=" in html and "http%3A//localhost/contributions/" in html
    assert "Lou" in html  # the pseudonym its author chose to show
    assert "secret.auteur@example.org" not in html


def test_the_share_link_follows_the_public_base_url(app, client, answered):
    app.config["PUBLIC_BASE_URL"] = "https://concertation.example.fr"
    html = client.get(page_of(answered)).get_data(as_text=True)
    assert f'value="https://concertation.example.fr/contributions/{answered.reference}"' in html


def test_a_contribution_without_title_is_named_by_its_kind_and_reference(client, world):
    testimony = add(world, "J’attends neuf mois un ophtalmologiste.",
                    kind=ContributionKind.TESTIMONY)
    html = client.get(page_of(testimony)).get_data(as_text=True)
    assert f">Parole de citoyen {testimony.reference}</h1>" in html
    assert ">Soutenir<" not in html  # only proposals are supported


@pytest.mark.parametrize("state", ["pending", "rejected", "hidden"])
def test_no_page_for_what_the_public_may_not_read(client, world, state):
    contribution = add(world, "Pas pour le public", **{
        "pending": {"status": ContributionStatus.PENDING},
        "rejected": {"status": ContributionStatus.REJECTED},
        "hidden": {"hidden_by_reports": True}}[state])
    assert client.get(page_of(contribution)).status_code == 404
    login_as(client, make_user(Role.ADMIN))  # not even for staff: they moderate elsewhere
    assert client.get(page_of(contribution)).status_code == 404


def test_a_merged_duplicate_leads_to_the_contribution_it_was_merged_into(client, world):
    target = add(world, "Des bus santé dans les villages")
    duplicate = add(world, "Un bus médical qui passe", status=ContributionStatus.REJECTED,
                    merged_into=target)
    response = client.get(page_of(duplicate))
    assert response.status_code == 301 and response.location == page_of(target)
    target.hidden_by_reports = True
    db.session.commit()
    assert client.get(page_of(duplicate)).status_code == 404


@pytest.mark.parametrize("reference", ["C-000000", "C-", "C-abc", "X-000001", "C-99999999999",
                                       "C-²", "C-0000001%2F..", "C-1.5", "C-%20"])
def test_a_malformed_or_unknown_reference_is_a_404(client, world, reference):
    add(world, "Une proposition publiée")
    assert client.get(f"/contributions/{reference}").status_code == 404


def test_a_short_reference_redirects_to_the_one_address(client, world):
    contribution = add(world, "Une proposition publiée")
    response = client.get(f"/contributions/c-{contribution.id}")
    assert response.status_code == 301 and response.location == page_of(contribution)


def test_typed_text_is_shown_as_text_on_the_page(client, world):
    contribution = add(world, "<script>alert('corps')</script> texte",
                       title="<img src=x onerror=alert(1)>",
                       answer_state=AnswerState.STUDYING, answer="<b>réponse</b>")
    html = client.get(page_of(contribution)).get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>réponse" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;b&gt;réponse&lt;/b&gt;" in html


# ---------------------------------------------------------------- the list's cards


def test_each_card_reads_title_text_tags_then_actions_and_links_to_its_page(client, answered):
    html = client.get(LIST).get_data(as_text=True)
    card = html[html.index(f'id="c{answered.id}"'):]
    card = card[:card.index("</article>")]
    assert f'<a href="{page_of(answered)}">Maisons de santé</a>' in card
    order = [card.index(marker) for marker in (
        "Maisons de santé", "Des maisons de santé dans chaque canton", "Aveyron (12)",
        f"{answered.reference} — Lou", "Retenue au projet régional", ">Soutenir<",
        "Signaler")]
    assert order == sorted(order)


# ---------------------------------------------------------------- back to the same list


FILTERED = (f"{LIST}?departement={{aveyron}}&question={{challenge}}&q=maisons&type=proposal"
            "&tri=soutiens")


def _filtered(world) -> str:
    return FILTERED.format(aveyron=world["aveyron"].id, challenge=world["challenge"].id)


def test_support_from_a_filtered_list_comes_back_to_it_at_the_card(client, answered, world):
    listing = _filtered(world)
    html = client.get(listing).get_data(as_text=True)
    retour = re.search(r'name="retour" value="([^"]+)"', html).group(1).replace("&amp;", "&")
    response = post_form(client, f"/contributions/{answered.id}/soutenir", {"retour": retour},
                         token_from=listing)
    location = urlsplit(response.location)
    assert location.path == LIST and location.fragment == f"c{answered.id}"
    assert parse_qs(location.query) == parse_qs(urlsplit(listing).query)
    back = client.get(response.location).get_data(as_text=True)
    assert "Merci pour votre soutien." in back and "Vous soutenez" in back
    assert all_contributions()[0].support_count == 4


def test_report_from_a_filtered_list_comes_back_to_it(client, answered, world):
    listing = _filtered(world) + "&avant=999"
    response = post_form(client, f"/contributions/{answered.id}/signaler",
                         {"reason": "Hors sujet", "retour": listing}, token_from=LIST)
    location = urlsplit(response.location)
    assert (location.path, location.fragment) == (LIST, f"c{answered.id}")
    assert parse_qs(location.query)["avant"] == ["999"]
    assert parse_qs(location.query)["q"] == ["maisons"]


def test_support_from_the_page_comes_back_to_the_page(client, answered):
    response = post_form(client, f"/contributions/{answered.id}/soutenir",
                         {"retour": page_of(answered)}, token_from=page_of(answered))
    assert response.location == page_of(answered)
    assert "Vous soutenez" in client.get(page_of(answered)).get_data(as_text=True)


def test_a_report_that_hides_the_contribution_does_not_lead_to_a_404(app, client, answered):
    app.config["CONTRIBUTION_REPORT_THRESHOLD"] = 1
    response = post_form(client, f"/contributions/{answered.id}/signaler",
                         {"retour": page_of(answered)}, token_from=page_of(answered))
    assert urlsplit(response.location).path == LIST
    assert client.get(page_of(answered)).status_code == 404


OTHER_CAMPAIGN_LIST = "/demarches/autre/contributions?q=x"


@pytest.mark.parametrize("retour", [
    "https://evil.example/demarches/cnr/contributions", "//evil.example/x",
    "/\\evil.example", "javascript:alert(1)", "/connexion?next=/gestion/", "/gestion/",
    OTHER_CAMPAIGN_LIST, "/demarches/cnr/contributions/../../gestion", "",
    "/demarches/cnr/contributions\r\nSet-Cookie: x=1", "http:/demarches/cnr/contributions",
    "//[", "/[::1]/x", "[",
])
def test_the_way_back_never_leaves_the_campaigns_list(client, world, retour):
    make_campaign(world["campaign"].territory, slug="autre")
    db.session.commit()
    proposal = add(world, "Des bus santé dans les villages")
    response = post_form(client, f"/contributions/{proposal.id}/soutenir", {"retour": retour},
                         token_from=LIST)
    assert response.status_code == 302
    assert response.location == f"{LIST}#c{proposal.id}"


def test_only_the_lists_own_arguments_come_back(client, world):
    proposal = add(world, "Des bus santé dans les villages")
    response = post_form(client, f"/contributions/{proposal.id}/soutenir",
                         {"retour": f"{LIST}?q=bus&next=//evil.example&_anchor=x&page=2"},
                         token_from=LIST)
    assert response.location == f"{LIST}?q=bus#c{proposal.id}"


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(retour=st.one_of(
    st.text(max_size=80),
    st.builds(lambda tail: LIST + tail, st.text(max_size=60)),
    st.builds(lambda host, tail: f"{host}{tail}",
              st.sampled_from(["//", "/\\", "http://", "https:", "\\\\", "/%2F", " //"]),
              st.text(max_size=40))))
def test_whatever_is_posted_as_the_way_back_stays_on_the_list(app, world, retour):
    client = app.test_client()
    token = csrf_token(client)
    proposal_id = db.session.scalar(sa.text("SELECT max(id) FROM contribution")) or add(
        world, "Des bus santé dans les villages").id
    response = client.post(f"/contributions/{proposal_id}/soutenir",
                           data={"retour": retour, "csrf_token": token})
    location = urlsplit(response.location)
    assert response.status_code == 302
    assert not location.scheme and not location.netloc
    assert location.path == LIST and location.fragment == f"c{proposal_id}"
    assert set(parse_qs(location.query)) <= {"q", "departement", "question", "type", "etape",
                                             "categorie", "reponse", "tri", "avant"}


# ---------------------------------------------------------------- the paths in


def test_participer_leads_to_the_featured_campaigns_contributions(app, client, world):
    assert client.get("/participer").location == LIST
    app.config["FEATURED_CAMPAIGN"] = make_campaign(world["campaign"].territory, slug="autre").slug
    db.session.commit()
    assert client.get("/participer").location == "/demarches/autre/contributions"


def test_participer_without_any_campaign_leads_home(client):
    assert client.get("/participer").location == "/"


def test_every_page_offers_participer_in_the_navigation(client, answered):
    for url in ("/", "/calendrier", LIST, page_of(answered)):
        html = client.get(url).get_data(as_text=True)
        assert re.search(r'<a class="fr-nav__link" href="/participer"[^>]*>Participer</a>',
                         html), url
    assert 'href="/participer" aria-current="true">' in client.get(LIST).get_data(as_text=True)


def test_home_page_calls_to_participate_and_its_question_tiles_lead_to_contributions(
        client, answered, world):
    html = client.get("/").get_data(as_text=True)
    assert f'href="{LIST}">Donner mon avis</a>' in html
    for challenge in world["campaign"].challenges:
        assert (f'<h3 class="fr-tile__title"><a href="{LIST}?question={challenge.id}">'
                f"{challenge.title}</a></h3>") in html
    assert html.count("fr-tile fr-tile--vertical fr-enlarge-link") == 2
    assert "1 contribution publiée" in html and "Aucune contribution publiée" in html
    tile = client.get(f"{LIST}?question={world['challenge'].id}").get_data(as_text=True)
    assert "Maisons de santé" in tile


def test_the_campaign_page_says_the_deadline_once_and_links_its_questions(client, world):
    world["campaign"].description = "Une démarche de concertation."
    db.session.commit()
    html = client.get("/demarches/cnr").get_data(as_text=True)
    assert html.count("31 décembre 2022") == 1
    assert f'<a href="{LIST}?question={world["challenge"].id}">' in html


def test_the_favicon_is_served_where_browsers_look_for_it(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    assert response.get_data()[:4] == b"\x00\x00\x01\x00"


def test_the_projected_wall_declares_its_icon(client, world):
    step = make_step(world["campaign"], world["aveyron"])
    html = client.get(f"/etapes/{step.id}/mur").get_data(as_text=True)
    assert 'rel="icon" href="/static/vendor/dsfr/favicon/favicon.svg"' in html
    assert 'rel="icon" href="/favicon.ico"' in html


def test_the_synthesis_workspace_links_references_to_their_pages(client, answered, world):
    db.session.add(Synthesis(campaign=world["campaign"], territory=world["aveyron"]))
    db.session.commit()
    login_as(client, make_user(Role.ORGANISER, [world["aveyron"]]))
    html = client.get("/gestion/syntheses/cnr/12").get_data(as_text=True)
    assert f'<a href="{page_of(answered)}">{answered.reference}</a>' in html
