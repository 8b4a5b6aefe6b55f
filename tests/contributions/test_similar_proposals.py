"""« Des propositions proches existent déjà »: a proposal that looks like a published one stops
once on the public form, which comes back filled in, offering to support one of them instead
or to send it anyway. The likeness threshold is checked on real French rephrasings."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from app.contributions import queries, similarity
from app.contributions.models import Contribution, ContributionKind, ContributionStatus
from app.extensions import db
from app.registrations import tokens
from app.registrations.models import Registration, RegistrationStatus
from tests.contributions.support import add, all_contributions, contribution_form
from tests.factories import make_campaign, make_step
from tests.helpers import post_form

URL = "/demarches/cnr/contribuer"
NOTICE = "Des propositions proches existent déjà"

# Published CNR proposals of Ariège (the demo seed) and proposals a citizen could type for
# the same idea, in other words: each pair must reach the threshold…
ALIKE = [
    ("Mammobile : développer les actions d'aller vers dans tout le département de l'Ariège",
     "Développer les actions « d’aller vers », notamment le mammobile sur le département de "
     "l’Ariège."),
    ("Libérer du temps médical pour les médecins", "Libérer du temps médical."),
    ("Aider les jeunes médecins à s'installer en zone rurale",
     "Faciliter l’installation des jeunes médecins en zone rurale"),
    ("Améliorer les conditions de travail des soignants et leur reconnaissance",
     "Améliorer les conditions de travail, la qualité de vie au travail et la reconnaissance "
     "professionnelle."),
    ("Développer les outils numériques en santé comme la téléconsultation",
     "Développer l’usage des outils numériques en santé."),
    ("Développer le repérage précoce et la prévention",
     "Développer la prévention et le repérage précoce."),
    ("Finaliser la mise en place du service d'accès aux soins",
     "Finaliser l’installation du Service d’accès aux soins."),
    ("Mieux organiser la prise en charge des soins non programmés",
     "Consolider l’organisation de la prise en charge des soins non programmés."),
    ("Communiquer de façon positive sur les métiers de la santé",
     "Développer une communication active et positive sur les métiers de la santé."),
    ("Faciliter l'orientation des usagers dans leur parcours",
     "Faciliter le parcours des usagers et leur orientation."),
    ("Plus d'éducation à la santé et au bon usage du système de santé",
     "Développer les actions d’éducation à la santé et de bon usage du système de santé."),
    ("Un médecin traitant pour chaque habitant du département",
     "Trouver un médecin traitant pour chaque habitant"),
]
# … and proposals of the same campaign on other ideas, often with words in common
# (« développer », « faciliter », « santé », « hôpital »), must stay below it.
UNRELATED = [
    ("Ouvrir une maison de santé à Foix",
     "Développer une communication active et positive sur les métiers de la santé."),
    ("Créer des places de crèche pour les enfants",
     "Éducation à la santé dans les collèges et les lycées"),
    ("Développer le covoiturage vers l'hôpital",
     "Développer l’usage des outils numériques en santé."),
    ("Plus de transports en commun pour aller à l'hôpital de Saint-Girons",
     "Développer les actions « d’aller vers », notamment le mammobile sur le département de "
     "l’Ariège."),
    ("Former plus d'infirmières dans le département",
     "Développer les actions « d’aller vers », notamment le mammobile sur le département de "
     "l’Ariège."),
    ("Développer la prévention du diabète chez les jeunes",
     "Développer la prévention et le repérage précoce."),
    ("Faciliter l'accès aux soins dentaires",
     "Finaliser l’installation du Service d’accès aux soins."),
    ("Faciliter l’installation des pharmacies en zone rurale",
     "Faciliter le parcours des usagers et leur orientation."),
    ("Développer les actions de prévention dans les écoles",
     "Développer l’usage des outils numériques en santé."),
    ("Améliorer l'accueil aux urgences de l'hôpital",
     "Améliorer les conditions de travail, la qualité de vie au travail et la reconnaissance "
     "professionnelle."),
    ("Rembourser les lunettes et les prothèses auditives", "Libérer du temps médical."),
    ("Des consultations de pédiatrie le samedi matin",
     "Consolider l’organisation de la prise en charge des soins non programmés."),
    ("Impliquer les usagers dans la gouvernance de l'hôpital",
     "Impliquer davantage les usagers dans l’élaboration des programmes de prévention et "
     "promotion de la santé."),
    ("Développer la télémédecine dans les Ehpad",
     "Développer une communication active et positive sur les métiers de la santé."),
]

PUBLISHED = "Libérer du temps médical."
TYPED = "Libérer du temps médical pour les médecins"
# What people add around their idea: the idea still has to be found.
EXPLAINED = " Dans mon village, on attend des mois et personne ne répond au téléphone le soir."
TESTIMONY_LIKE = (
    "Je vis à Saint-Girons et je n'ai pas de voiture. Pour aller à l'hôpital de Foix il faut "
    "prendre deux bus. Ma fille travaille à la crèche et elle dit que les places manquent. Les "
    "pharmacies ferment le dimanche. Le dentiste le plus proche est à quarante minutes, et il "
    "ne prend plus de nouveaux patients. Les urgences sont saturées le week-end, on attend six "
    "heures. Il faudrait des consultations le samedi, une maison de santé dans la vallée, des "
    "transports à la demande pour les personnes âgées, et une meilleure information sur les "
    "numéros à appeler la nuit. Les jeunes partent, les médecins aussi. ") * 3


def score(typed: str, published: str, title: str = "") -> float:
    """The resemblance the form computes between a typed and a published proposal."""
    found = similarity.most_alike(similarity.phrasings(title, typed),
                                  [(1, similarity.phrasings("", published))], cutoff=0)
    return found[0][1] if found else 0.0


@pytest.mark.parametrize(("typed", "published"), ALIKE)
def test_rephrasings_of_a_published_proposal_reach_the_threshold(typed, published):
    assert score(typed, published) >= similarity.ALIKE_SCORE


@pytest.mark.parametrize(("typed", "published"), ALIKE)
def test_a_rephrasing_explained_in_a_longer_text_still_reaches_it(typed, published):
    assert score(f"{typed}.{EXPLAINED}", published) >= similarity.ALIKE_SCORE


@pytest.mark.parametrize(("typed", "published"), UNRELATED)
def test_other_ideas_stay_below_the_threshold(typed, published):
    assert score(typed, published) < similarity.ALIKE_SCORE
    assert score(f"{typed}.{EXPLAINED}", published) < similarity.ALIKE_SCORE


def test_a_long_text_about_many_things_is_like_none_of_the_proposals():
    published = {published for _typed, published in ALIKE + UNRELATED}
    assert max(score(TESTIMONY_LIKE, text) for text in published) < similarity.ALIKE_SCORE


def test_the_threshold_sits_between_the_two_sets():
    lowest_alike = min(score(*pair) for pair in ALIKE)
    highest_unrelated = max(score(*pair) for pair in UNRELATED)
    assert highest_unrelated < similarity.ALIKE_SCORE <= lowest_alike
    # The synthesis's near-duplicates are a stricter use of the same measure.
    assert similarity.ALIKE_SCORE < similarity.DUPLICATE_SCORE


def test_a_published_proposal_inside_a_longer_sentence_is_found_where_token_sort_fails():
    typed = "Libérer du temps médical pour les médecins généralistes, moins de papiers."
    alone = similarity.likeness(similarity.signature(typed), similarity.signature(PUBLISHED))
    assert alone < similarity.ALIKE_SCORE  # why the form also measures containment
    assert score(typed, PUBLISHED) == 100


def test_a_precise_title_finds_its_match_around_a_long_text():
    body = ("Dans mon cabinet, je passe deux heures par jour sur des formulaires de la caisse, "
            "des certificats pour le sport et des appels pour trouver un lit, et les "
            "secrétariats partagés, les assistants, tout ce qui soulagerait les équipes de "
            "soins reste rare dans nos vallées où chacun fait tout, tout le temps, seul.")
    assert score(body, PUBLISHED) < similarity.ALIKE_SCORE
    assert score(body, PUBLISHED, title=TYPED) >= similarity.ALIKE_SCORE


def test_one_word_never_looks_like_anything():
    assert score("Médecins !", "Des médecins") == 0


# --- The form -------------------------------------------------------------------------------

class _FormReader(HTMLParser):
    """What a browser would send from the form ``form_id``: each field's current value."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.values = form_id, False, {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            if attrs.get("type") not in ("radio", "checkbox") or "checked" in attrs:
                self.values[name] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea, self.values[name] = name, ""
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def form_values(html: str, form_id: str = "contribution-form") -> dict[str, str]:
    reader = _FormReader(form_id)
    reader.feed(html)
    for name, value in reader.values.items():  # a browser drops a textarea's first newline
        if value.startswith(("\r\n", "\n")) and name in ("body",):
            reader.values[name] = value.split("\n", 1)[1]
    return reader.values


