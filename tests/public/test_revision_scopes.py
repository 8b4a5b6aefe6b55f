"""Which content revisions a change bumps (app.revisions), and how a process keeps its copy of
them (app.revision_sync): one statement per look, the whole table only after rows vanished."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.campaigns.models import AgendaItem, AgendaKind, Step
from app.contributions.models import Contribution, ContributionKind, ContributionStatus
from app.extensions import db
from app.revision_sync import ABSENT, ContentRevisions
from app.revisions import ContentRevision
from tests.factories import make_campaign, make_departement, make_step
from tests.helpers import count_queries, empty_tables


def revisions() -> dict[str, int]:
    return {row.scope: row.revision for row in db.session.execute(
        sa.select(ContentRevision.scope, ContentRevision.revision))}


def bumped(before: dict[str, int]) -> set[str]:
    return {scope for scope, number in revisions().items() if number != before.get(scope)}


def test_each_change_bumps_what_shows_it():
    campaign = make_campaign()
    lot = make_departement("46", "Lot", "Cahors", parent=campaign.territory)
    aveyron = make_departement("12", "Aveyron", "Rodez", parent=campaign.territory)
    step = make_step(campaign, lot, day=date(2022, 11, 18))
    c, s = campaign.id, step.id

    before = revisions()
    step.territory = aveyron  # moved: both départements' pages and feeds
    db.session.commit()
    assert bumped(before) == {"calendar", f"campaign:{c}", f"step:{s}",
                              f"departement:{lot.id}", f"departement:{aveyron.id}"}

    before = revisions()
    step.agenda_items.append(AgendaItem(kind=AgendaKind.WORKSHOP, title="Atelier"))
    db.session.commit()
    assert bumped(before) == {"calendar", f"campaign:{c}", f"step:{s}",
                              f"departement:{aveyron.id}"}

    before = revisions()
    step.seat_alerts_sent = [50]  # machinery no page shows
    db.session.commit()
    assert bumped(before) == set()

    before = revisions()
    pending = Contribution(campaign_id=c, kind=ContributionKind.PROPOSAL, body="Un texte",
                           territory_id=lot.id, step_id=s, status=ContributionStatus.PENDING)
    db.session.add(pending)
    db.session.commit()
    assert bumped(before) == set()  # held for moderation: shown nowhere

    pending.status = ContributionStatus.PUBLISHED
    db.session.commit()
    assert bumped(before) == {f"step:{s}", f"contributions:{c}"}

    before = revisions()
    db.session.execute(sa.update(Contribution).values(support_count=Contribution.support_count + 1))
    db.session.commit()
    assert bumped(before) == set()

    before = revisions()
    campaign.title = "Nouveau titre"
    db.session.commit()
    assert bumped(before) == {"records"}


def test_a_rolled_back_change_bumps_nothing():
    step = make_step()
    before = revisions()
    step.title = "Jamais enregistré"
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert bumped(before) == set()


def test_a_process_looks_with_one_statement_and_rereads_all_after_rows_vanished(app):
    copy = ContentRevisions(period=0)
    step = make_step()
    with count_queries() as statements:
        first = copy.snapshot()  # the first look reads the table
        second = copy.snapshot()  # then only the rows changed lately, and a count
    assert len(statements) == 2 and "count" in statements[1].lower()
    assert first[f"step:{step.id}"] == second[f"step:{step.id}"] != ABSENT
    db.session.get(Step, step.id).title = "Autre titre"
    db.session.commit()
    assert copy.snapshot()[f"step:{step.id}"][0] == first[f"step:{step.id}"][0] + 1
    db.session.remove()
    empty_tables()  # rows deleted without a bump: the count tells
    assert copy.snapshot() == {}
