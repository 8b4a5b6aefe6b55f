"""The follow-ups of retained proposals (« Suites données ») as open-data records: one per
proposal followed up, public ones only (published and still retained). No personal field: the
updates speak for the organisers and only the last one's date is given."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from app.campaigns.models import Campaign
from app.extensions import db
from app.followups.models import FollowUpStatus
from app.followups.queries import public_rows
from app.opendata.columns import FOLLOW_UP_COLUMNS, names
from app.opendata.records import page_url_prefix

FIELDS = names(FOLLOW_UP_COLUMNS)  # described once, with the Table Schema's words


def rows(campaign: Campaign, territory_id: int | None = None) -> Iterator[dict[str, Any]]:
    """The campaign's follow-ups (of one département if given), by proposal, oldest first."""
    url_prefix = page_url_prefix()
    for (number, title, challenge_code, challenge, territory_code, territory, status,
         progress, measure, last_update) in db.session.execute(public_rows(campaign,
                                                                           territory_id)):
        reference = f"C-{number:06d}"
        yield {
            "reference": reference, "url": url_prefix + reference, "titre": title or None,
            "question_code": challenge_code, "question": challenge,
            "departement_code": territory_code, "departement": territory,
            "statut": FollowUpStatus(status).value, "statut_libelle": FollowUpStatus(status).label,
            "avancement": progress, "mesure": measure or None,
            # A date (the update's day), ISO 8601.
            "derniere_mise_a_jour": last_update.isoformat() if last_update else None,
        }
