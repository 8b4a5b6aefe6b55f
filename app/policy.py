"""The one place that answers "may this user do this to this object?".

Every view, export and API endpoint asks ``can(user, action, obj)`` (or ``require``) instead of
checking roles itself, and lists only the rows it may show with ``territory_ids(user, action)``.

The rules, in one table (``RULES``): each action names the roles allowed and the kinds of object
it applies to. Then:

- anonymous visitors and disabled accounts may do nothing here (participants and journalists act
  through the signed links they were sent, not through accounts);
- an admin may do everything;
- any other role may act on an object only when one of its territories is the object's territory
  or above it: an organiser of the region covers every département, an organiser of a
  département covers its territoires de proximité;
- asked without an object, an action means "may open the list or the form": true for a role
  allowed the action and holding at least one territory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort

from app.accounts.models import Role, User
from app.campaigns.models import Campaign, Step
from app.contributions.models import Contribution
from app.syntheses.models import Synthesis
from app.territories.models import Territory
from app.territories.queries import descendant_ids, territory_chain

ADMINS = frozenset({Role.ADMIN})
ORGANISERS = frozenset({Role.ADMIN, Role.ORGANISER})
STAFF = frozenset(Role)


@dataclass(frozen=True)
class Rule:
    """Who may do an action: these roles, on objects of these kinds in their territories.
    No kinds: the action is not about an object (entering the back office, reading the log)."""

    roles: frozenset[Role]
    kinds: tuple[type, ...] = ()


# Actions on a step; step.create is asked about the territory that would hold the new step.
_STEP_ACTIONS = ("step.create", "step.edit", "step.publish", "step.reschedule", "step.cancel",
                 "step.copy", "step.view_history", "press.manage", "registration.manage")

RULES: dict[str, Rule] = {
    "backoffice.enter": Rule(STAFF),
    **{action: Rule(ORGANISERS, (Step, Territory)) for action in _STEP_ACTIONS},
    # A campaign's press kit and contribution settings, for organisers of its region.
    "campaign.press": Rule(ORGANISERS, (Campaign,)),
    "campaign.contributions": Rule(ORGANISERS, (Campaign,)),
    # Moderation (publish, reject, redact, re-tag, merge); asked about a territory when a
    # contribution is re-tagged there.
    "contribution.moderate": Rule(STAFF, (Contribution, Territory)),
    # Typing in what is said in a step's room.
    "contribution.capture": Rule(STAFF, (Step,)),
    # The official answer to a proposal speaks for the organisers.
    "contribution.answer": Rule(ORGANISERS, (Contribution,)),
    # What became of a retained proposal (« Suites données »): the same voice as its answer.
    "contribution.follow_up": Rule(ORGANISERS, (Contribution,)),
    "synthesis.edit": Rule(ORGANISERS, (Synthesis,)),
    "synthesis.transmit": Rule(ORGANISERS, (Synthesis,)),
    "synthesis.validate": Rule(ADMINS, (Synthesis,)),
    "audit.view": Rule(ADMINS),
    # The outbox and the job queue: recipients' addresses, so administrators only.
    "mail.supervise": Rule(ADMINS),
    "user.manage": Rule(ADMINS),
}


class UnknownActionError(ValueError):
    """A misspelt action is a bug: it must fail loudly, not quietly refuse (or allow)."""


def _rule(action: str) -> Rule:
    try:
        return RULES[action]
    except KeyError:
        raise UnknownActionError(f"Action inconnue de la politique d’accès : {action!r}") from None


def covers(user: User, territory: Territory) -> bool:
    """True when one of the user's territories is ``territory`` or one of its ancestors."""
    assigned = {t.id for t in user.territories}
    return any(t.id in assigned for t in territory_chain(territory))


def _signed_in(user: Any) -> bool:
    return (user is not None and getattr(user, "is_authenticated", False)
            and bool(user.is_active))


def _territory_of(obj: Any) -> Territory | None:
    return obj if isinstance(obj, Territory) else getattr(obj, "territory", None)


def can(user: Any, action: str, obj: Any = None) -> bool:
    """May ``user`` perform ``action`` on ``obj`` (or, without ``obj``, open its list/form)?"""
    rule = _rule(action)
    if not _signed_in(user) or user.role not in rule.roles:
        return False
    if user.role is Role.ADMIN or not rule.kinds:
        return True
    if obj is None:
        return bool(user.territories)
    territory = _territory_of(obj)
    return isinstance(obj, rule.kinds) and territory is not None and covers(user, territory)


def require(user: Any, action: str, obj: Any = None) -> None:
    """Abort with 403 unless ``can(user, action, obj)``."""
    if not can(user, action, obj):
        abort(403)


def territory_ids(user: Any, action: str) -> set[int] | None:
    """The territories where ``user`` may do ``action``, for filtering lists in SQL: ``None``
    means every territory (admins), an empty set means none."""
    rule = _rule(action)
    if not _signed_in(user) or user.role not in rule.roles:
        return set()
    if user.role is Role.ADMIN:
        return None
    return descendant_ids({t.id for t in user.territories})
