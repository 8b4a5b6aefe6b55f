"""What each question received, as the home and campaign pages show it: the right counts, read
from the partial index so that 100,000 contributions cost what a few do."""

import sqlalchemy as sa

from app.contributions.models import ContributionStatus
from app.contributions.queries import published_count_by_challenge
from app.extensions import db
from tests.contributions.support import add
from tests.factories import make_campaign


def test_only_published_and_visible_contributions_of_the_campaign_are_counted(world):
    first, second = world["campaign"].challenges[:2]
    add(world, "Un médecin de garde le dimanche", challenge=first)
    add(world, "Des maisons de santé pluriprofessionnelles", challenge=first)
    add(world, "Un bus vers les urgences la nuit", challenge=second)
    add(world, "En attente de modération", challenge=second, status=ContributionStatus.PENDING)
    add(world, "Masquée par les signalements", challenge=second, hidden_by_reports=True)
    add(world, "Sans question", challenge=None)
    other = {**world, "campaign": make_campaign(world["campaign"].territory, slug="autre")}
    add(other, "Une autre démarche", challenge=other["campaign"].challenges[0])

    assert published_count_by_challenge(world["campaign"]) == {first.id: 2, second.id: 1}


def _plan_of_the_count(campaign) -> str:
    recorded = []
    db.session.refresh(campaign)  # only the count below is recorded

    def _record(_conn, _cursor, statement, parameters, *_args) -> None:
        recorded.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", _record)
    try:
        published_count_by_challenge(campaign)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", _record)
    (statement, parameters), = recorded
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # A handful of rows would be read whole: ask whether the index *can* answer.
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
    else:
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    db.session.rollback()
    return "\n".join(str(row[-1]) for row in rows)


def test_the_count_reads_the_partial_index_of_published_contributions(world):
    add(world, "Un médecin de garde le dimanche")

    assert "ix_contribution_published_by_challenge" in _plan_of_the_count(world["campaign"])
