"""Helpers of the contribution tests (the `world` fixture is in conftest.py)."""

import sqlalchemy as sa

from app.contributions.models import Contribution, ContributionKind, ContributionStatus
from app.extensions import db

TEXT = "Je n’ai plus de médecin traitant depuis 2021 🩺.\nLes urgences sont à 1 h de route."


def contribution_form(world, **overrides) -> dict:
    data = {"kind": "testimony", "title": "", "body": TEXT, "territory_id": world["aveyron"].id,
            "challenge_id": world["challenge"].id, "step_id": 0, "pseudonym": "",
            "age_range": "65-et-plus", "category": "usagers",
            "email": "auteur@example.org", "website": "", "submission_key": "k-1"}
    data.update(overrides)
    return data


def add(world, body: str, status=ContributionStatus.PUBLISHED, territory="aveyron",
        kind=ContributionKind.PROPOSAL, **kw) -> Contribution:
    kw.setdefault("challenge", world["challenge"])
    contribution = Contribution(campaign=world["campaign"], kind=kind, body=body,
                                territory=world[territory], status=status, **kw)
    db.session.add(contribution)
    db.session.commit()
    return contribution


def all_contributions() -> list[Contribution]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Contribution).order_by(Contribution.id)))
