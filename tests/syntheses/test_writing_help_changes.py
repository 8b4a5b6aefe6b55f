"""What is new since the last validation (issue 16): validating a synthesis keeps what each
question's writing help said; afterwards its page marks the themes that grew (« +N
contributions depuis… ») or appeared (« Nouveau depuis… »), matched by their contributions
rather than by their names, and lists them first; nothing is marked before any validation."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.clock import now
from app.contributions.models import Contribution
from app.extensions import db
from app.syntheses import help_changes, services
from app.syntheses.models import Synthesis, SynthesisState, ThemeSnapshot
from app.syntheses.writing_help import Help, Theme
from tests.contributions.support import add
from tests.factories import make_user
from tests.helpers import login_as, post_form
from tests.syntheses.test_writing_help import DOCTORS, PREVENTION

BASE = "/gestion/syntheses/cnr/12"
TRANSPORT = ["Un transport à la demande pour aller à l’hôpital",
             "Des navettes de transport vers l’hôpital de Rodez",
             "Le transport des patients vers l’hôpital coûte trop cher",
             "Rembourser le transport vers l’hôpital pour les personnes âgées"]
MORE_DOCTORS = ["Des médecins généralistes salariés dans les villages",
                "Un médecin traitant pour chaque enfant"]
CHANGED = "Ce qui a changé depuis la dernière validation"


@pytest.fixture
def frozen(app, monkeypatch):
    monkeypatch.setitem(app.config, "CONCERTO_NOW", "2026-12-04T10:00")


def _snapshots() -> dict[int, ThemeSnapshot]:
    db.session.expire_all()
    return {s.challenge_id: s for s in db.session.scalars(sa.select(ThemeSnapshot))}


def _validate(client) -> None:
    login_as(client, make_user(Role.ADMIN))
    post_form(client, f"{BASE}/valider", {}, token_from=BASE)


def _reopen(client) -> None:
    post_form(client, f"{BASE}/brouillon", {}, token_from=BASE)


def test_validation_keeps_each_questions_themes(client, world, frozen):
    for text in DOCTORS + PREVENTION:
        add(world, text)
    url = f"{BASE}/aide/{world['challenge'].id}"
    login_as(client, make_user(Role.ORGANISER, [world["aveyron"]]))
    client.get(url)  # the help is computed (here at once; by a worker in production)
    _validate(client)
    snapshots = _snapshots()
    assert set(snapshots) == {c.id for c in world["campaign"].challenges}
    kept = snapshots[world["challenge"].id]
    ids = [c.id for c in db.session.scalars(sa.select(Contribution).order_by(Contribution.id))]
    assert kept.contributions == ids
    assert kept.validated_at == db.session.scalar(sa.select(Synthesis)).validated_at
    assert kept.themes and {m for t in kept.themes for m in t["members"]} <= set(ids)
    assert all(t["size"] == len(t["members"]) and t["label"] for t in kept.themes)
    # A question without contributions: its (empty) help was computed for it.
    others = [s for s in snapshots.values() if s.challenge_id != world["challenge"].id]
    assert others and all(s.contributions == [] and s.themes == [] for s in others)


def test_nothing_is_marked_before_any_validation(client, world):
    for text in DOCTORS + PREVENTION + TRANSPORT:
        add(world, text)
    login_as(client, make_user(Role.ORGANISER, [world["aveyron"]]))
    html = client.get(f"{BASE}/aide/{world['challenge'].id}").get_data(as_text=True)
    assert "Les sujets abordés" in html
    assert CHANGED not in html and "depuis la version validée" not in html
    assert "fr-badge" not in html


def test_new_contributions_mark_a_grown_theme_and_a_new_one(client, world, frozen):
    for text in DOCTORS + PREVENTION:
        add(world, text)
    url = f"{BASE}/aide/{world['challenge'].id}"
    _validate(client)
    html = client.get(url).get_data(as_text=True)
    assert CHANGED in html and "validée le 04/12/2026" in html
    assert "Aucun sujet n’a reçu de nouvelle contribution depuis" in html
    _reopen(client)
    for text in TRANSPORT + MORE_DOCTORS:
        add(world, text)
    html = client.get(url).get_data(as_text=True)
    assert "depuis, 6 contributions ont été publiées" in html
    marks = re.findall(r'class="fr-badge fr-badge--sm fr-badge--(new|info)">([^<]*)<', html)
    # The transport theme is new; the doctors' theme(s) grew by the two new texts; the
    # prevention themes, which took none, are not marked.
    assert [text for kind, text in marks if kind == "new"] == [
        "Nouveau depuis la version validée du 04/12/2026"]
    grown = [re.fullmatch(r"\+(\d) contributions? depuis la version validée du 04/12/2026",
                          text) for kind, text in marks if kind == "info"]
    assert grown and all(grown) and sum(int(m.group(1)) for m in grown) == 2
    block = html[html.index(CHANGED):html.index("En résumé")]
    assert block.count('<a href="#sujet-') == len(marks)
    cards = html[html.index("Les sujets abordés"):]
    assert "Nouveau depuis" in cards and "Écoles" not in block


def _theme(members: list[Contribution]) -> Theme:
    return Theme(label="", size=len(members), share=0.0, proposals=[], testimonies=[],
                 members=members)


def test_themes_are_matched_by_their_contributions_not_their_names(world, frozen):
    texts = [add(world, f"Proposition numéro {n}") for n in range(1, 12)]
    c = {n: texts[n - 1] for n in range(1, 12)}
    synthesis = services.for_territory(world["campaign"], world["aveyron"])
    db.session.add(ThemeSnapshot(
        synthesis_id=synthesis.id, challenge_id=world["challenge"].id,
        validated_at=now(), variant="x", contributions=list(range(1, 7)),
        themes=[{"label": "Médecins", "size": 4, "members": [1, 2, 3, 4]},
                {"label": "Dépistage", "size": 2, "members": [5, 6]}]))
    db.session.commit()
    help_ = Help(duplicates=[], count=11, themes=[
        _theme([c[1], c[2], c[3], c[7]]),  # three quarters of « Médecins », renamed
        _theme([c[4], c[8], c[9]]),  # a quarter of it only: another theme
        _theme([c[5], c[6]]),  # « Dépistage », unchanged
        _theme([c[10], c[11]])])
    changes = help_changes.since_validation(synthesis, world["challenge"].id, help_, texts)
    assert changes.day == "04/12/2026" and changes.added == 5
    assert {i: (m.new, m.added) for i, m in changes.marks.items()} == {
        0: (False, 1), 1: (True, 2), 3: (True, 2)}
    assert changes.marks[0].text == "+1 contribution depuis la version validée du 04/12/2026"
    assert changes.marks[1].text == "Nouveau depuis la version validée du 04/12/2026"
    # Themes not computed yet at the validation (and no computation stored since): only the
    # contributions of then are known, a theme with none of them is new.
    snapshot = db.session.scalar(sa.select(ThemeSnapshot))
    snapshot.themes = None
    db.session.commit()
    changes = help_changes.since_validation(synthesis, world["challenge"].id, help_, texts)
    assert {i: m.new for i, m in changes.marks.items()} == {0: False, 1: False, 3: True}
    # Before any validation of another synthesis: nothing.
    other = services.for_territory(world["campaign"], world["ariege"])
    assert help_changes.since_validation(other, world["challenge"].id, help_, texts) is None


def test_a_reopened_synthesis_keeps_its_snapshot_until_the_next_validation(client, world, app,
                                                                            monkeypatch):
    for text in DOCTORS + PREVENTION:
        add(world, text)
    monkeypatch.setitem(app.config, "CONCERTO_NOW", "2026-12-04T10:00")
    _validate(client)
    first = _snapshots()[world["challenge"].id]
    _reopen(client)
    synthesis = db.session.scalar(sa.select(Synthesis))
    assert synthesis.state is SynthesisState.DRAFT and synthesis.validated_at is None
    kept = _snapshots()[world["challenge"].id]
    assert (kept.id, kept.contributions) == (first.id, first.contributions)
    html = client.get(f"{BASE}/aide/{world['challenge'].id}").get_data(as_text=True)
    assert "validée le 04/12/2026" in html  # the latest validation, though reopened
    add(world, TRANSPORT[0])
    monkeypatch.setitem(app.config, "CONCERTO_NOW", "2026-12-07T10:00")
    _validate(client)
    again = _snapshots()[world["challenge"].id]
    assert again.id == first.id and len(again.contributions) == 11
    assert again.themes is not None
    html = client.get(f"{BASE}/aide/{world['challenge'].id}").get_data(as_text=True)
    assert "validée le 07/12/2026" in html and "fr-badge" not in html
