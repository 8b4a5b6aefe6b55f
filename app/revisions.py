"""Content revisions: one counter per scope of what public pages and calendar files show.

A commit that changes something shown bumps the scopes it touches, in the same transaction:

- ``records``: a campaign, one of its questions, a territory (rare, set-up work): every
  cached page and feed shows some of them;
- ``calendar``: any step's calendar data (the step, its programme): the calendar page and the
  feed of all campaigns;
- ``campaign:<id>`` / ``departement:<territory id>``: the calendar data of their steps;
- ``step:<id>``: all a step page shows (the step, programme, press kit, report, seats left,
  its published contributions);
- ``contributions:<campaign id>``: the campaign's published contributions (counts by question);
- ``follow_ups:<campaign id>``: its retained proposals' follow-ups and their dated updates, and
  the answers to its proposals (only a retained one shows its follow-up).

A cached page remembers the revisions of its scopes (app.page_cache, app.calendar.cache) and is
valid while they are unchanged: a change to one step rebuilds what shows it, nothing else.
Changes made with a Core UPDATE bypass the ORM and bump nothing: only columns no cached page
shows are changed that way (support counts, check-in times, e-mail addresses).
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Iterable
from datetime import datetime
from types import UnionType
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import InstanceState, Mapped, Session, UOWTransaction, mapped_column
from sqlalchemy.orm.util import identity_key

from app.clock import wall_now
from app.db_types import UTCDateTime
from app.extensions import Model

RECORDS = "records"
CALENDAR = "calendar"


def campaign(campaign_id: int) -> str:
    return f"campaign:{campaign_id}"


def departement(territory_id: int) -> str:
    return f"departement:{territory_id}"


def step(step_id: int) -> str:
    return f"step:{step_id}"


def contributions(campaign_id: int) -> str:
    return f"contributions:{campaign_id}"


def follow_ups(campaign_id: int) -> str:
    return f"follow_ups:{campaign_id}"


class ContentRevision(Model):
    __tablename__ = "content_revision"

    scope: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    revision: Mapped[int] = mapped_column(default=0)
    # The real time (never CONCERTO_NOW): processes ask for the rows changed since their
    # last look, and it is the pages' Last-Modified.
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


# Columns no cached page shows: changing them alone bumps nothing (a seat alert sent, a
# support counted) — per class, the columns that count, or those that do not.
_STEP_IGNORED = frozenset({"seat_alerts_sent", "updated_at"})
_REGISTRATION_SHOWN = frozenset({"status", "attendance", "step_id", "step"})
_CONTRIBUTION_SHOWN = frozenset({
    "status", "published_at", "hidden_by_reports", "merged_into_id", "merged_into", "title",
    "body", "kind", "challenge_id", "challenge", "step_id", "step", "campaign_id", "campaign",
    "territory_id", "territory", "pseudonym"})
_ANSWER_SHOWN = frozenset({"answer_state"})
_BATCH = 500  # rows per upsert: far below SQLite's limit on bound parameters
_ENGINES_WITH_TABLE: weakref.WeakSet[sa.Engine] = weakref.WeakSet()


def _values(state: InstanceState, key: str) -> set:
    """Every value of an attribute within the flush: the current one and any it replaces."""
    history = state.attrs[key].load_history()
    return {value for value in (*history.added, *history.unchanged, *history.deleted)
            if value is not None}


def _changed(state: InstanceState, shown: frozenset | None = None,
             ignored: frozenset = frozenset()) -> bool:
    """A column or a many-to-one (``step.territory = ...``: its column changes in the flush
    only) changed, among ``shown`` if given, else among all but ``ignored``."""
    keys = shown if shown is not None else [
        prop.key for prop in state.mapper.iterate_properties if not getattr(prop, "uselist", False)]
    return any(state.attrs[key].history.has_changes() for key in keys if key not in ignored)


def _step_calendar_scopes(session: Session, step_ids: Iterable[int]) -> set[str]:
    """What a change to these steps' calendar data touches (their owners found in the
    session when loaded there, else in one query)."""
    from app.campaigns.models import Step

    scopes, missing = {CALENDAR}, []
    for step_id in step_ids:
        found = session.identity_map.get(identity_key(Step, step_id))
        campaign_id, territory_id = ((found.__dict__.get("campaign_id"),
                                      found.__dict__.get("territory_id"))
                                     if found is not None else (None, None))
        if campaign_id is not None and territory_id is not None:
            scopes |= {step(step_id), campaign(campaign_id), departement(territory_id)}
        else:
            missing.append(step_id)
    if missing:
        table = Step.__table__
        rows = session.connection().execute(
            sa.select(table.c.id, table.c.campaign_id, table.c.territory_id)
            .where(table.c.id.in_(missing)))
        for row in rows:
            scopes |= {step(row.id), campaign(row.campaign_id), departement(row.territory_id)}
    return scopes


def _touched(session: Session, obj: object, state: InstanceState, new: bool,
             shown: frozenset | None = None, ignored: frozenset = frozenset()) -> bool:
    """Added, deleted, or changed where it counts (``shown``, ``ignored``: as _changed)."""
    return (new or state.deleted or obj in session.deleted
            or _changed(state, shown, ignored))


def _steps(state: InstanceState) -> set[str]:
    return {step(s) for s in _values(state, "step_id")}


# One function per class of what public pages show: the scopes a change to such an object
# touches (empty when it changes nothing shown).
ScopesOf = Callable[[Session, Any, InstanceState, bool], set[str]]


def _record_scopes(session: Session, obj: object, state: InstanceState, new: bool
                   ) -> set[str]:
    """A campaign, one of its questions, a territory."""
    return {RECORDS} if _touched(session, obj, state, new) else set()


def _step_scopes(session: Session, obj: Any, state: InstanceState, new: bool) -> set[str]:
    if not _touched(session, obj, state, new, ignored=_STEP_IGNORED):
        return set()
    return ({CALENDAR, step(obj.id)} | {campaign(c) for c in _values(state, "campaign_id")}
            | {departement(t) for t in _values(state, "territory_id")})


def _agenda_scopes(session: Session, obj: object, state: InstanceState, new: bool
                   ) -> set[str]:
    if not _touched(session, obj, state, new):
        return set()
    return _step_calendar_scopes(session, _values(state, "step_id"))


def _step_part_scopes(session: Session, obj: object, state: InstanceState, new: bool
                      ) -> set[str]:
    """A press kit file, a step report."""
    return _steps(state) if _touched(session, obj, state, new) else set()


def _registration_scopes(session: Session, obj: object, state: InstanceState, new: bool
                         ) -> set[str]:
    """Seats left, on the step page."""
    return _steps(state) if _touched(session, obj, state, new, _REGISTRATION_SHOWN) else set()


def _contribution_scopes(session: Session, obj: Any, state: InstanceState, new: bool
                         ) -> set[str]:
    from app.contributions.models import ContributionStatus

    if new and obj.status is not ContributionStatus.PUBLISHED:
        return set()  # held for moderation: shown nowhere yet
    # An answer no longer « retenue » takes its follow-up off the « Suites données » page.
    answered = ({follow_ups(c) for c in _values(state, "campaign_id")}
                if not new and _changed(state, _ANSWER_SHOWN) else set())
    if not _touched(session, obj, state, new, _CONTRIBUTION_SHOWN):
        return answered
    return answered | _steps(state) | {contributions(c) for c in _values(state, "campaign_id")}


def _follow_up_scopes(session: Session, obj: Any, state: InstanceState, new: bool
                      ) -> set[str]:
    """A proposal's follow-up, or one of its dated updates: its campaign's follow-ups
    (found in one query: neither row holds the campaign)."""
    from app.contributions.models import Contribution
    from app.followups.models import FollowUp

    if not _touched(session, obj, state, new):
        return set()
    contribution, follow_up = Contribution.__table__, FollowUp.__table__
    if isinstance(obj, FollowUp):
        query = sa.select(contribution.c.campaign_id).where(
            contribution.c.id.in_(_values(state, "contribution_id")))
    else:
        query = (sa.select(contribution.c.campaign_id)
                 .join(follow_up, follow_up.c.contribution_id == contribution.c.id)
                 .where(follow_up.c.id.in_(_values(state, "follow_up_id"))))
    return {follow_ups(c) for c in session.connection().execute(query).scalars()}


@functools.cache
def _scopes_by_class() -> tuple[tuple[type | UnionType, ScopesOf], ...]:
    """Built at the first flush: the domains' models are imported then, not with this module,
    which the domains import."""
    from app.campaigns.models import AgendaItem, Campaign, Challenge, Step
    from app.contributions.models import Contribution
    from app.followups.models import FollowUp, FollowUpUpdate
    from app.press.models import PressKitFile
    from app.registrations.models import Registration
    from app.syntheses.models import StepReport
    from app.territories.models import Territory

    return ((Campaign | Challenge | Territory, _record_scopes), (Step, _step_scopes),
            (AgendaItem, _agenda_scopes), (PressKitFile | StepReport, _step_part_scopes),
            (Registration, _registration_scopes), (Contribution, _contribution_scopes),
            (FollowUp | FollowUpUpdate, _follow_up_scopes))


def _scopes(session: Session, obj: object, state: InstanceState, new: bool) -> set[str]:
    """The scopes a change to ``obj`` touches (empty when it changes nothing shown)."""
    for classes, scopes_of in _scopes_by_class():
        if isinstance(obj, classes):
            return scopes_of(session, obj, state, new)
    return set()


def _pending(session: Session) -> set[str]:
    scopes: set[str] = session.info.setdefault("revision_scopes", set())
    return scopes


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: UOWTransaction, _instances: object) -> None:
    """Deleted and changed objects, with their values before the flush (a step moved to
    another département touches both)."""
    pending, changed = _pending(session), []
    for obj in (*session.deleted, *session.dirty):
        state = sa.inspect(obj)
        scopes = _scopes(session, obj, state, new=False)
        if scopes:
            pending |= scopes
            changed.append(obj)
    # After the flush, the same objects again: ids and foreign keys are known by then.
    session.info["revision_changed_objects"] = changed


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: UOWTransaction) -> None:
    pending = _pending(session)
    for obj in session.new:
        pending |= _scopes(session, obj, sa.inspect(obj), new=True)
    for obj in session.info.pop("revision_changed_objects", ()):
        if obj not in session.deleted:
            pending |= _scopes(session, obj, sa.inspect(obj), new=False)


@event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    """One upsert at the end of the transaction, scopes in a fixed order: row locks are held
    for the commit only, and two transactions never wait for each other in a cycle."""
    if session.in_nested_transaction():
        return  # the outermost commit bumps (a savepoint may still be rolled back)
    session.flush()  # the commit's own flush would come after this hook
    pending = session.info.pop("revision_scopes", None)
    if pending:
        bump(session.connection(), pending)
        session.info["revisions_bumped"] = True


def bump(connection: sa.Connection, scopes: Iterable[str]) -> None:
    """Add one to each scope's revision (creating its row the first time)."""
    if not _has_table(connection):
        return
    table = ContentRevision.__table__
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        # The same on_conflict_do_update and excluded as PostgreSQL's.
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    stamp, ordered = wall_now(), sorted(scopes)
    for start in range(0, len(ordered), _BATCH):
        statement = insert(table).values([{"scope": scope, "revision": 1, "changed_at": stamp}
                                          for scope in ordered[start:start + _BATCH]])
        connection.execute(statement.on_conflict_do_update(
            index_elements=[table.c.scope],
            set_={"revision": table.c.revision + 1,
                  "changed_at": statement.excluded.changed_at}))


def _has_table(connection: sa.Connection) -> bool:
    """The table exists (asked once per engine): the ORM also writes to older schemas while
    they are migrated (and in the migration tests), where there is nothing to bump."""
    if connection.engine in _ENGINES_WITH_TABLE:
        return True
    if sa.inspect(connection).has_table(ContentRevision.__tablename__):
        _ENGINES_WITH_TABLE.add(connection.engine)
        return True
    return False


@event.listens_for(Session, "after_commit")
def _tell_this_process(session: Session) -> None:
    """This process sees its own change at its next request (others within their period)."""
    if session.in_nested_transaction() or not session.info.pop("revisions_bumped", False):
        return
    if has_app_context() and "calendar_cache" in current_app.extensions:
        current_app.extensions["calendar_cache"].invalidate()  # and the page cache's revisions


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_changes(session: Session) -> None:
    if not session.in_nested_transaction():
        for key in ("revision_scopes", "revision_changed_objects", "revisions_bumped"):
            session.info.pop(key, None)
