"""Migration 0013 (step cancellation notice, « Comment venir ») goes down and up again on SQLite
with foreign keys on, without losing a step's programme, and dates old cancellations."""

from datetime import UTC, datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.campaigns import services
from app.campaigns.models import AgendaItem, AgendaKind
from app.extensions import db
from tests.factories import make_campaign, make_departement, make_step
from tests.helpers import migration_app

REVISION = "0013_step_cancel_and_access"
PREVIOUS = "0012_audit_append_only"
NEW_COLUMNS = {"access_info", "cancellation_reason", "cancelled_at"}


def step_columns() -> set[str]:
    return {column["name"] for column in sa.inspect(db.engine).get_columns("step")}


def scalar(sql: str):
    with db.engine.connect() as connection:
        return connection.execute(sa.text(sql)).scalar()


def test_step_migration_is_reversible_and_keeps_the_programme(tmp_path):
    app = migration_app(tmp_path, CONCERTO_NOW="2022-10-28T09:15")
    with app.app_context():
        upgrade()
        campaign = make_campaign()
        step = make_step(campaign, make_departement(parent=campaign.territory),
                         access_info="Bus 1", agenda_items=[
                             AgendaItem(kind=AgendaKind.PLENARY, title="Ouverture")])
        services.cancel_step(step, None, "Tapé pour le journal, avant que ce soit public")
        db.session.remove()

        downgrade(revision=PREVIOUS)
        assert not NEW_COLUMNS & step_columns()
        # The columns went in place: no copy of the table whose DROP would have cascaded.
        assert scalar("SELECT count(*) FROM agenda_item") == 1
        assert scalar("SELECT status FROM step") == "cancelled"

        upgrade(revision=REVISION)
        assert step_columns() >= NEW_COLUMNS
        assert scalar("SELECT count(*) FROM agenda_item") == 1
        # Dated from the audit log; the old reason is not made public after the fact.
        cancelled_at = datetime.fromisoformat(str(scalar("SELECT cancelled_at FROM step")))
        assert cancelled_at.replace(tzinfo=UTC) == datetime(2022, 10, 28, 7, 15, tzinfo=UTC)
        assert scalar("SELECT cancellation_reason FROM step") == ""
        assert scalar("SELECT access_info FROM step") == ""
        upgrade()
        db.session.remove()
        db.engine.dispose()
