"""Add N published steps to the benchmark database (calendar pages at scale)."""

import sys
from datetime import date, time, timedelta

import sqlalchemy as sa

from app import create_app
from app.campaigns.models import Campaign, Step, StepStatus
from app.extensions import db
from app.territories.models import Territory, TerritoryKind


def main(count: int) -> None:
    app = create_app()
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(
            Campaign.slug == "cnr-sante-occitanie-2022"))
        departements = list(db.session.scalars(sa.select(Territory).where(
            Territory.kind == TerritoryKind.DEPARTEMENT)))
        for number in range(count):
            territory = departements[number % len(departements)]
            db.session.add(Step(
                campaign=campaign, territory=territory, city=territory.chef_lieu,
                title=f"Réunion de proximité n° {number + 1} — {territory.name}",
                day=date(2023, 1, 9) + timedelta(days=number % 200),
                start_time=time(14), end_time=time(17), status=StepStatus.PUBLISHED))
        db.session.commit()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