def proposal_form(world, **overrides) -> dict:
    """A proposal, every field filled in as a person would."""
    step = make_step(world["campaign"], world["ariege"])
    values = {"kind": "proposal", "title": "Du temps pour soigner", "body": TYPED,
              "territory_id": world["ariege"].id, "step_id": step.id, "pseudonym": "Lou",
              "age_range": "45-64", "category": "usagers", "email": "lou@example.org",
              "submission_key": "0b7c6f2e-4d1a-4c7e-9a53-3f2d8e1c9b10"}
    values.update(overrides)
    return contribution_form(world, **values)


def test_a_look_alike_is_shown_nothing_is_saved_and_every_typed_field_is_kept(client, world):
    published = add(world, PUBLISHED, territory="ariege", support_count=3)
    data = proposal_form(world)
    response = post_form(client, URL, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert all_contributions() == [published]  # nothing saved
    assert NOTICE in html and "<title>Des propositions proches existent déjà" in html
    notice = html[html.index('id="propositions-proches"'):html.index('id="contribution-form"')]
    assert PUBLISHED in notice and published.reference in notice and "3 soutiens" in notice
    assert f'action="/contributions/{published.id}/soutenir"' in notice
    assert "Soutenir cette proposition" in notice
    assert f'href="/contributions/{published.reference}"' in notice  # its own page
    assert f'name="retour" value="/contributions/{published.reference}"' in notice
    assert re.search(r'<button type="submit" class="fr-btn" form="contribution-form" '
                     r'name="confirm_distinct" value="y">Envoyer quand même ma proposition',
                     notice)
    kept = form_values(html)
    for name, value in data.items():
        if name != "website":
            assert kept[name] == str(value), name
    assert kept["seen_similar"] == str(published.id)
    assert kept["csrf_token"]


def test_send_anyway_saves_exactly_one_proposal_even_when_clicked_twice(client, world):
    add(world, PUBLISHED, territory="ariege")
    data = proposal_form(world)
    html = post_form(client, URL, data).get_data(as_text=True)
    resent = {**form_values(html), "confirm_distinct": "y"}
    response = client.post(URL, data=resent)
    assert response.status_code == 302
    assert client.post(URL, data=resent).status_code == 302  # a double click
    saved = [c for c in all_contributions() if c.body == TYPED]
    assert len(saved) == 1
    [proposal] = saved
    assert (proposal.kind, proposal.title, proposal.pseudonym, proposal.email,
            proposal.territory_id, proposal.step_id, proposal.age_range) == (
        ContributionKind.PROPOSAL, "Du temps pour soigner", "Lou", "lou@example.org",
        world["ariege"].id, data["step_id"], "45-64")
    assert proposal.submission_key == data["submission_key"]


def test_sending_the_same_text_again_after_seeing_the_look_alikes_saves_it(client, world):
    add(world, PUBLISHED, territory="ariege")
    html = post_form(client, URL, proposal_form(world)).get_data(as_text=True)
    assert client.post(URL, data=form_values(html)).status_code == 302
    assert len(all_contributions()) == 2


def test_a_new_look_alike_after_an_edit_is_shown_too(client, world):
    first = add(world, PUBLISHED, territory="ariege")
    second = add(world, "Rendre du temps médical aux médecins traitants", territory="ariege")
    html = post_form(client, URL, proposal_form(world, title="", body="Libérer du temps "
                                                                     "médical")).get_data(
        as_text=True)
    shown = form_values(html)["seen_similar"]
    assert shown == str(first.id)
    edited = {**form_values(html), "body": "Rendre du temps médical aux médecins"}
    html = client.post(URL, data=edited).get_data(as_text=True)
    assert NOTICE in html and second.reference in html
    assert form_values(html)["seen_similar"] == f"{first.id},{second.id}"


def test_a_double_click_on_a_proposal_published_at_once_is_not_its_own_look_alike(client,
                                                                                  world):
    world["campaign"].moderation_required = False
    db.session.commit()
    data = proposal_form(world)
    first = post_form(client, URL, data)
    second = post_form(client, URL, data)
    assert (first.status_code, second.status_code) == (302, 302)
    [proposal] = all_contributions()
    assert proposal.published_at is not None


def test_a_testimony_is_never_held_back(client, world):
    add(world, PUBLISHED, territory="ariege")
    response = post_form(client, URL, proposal_form(world, kind="testimony", body=PUBLISHED))
    assert response.status_code == 302
    assert len(all_contributions()) == 2


def test_nothing_alike_saves_at_once(client, world):
    add(world, "Développer l’usage des outils numériques en santé.", territory="ariege")
    assert post_form(client, URL, proposal_form(world)).status_code == 302


@pytest.mark.parametrize("state", [
    {"status": ContributionStatus.PENDING},
    {"status": ContributionStatus.REJECTED},
    {"hidden_by_reports": True},
    {"kind": ContributionKind.TESTIMONY},
])
def test_unpublished_hidden_merged_or_testimonies_are_never_suggested(client, world, state):
    add(world, PUBLISHED, territory="ariege", **state)
    assert post_form(client, URL, proposal_form(world)).status_code == 302


def test_a_merged_duplicate_is_never_suggested_but_what_it_was_merged_into_is(client, world):
    kept = add(world, "Libérer du temps médical pour soigner", territory="ariege")
    add(world, PUBLISHED, territory="ariege", merged_into_id=kept.id)
    html = post_form(client, URL, proposal_form(world)).get_data(as_text=True)
    assert form_values(html)["seen_similar"] == str(kept.id)


def test_another_campaigns_or_another_questions_proposals_are_never_suggested(client, world):
    other = make_campaign(world["campaign"].territory, slug="autre", contributions_open=True)
    db.session.add(Contribution(campaign=other, kind=ContributionKind.PROPOSAL, body=PUBLISHED,
                                territory=world["ariege"], status=ContributionStatus.PUBLISHED))
    add(world, PUBLISHED, territory="ariege", challenge=world["campaign"].challenges[1])
    assert post_form(client, URL, proposal_form(world)).status_code == 302


def test_a_suggested_title_is_shown_as_text(client, world):
    payload = "<script>alert(1)</script><b>Temps médical</b>"
    add(world, PUBLISHED, territory="ariege", title=payload)
    html = post_form(client, URL, proposal_form(world, title=payload)).get_data(as_text=True)
    notice = html[html.index('id="propositions-proches"'):html.index('id="contribution-form"')]
    assert "<script>alert(1)" not in html and "<b>Temps" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;Temps médical&lt;/b&gt;" in notice
    assert form_values(html)["title"] == payload  # and the typed one kept as typed


def test_supporting_a_suggestion_instead_brings_to_its_page(client, world):
    published = add(world, PUBLISHED, territory="ariege")
    html = post_form(client, URL, proposal_form(world)).get_data(as_text=True)
    token = form_values(html)["csrf_token"]
    response = client.post(f"/contributions/{published.id}/soutenir",
                           data={"csrf_token": token,
                                 "retour": f"/contributions/{published.reference}"})
    assert response.headers["Location"] == f"/contributions/{published.reference}"
    db.session.expire_all()
    assert published.support_count == 1
    assert len(all_contributions()) == 1
    # Shown again, the suggestion says it is supported rather than offering a second support.
    html = post_form(client, URL, proposal_form(world)).get_data(as_text=True)
    assert "Vous soutenez cette proposition" in html
    assert f'action="/contributions/{published.id}/soutenir"' not in html


def test_the_honeypot_refuses_a_robot_before_any_suggestion(client, world):
    add(world, PUBLISHED, territory="ariege")
    assert post_form(client, URL, proposal_form(world, website="http://spam")).status_code == 400


def test_registered_participants_see_look_alikes_and_keep_their_link(client, world):
    world["campaign"].contributions_open = False
    step = make_step(world["campaign"], world["ariege"])
    registration = Registration(step=step, first_name="Lou", last_name="Martin",
                                email="lou@example.org", category="usagers",
                                status=RegistrationStatus.CONFIRMED)
    db.session.add(registration)
    db.session.commit()
    add(world, PUBLISHED, territory="ariege")
    token = tokens.make(registration.uuid)
    link = f"{URL}?inscription={token}"
    html = post_form(client, link, proposal_form(world, inscription=token)).get_data(
        as_text=True)
    assert NOTICE in html
    values = form_values(html)
    assert values["inscription"] == token
    assert client.post(URL, data={**values, "confirm_distinct": "y"}).status_code == 302
    assert len(all_contributions()) == 2


def test_showing_look_alikes_counts_against_the_email_limit(app, client, world):
    app.config["CONTRIBUTION_LIMIT_PER_EMAIL"] = "2 per hour"
    add(world, PUBLISHED, territory="ariege")
    html = post_form(client, URL, proposal_form(world)).get_data(as_text=True)
    assert client.post(URL, data={**form_values(html), "confirm_distinct": "y"}).status_code \
        == 302
    again = post_form(client, URL, proposal_form(world, submission_key="k-2"))
    assert again.status_code == 429


def test_at_most_four_look_alikes_best_first(client, world):
    for number in range(6):
        add(world, f"Libérer du temps médical {'vraiment ' * number}", territory="ariege")
    best = add(world, TYPED, territory="ariege")
    html = post_form(client, URL, proposal_form(world, title="")).get_data(as_text=True)
    ids = [int(i) for i in re.findall(r'id="proche-(\d+)"', html)]
    assert len(ids) == similarity.SHOWN == 4
    assert ids[0] == best.id


def test_candidates_are_bounded_most_supported_first(world):
    add(world, "Moins soutenue", support_count=1)
    top = add(world, "Plus soutenue", support_count=9)
    rows = queries.proposals_to_compare(world["campaign"], world["challenge"].id, limit=1)
    assert [row.id for row in rows] == [top.id]


def test_the_synthesis_near_duplicates_use_the_same_measure(world):
    first = add(world, "Faciliter l’installation des jeunes médecins en zone rurale")
    second = add(world, "Faciliter l’installation de jeunes médecins en zones rurales")
    add(world, "Développer le dépistage organisé par le mammobile")
    from app.syntheses.writing_help import near_duplicates

    proposals = list(db.session.scalars(sa.select(Contribution).order_by(Contribution.id)))
    assert near_duplicates(proposals) == [[first, second]]
    assert score(first.body, second.body) >= similarity.DUPLICATE_SCORE


def test_near_duplicate_sets_join_repeats_and_rephrasings_across_blocks(monkeypatch):
    """Exact repeats join at once, rephrasings through their scores, across blocks of rows;
    the sets are those every pair's score gives, one step at a time."""
    from app.contributions import similarity

    monkeypatch.setattr(similarity, "PAIR_BLOCK", 2)
    texts = ["Ouvrir une maison de santé dans chaque canton.",
             "Former la population aux gestes qui sauvent.",
             "Ouvrir une maison de santé dans chaque canton.",
             "Dans chaque canton, ouvrir une maison de santé.",
             "Former toute la population aux gestes qui sauvent.",
             "Un bus de dépistage dans les villages.",
             "",
             ""]
    found = similarity.near_duplicates(list(range(len(texts))), texts.__getitem__)
    assert sorted(found) == [[0, 2, 3], [1, 4]]
    signatures = [similarity.signature(text) for text in texts]
    brute = {(i, j) for i in range(len(texts)) for j in range(i + 1, len(texts))
             if signatures[i] and signatures[j]
             and similarity.likeness(signatures[i], signatures[j]) >= similarity.DUPLICATE_SCORE}
    joined = {(i, j) for group in found for i in group for j in group if i < j}
    assert brute <= joined
