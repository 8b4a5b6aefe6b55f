"""The one place that answers "may this user do this to this object?".

Every view, export and API endpoint asks ``can(user, action, obj)`` (or ``require``) instead of
checking roles itself. Organisers act on the territories they are assigned and on every territory
below them (a département's territoires de proximité).
"""

from __future__ import annotations

from typing import Any

from flask import abort

from app.accounts.models import Role, User
from app.campaigns.models import Campaign, Step
from app.contributions.models import Contribution
from app.syntheses.models import Synthesis
from app.territories.models import Territory

# Actions on a step (or, for step.create, on the territory that would hold it).
STEP_ACTIONS = frozenset({"step.create", "step.edit", "step.publish", "step.reschedule",
                          "step.cancel", "step.copy", "step.view_history", "press.manage",
                          "registration.manage"})
# Actions on a campaign, for organisers of its region.
CAMPAIGN_ACTIONS = frozenset({"campaign.press", "campaign.contributions"})
# Moderation of a contribution (publish, reject, redact, re-tag, merge), for moderators and
# organisers of its territory (or above); on a step, capturing what is said in its room.
CONTRIBUTION_ACTIONS = frozenset({"contribution.moderate"})
CAPTURE_ACTIONS = frozenset({"contribution.capture"})
# The official answer to a proposal speaks for the organisers: organisers only.
ANSWER_ACTIONS = frozenset({"contribution.answer"})
# Syntheses of a territory (a département or the region), for organisers covering it; an
# admin validates them.
SYNTHESIS_ACTIONS = frozenset({"synthesis.edit", "synthesis.transmit"})
ADMIN_ACTIONS = frozenset({"audit.view", "user.manage", "synthesis.validate"})
STAFF_ACTIONS = frozenset({"backoffice.enter"})


def territory_chain(territory: Territory) -> list[Territory]:
    """The territory and its ancestors, nearest first."""
    chain: list[Territory] = []
    while territory is not None and territory not in chain:
        chain.append(territory)
        territory = territory.parent
    return chain


def covers(user: User, territory: Territory) -> bool:
    """True when one of the user's territories is ``territory`` or one of its ancestors."""
    assigned = {t.id for t in user.territories}
    return any(t.id in assigned for t in territory_chain(territory))


def can(user: Any, action: str, obj: Any = None) -> bool:
    """May ``user`` perform ``action`` on ``obj``? Anonymous visitors may do nothing here."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role is Role.ADMIN:
        return True
    if action in STAFF_ACTIONS:
        return True
    if action in ADMIN_ACTIONS:
        return False
    if action in CONTRIBUTION_ACTIONS:
        if obj is None:
            return bool(user.territories)  # may open the moderation queue
        return isinstance(obj, Contribution) and covers(user, obj.territory)
    if action in CAPTURE_ACTIONS:
        return isinstance(obj, Step) and covers(user, obj.territory)
    if user.role is not Role.ORGANISER:
        return False
    if action in ANSWER_ACTIONS:
        return isinstance(obj, Contribution) and covers(user, obj.territory)
    if action in CAMPAIGN_ACTIONS:
        return isinstance(obj, Campaign) and covers(user, obj.territory)
    if action in SYNTHESIS_ACTIONS:
        if obj is None:
            return bool(user.territories)  # may open the syntheses dashboard
        return isinstance(obj, Synthesis) and covers(user, obj.territory)
    if action in STEP_ACTIONS:
        territory = obj.territory if isinstance(obj, Step) else obj
        if action == "step.create" and territory is None:
            return bool(user.territories)  # may open the creation form
        return isinstance(territory, Territory) and covers(user, territory)
    return False


def require(user: Any, action: str, obj: Any = None) -> None:
    """Abort with 403 unless ``can(user, action, obj)``."""
    if not can(user, action, obj):
        abort(403)
