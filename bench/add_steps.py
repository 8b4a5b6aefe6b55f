"""Add published steps to the featured démarche of the benchmark database (pages at scale):
N steps, or by default as many as bring it to SCALE public steps (the seed has 13).
Usage: .venv/bin/python -m bench.add_steps [N]
"""

import sys
from datetime import date, time, timedelta

import sqlalchemy as sa

from app import create_app
from app.campaigns.models import Campaign, Step, StepStatus
from app.extensions import db
from app.territories.models import Territory, TerritoryKind

SCALE = 500  # public steps in the démarche at scale (issue 15: « 500 steps »)


def public_steps(campaign: Campaign) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Step).where(
        Step.campaign_id == campaign.id, Step.status != StepStatus.DRAFT))


def add_published_steps(campaign: Campaign, count: int) -> None:
    """``count`` published steps, spread over the départements, from 9 January 2023 over 200
    days (in the app context of the caller)."""
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


def main(count: int | None = None) -> int:
    """Adds the steps; returns how many public steps the démarche has now."""
    app = create_app()
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(
            Campaign.slug == "cnr-sante-occitanie-2022"))
        if count is None:
            count = max(0, SCALE - public_steps(campaign))
        add_published_steps(campaign, count)
        return public_steps(campaign)


if __name__ == "__main__":
    print(main(int(sys.argv[1]) if len(sys.argv) > 1 else None))
