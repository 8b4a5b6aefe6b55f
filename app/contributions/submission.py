"""A contribution sent from the public form, once: the form carries a random submission key,
unique in the table, so the same form sent twice (a double click, a page sent again) saves one
contribution, and the second sending finds the first."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.campaigns.models import Campaign
from app.contributions import services
from app.contributions.models import Contribution
from app.extensions import db


def saved_with_key(submission_key: str | None) -> Contribution | None:
    """The contribution a form with this key saved already, if any."""
    if not submission_key:
        return None
    return db.session.scalar(sa.select(Contribution).where(
        Contribution.submission_key == submission_key))


def submit_once(campaign: Campaign, values: dict[str, Any]) -> Contribution:
    """services.submit; a form sent again returns what its first sending saved."""
    try:
        return services.submit(campaign, values)
    except IntegrityError:  # the unique submission key: the same form sent twice
        db.session.rollback()
        first = saved_with_key(values.get("submission_key"))
        if first is None:  # another constraint: not a second sending
            raise
        return first
