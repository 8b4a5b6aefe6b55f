"""Merging duplicates with a suggestion, a side-by-side comparison and a confirmation, then
separating them again (« Séparer ») with the history kept."""

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.audit import AuditEntry
from app.clock import now
from app.contributions import curation
from app.contributions.models import (
    ContributionMerge,
    ContributionStatus,
    ContributionSupport,
)
from app.extensions import db
from tests.contributions.support import add
from tests.factories import make_user
from tests.helpers import login_as, migration_app, post_form


def supporters(contribution) -> set[str]:
    return set(db.session.scalars(sa.select(ContributionSupport.supporter_key).where(
        ContributionSupport.contribution_id == contribution.id)))


def supported(world, body: str, keys: tuple[str, ...], **kw):
    contribution = add(world, body, support_count=len(keys), **kw)
    db.session.add_all([ContributionSupport(contribution_id=contribution.id, supporter_key=key)
                        for key in keys])
    db.session.commit()
    return contribution


@pytest.fixture
def moderator(client, world):
    user = make_user(Role.MODERATOR, [world["aveyron"]])
    db.session.commit()
    login_as(client, user)
    return user


def test_the_page_of_a_duplicate_suggests_its_look_alikes_and_not_the_other_ideas(
        client, world, moderator):
    kept = add(world, "Ouvrir une maison de santé dans chaque canton du département")
    duplicate = add(world, "Une maison de santé dans chaque canton", ContributionStatus.PENDING)
    other = add(world, "Des bus pour aller aux urgences la nuit")
    elsewhere = add(world, "Ouvrir une maison de santé dans chaque canton", territory="ariege")
    html = client.get(f"/gestion/contributions/{duplicate.id}").get_data(as_text=True)
    assert "Contributions proches" in html
    assert f"Comparer avec {kept.reference}" in html
    assert f"Comparer avec {other.reference}" not in html
    # Not a contribution the moderator does not moderate.
    assert f"Comparer avec {elsewhere.reference}" not in html
    assert curation.merges_of(duplicate) == []


def test_comparing_shows_both_side_by_side_and_merges_nothing_until_confirmed(
        client, world, moderator):
    kept = supported(world, "Une maison de santé dans chaque canton", ("a",))
    duplicate = supported(world, "Des maisons de santé par canton <b>vite</b>", ("b", "c"))
    response = client.get(f"/gestion/contributions/{duplicate.id}/comparer?target="
                          f"{kept.reference}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<title>Fusionner {duplicate.reference} dans {kept.reference}" in html
    assert "Doublon : " + duplicate.reference in html and "À conserver : " + kept.reference in html
    assert html.index("Des maisons de santé par canton") < html.index(
        "Une maison de santé dans chaque canton")
    assert "&lt;b&gt;vite&lt;/b&gt;" in html and "<b>vite</b>" not in html
    assert f"Confirmer la fusion de {duplicate.reference} dans {kept.reference}" in html
    assert "2 soutiens à reporter" in html
    db.session.expire_all()
    assert duplicate.merged_into_id is None and db.session.scalar(
        sa.select(sa.func.count()).select_from(ContributionMerge)) == 0


def test_a_typed_reference_is_compared_and_a_wrong_one_explained(client, world, moderator):
    duplicate = add(world, "Texte")
    html = client.get(f"/gestion/contributions/{duplicate.id}/comparer?target=C-999999")
    assert html.status_code == 400
    assert "Aucune contribution C-999999" in html.get_data(as_text=True)
    html = client.get(f"/gestion/contributions/{duplicate.id}/comparer?target="
                      f"{duplicate.reference}")
    assert "ne peut pas être fusionnée avec elle-même" in html.get_data(as_text=True)


def test_merge_then_split_gives_back_supports_state_and_keeps_the_history(
        client, world, moderator):
    published_at = now()
    kept = supported(world, "Des maisons de santé dans chaque canton", ("a", "b"))
    duplicate = supported(world, "Une maison de santé par canton", ("b", "c"),
                          published_at=published_at)
    earlier = add(world, "Maison de santé par canton !", ContributionStatus.REJECTED)
    earlier.merged_into_id = duplicate.id
    db.session.commit()
    response = post_form(client, f"/gestion/contributions/{duplicate.id}/fusionner",
                         {"target": kept.reference},
                         token_from=f"/gestion/contributions/{duplicate.id}/comparer?target="
                                    f"{kept.reference}")
    assert response.status_code == 302
    db.session.expire_all()
    assert (kept.support_count, supporters(kept)) == (3, {"a", "b", "c"})
    assert duplicate.merged_into_id == kept.id and earlier.merged_into_id == kept.id
    [record] = curation.merges_of(kept)
    page = client.get(f"/gestion/contributions/{kept.id}").get_data(as_text=True)
    assert "Séparer" in page

    response = post_form(client, f"/gestion/contributions/fusions/{record.id}/separer", {},
                         token_from=f"/gestion/contributions/{kept.id}")
    assert response.status_code == 302
    assert response.location.endswith(f"/gestion/contributions/{duplicate.id}")
    db.session.expire_all()
    assert (kept.support_count, supporters(kept)) == (2, {"a", "b"})
    assert (duplicate.support_count, supporters(duplicate)) == (2, {"b", "c"})
    assert duplicate.merged_into_id is None and earlier.merged_into_id == duplicate.id
    assert duplicate.status is ContributionStatus.PUBLISHED
    assert duplicate.published_at == published_at.replace(microsecond=duplicate.published_at
                                                          .microsecond)
    assert duplicate.rejection_reason == ""
    assert record.undone_at is not None and record.undone_by_id == moderator.id
    actions = list(db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.object_id == duplicate.id).order_by(AuditEntry.id)))
    assert actions == ["contribution.merge", "contribution.split"]
    html = client.get(f"/gestion/contributions/{duplicate.id}").get_data(as_text=True)
    assert "séparées le" in html and f"fusionnée dans <a href=\"/gestion/contributions/" \
        f"{kept.id}\">{kept.reference}</a>" in html
    # Published again: the public list and page show it.
    assert "Une maison de santé par canton" in client.get(
        "/demarches/cnr/contributions").get_data(as_text=True)
    # And it may be merged again, which writes a new row.
    curation.merge(duplicate, kept, moderator)
    assert len(curation.merges_of(duplicate)) == 2


