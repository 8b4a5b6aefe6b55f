"""Migration 0019 (online places, attendance) goes down and up again on SQLite with foreign
keys on, in place: a step's registrations survive (a copy of ``step`` would cascade)."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.campaigns.models import Campaign
from app.extensions import db
from app.territories.models import Territory
from tests.factories import make_campaign, make_step
from tests.helpers import migration_app

REVISION = "0019_registration_places"
PREVIOUS = "0018_synthesis_editing"


def columns(table: str) -> set[str]:
    return {column["name"] for column in sa.inspect(db.engine).get_columns(table)}


def scalar(sql: str):
    with db.engine.connect() as connection:
        return connection.execute(sa.text(sql)).scalar()


def execute(sql: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(sa.text(sql))


def test_places_migration_is_reversible_and_keeps_registrations(tmp_path):
    app = migration_app(tmp_path)
    with app.app_context():
        upgrade(revision=PREVIOUS)
        # No step nor question yet: the ORM's have columns added since.
        campaign = make_campaign(with_questions=False)
        db.session.commit()
        campaign_id, territory_id = campaign.id, campaign.territory_id
        db.session.remove()
        upgrade(revision=REVISION)
        assert "online_capacity" in columns("step")
        assert "attendance" in columns("registration")
        step = make_step(db.session.get(Campaign, campaign_id),
                         db.session.get(Territory, territory_id), capacity=10,
                         online_capacity=20)
        execute(f"INSERT INTO registration (uuid, step_id, status, first_name, last_name, "
               f"email, phone, organisation, category, subcategory, accessibility_needs, "
               f"answers, attendance, created_at, updated_at) VALUES ('u1', {step.id}, "
               f"'confirmed', 'A', 'B', 'a@e.org', '', '', 'citoyens', '', '', '{{}}', "
               f"'online', '2022-11-01 09:00:00', '2022-11-01 09:00:00')")
        db.session.remove()

        downgrade(revision=PREVIOUS)
        assert "online_capacity" not in columns("step")
        assert "attendance" not in columns("registration")
        assert scalar("SELECT count(*) FROM registration") == 1  # no cascade
        upgrade()
        assert scalar("SELECT attendance FROM registration") is None
        db.session.remove()
        db.engine.dispose()