def test_a_split_twice_or_out_of_order_is_refused(client, world, moderator):
    first = add(world, "Un")
    second = add(world, "Deux")
    third = add(world, "Trois")
    inner = curation.merge(first, second, moderator)
    outer = curation.merge(second, third, moderator)
    with pytest.raises(curation.ContributionError, match="séparez d’abord"):
        curation.split(inner, moderator)
    curation.split(outer, moderator)
    curation.split(inner, moderator)
    with pytest.raises(curation.ContributionError, match="déjà séparées"):
        curation.split(inner, moderator)
    db.session.expire_all()
    assert (first.merged_into_id, second.merged_into_id) == (None, None)


def test_a_split_is_refused_to_a_moderator_of_another_territory_and_to_visitors(
        app, client, world):
    kept = add(world, "Des maisons de santé dans chaque canton")
    duplicate = add(world, "Une maison de santé par canton")
    record = curation.merge(duplicate, kept, make_user(Role.ADMIN))
    login_as(client, make_user(Role.MODERATOR, [world["ariege"]]))
    url = f"/gestion/contributions/fusions/{record.id}/separer"
    assert post_form(client, url, {}, token_from="/gestion/moderation").status_code == 403
    assert client.get(f"/gestion/contributions/{duplicate.id}/comparer?target="
                      f"{kept.reference}").status_code == 403
    anonymous = app.test_client()
    assert anonymous.post(url).status_code in (302, 400)
    db.session.expire_all()
    assert record.undone_at is None and duplicate.merged_into_id == kept.id


def test_a_split_without_its_csrf_token_changes_nothing(client, world, moderator):
    kept = add(world, "Des maisons de santé dans chaque canton")
    duplicate = add(world, "Une maison de santé par canton")
    record = curation.merge(duplicate, kept, moderator)
    response = client.post(f"/gestion/contributions/fusions/{record.id}/separer")
    assert response.status_code == 400
    merge = client.post(f"/gestion/contributions/{kept.id}/fusionner",
                        data={"target": duplicate.reference})
    assert merge.status_code == 400
    db.session.expire_all()
    assert record.undone_at is None and duplicate.merged_into_id == kept.id


def test_the_merge_migration_goes_down_and_up_and_keeps_the_merges(tmp_path):
    from flask_migrate import downgrade, upgrade

    from tests.factories import make_campaign, make_departement

    app = migration_app(tmp_path)
    with app.app_context():
        upgrade()
        campaign = make_campaign()
        world = {"campaign": campaign, "challenge": campaign.challenges[0],
                 "aveyron": make_departement(parent=campaign.territory)}
        duplicate, kept = add(world, "Un"), add(world, "Deux")
        curation.merge(duplicate, kept, make_user(Role.ADMIN))
        duplicate_id, kept_id = duplicate.id, kept.id
        db.session.remove()
        downgrade(revision="0020_walk_in_registrations")
        assert "contribution_merge" not in sa.inspect(db.engine).get_table_names()
        with db.engine.connect() as connection:  # the merge itself stays
            assert connection.execute(sa.text(
                "SELECT merged_into_id FROM contribution WHERE id = :id"),
                {"id": duplicate_id}).scalar() == kept_id
        upgrade()
        assert "contribution_merge" in sa.inspect(db.engine).get_table_names()
        db.session.remove()
        db.engine.dispose()
