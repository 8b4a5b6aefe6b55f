"""The public calendar, one month a page: the months holding a step, then one bounded page of
the month shown and a few steps « date à venir ». Two statements and at most
PAGE_SIZE + UNSCHEDULED_PREVIEW steps, whatever the number of steps."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.campaigns.models import Step
from app.campaigns.queries import CalendarFilters, public_state_condition
from app.extensions import db

# Steps on one page of a month; a busier month has numbered pages.
PAGE_SIZE = 20
# Steps « date à venir » shown under a month; the rest on their own pages (?mois=a-venir).
UNSCHEDULED_PREVIEW = 3
UNSCHEDULED = "a-venir"
# Months linked at most (around the one shown); « Mois précédent / suivant » reach the others.
MONTH_LINKS = 12
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


@dataclass(frozen=True)
class MonthCount:
    year: int
    month: int
    count: int

    @property
    def key(self) -> str:
        """The month in the address (?mois=2022-11)."""
        return f"{self.year:04d}-{self.month:02d}"


@dataclass
class CalendarPage:
    months: list[MonthCount]  # every month holding a matching step, in order
    unscheduled_count: int
    month: MonthCount | None  # the month shown; None: the « date à venir » pages, or nothing
    steps: list[Step] = field(default_factory=list)  # this page's steps
    page: int = 1
    pages: int = 1
    unscheduled: list[Step] = field(default_factory=list)  # the few shown under a month

    @property
    def total(self) -> int:
        return sum(month.count for month in self.months) + self.unscheduled_count

    @property
    def showing_unscheduled(self) -> bool:
        return self.month is None and self.unscheduled_count > 0

    @property
    def nearby_months(self) -> list[MonthCount]:
        """At most MONTH_LINKS months around the one shown, for the months' links."""
        if len(self.months) <= MONTH_LINKS:
            return self.months
        keys = [(m.year, m.month) for m in self.months]
        here = (self.month.year, self.month.month) if self.month else keys[-1]
        middle = sum(key < here for key in keys)
        start = min(max(0, middle - MONTH_LINKS // 2), len(keys) - MONTH_LINKS)
        return self.months[start:start + MONTH_LINKS]

    @property
    def previous(self) -> MonthCount | None:
        """The closest earlier month holding a step (the last one from « date à venir »)."""
        if self.showing_unscheduled:
            return self.months[-1] if self.months else None
        earlier = [m for m in self.months if self.month and (m.year, m.month)
                   < (self.month.year, self.month.month)]
        return earlier[-1] if earlier else None

    @property
    def following(self) -> MonthCount | None:
        later = [m for m in self.months if self.month and (m.year, m.month)
                 > (self.month.year, self.month.month)]
        return later[0] if later else None


def _conditions(filters: CalendarFilters,
                today: date) -> list[sa.ColumnExpressionArgument[bool]]:
    conditions: list[sa.ColumnExpressionArgument[bool]] = [Step.is_public]
    if filters.campaign is not None:
        conditions.append(Step.campaign_id == filters.campaign.id)
    if filters.departement is not None:
        conditions.append(Step.territory_id == filters.departement.id)
    if filters.state:
        conditions.append(public_state_condition(filters.state, today))
    return conditions


def _month_counts(conditions: list) -> tuple[list[MonthCount], int]:
    """The months holding a matching step, with how many; and how many have no date yet."""
    year, month = sa.extract("year", Step.day), sa.extract("month", Step.day)
    months, unscheduled = [], 0
    for row_year, row_month, count in db.session.execute(
            sa.select(year, month, sa.func.count()).where(*conditions).group_by(year, month)):
        if row_year is None:
            unscheduled = count
        else:
            months.append(MonthCount(int(row_year), int(row_month), count))
    return sorted(months, key=lambda m: (m.year, m.month)), unscheduled


def _selected(wanted: str, months: list[MonthCount], today: date) -> MonthCount | None:
    """The month asked for (?mois=2022-11, even empty), else the current month or the next
    holding a step, else the last; None for « date à venir »."""
    if wanted == UNSCHEDULED:
        return None
    match = _MONTH.fullmatch(wanted)
    if match and 1 <= int(match.group(1)) < 9999 and 1 <= int(match.group(2)) <= 12:
        year, month = int(match.group(1)), int(match.group(2))
        return next((m for m in months if (m.year, m.month) == (year, month)),
                    MonthCount(year, month, 0))
    ahead = [m for m in months if (m.year, m.month) >= (today.year, today.month)]
    if ahead:
        return ahead[0]
    return months[-1] if months else None


def _page_ids(conditions: list, order: list, page: int, limit: int) -> sa.ColumnElement[bool]:
    ids = (sa.select(Step.id).where(*conditions).order_by(*order)
           .limit(limit).offset((page - 1) * limit).subquery())
    return Step.id.in_(sa.select(ids.c.id))


def _in_order(step: Step) -> tuple:
    """The order of the pages' SQL, undated steps last (NULLS FIRST on both databases)."""
    return (step.day is None, step.day or date.min, step.start_time or time.min, step.id)


def calendar_page(filters: CalendarFilters, today: date, wanted_month: str = "",
                  page: int = 1) -> CalendarPage:
    """One page of the calendar: ``wanted_month`` is « 2022-11 », « a-venir » or empty (the
    month of ``today`` or the next holding a step); ``page`` counts from 1 within it."""
    conditions = _conditions(filters, today)
    months, unscheduled = _month_counts(conditions)
    month = _selected(wanted_month, months, today)
    view = CalendarPage(months=months, unscheduled_count=unscheduled, month=month)
    undated = [*conditions, Step.day.is_(None)]
    count = month.count if month is not None else unscheduled
    view.pages = max(1, -(-count // PAGE_SIZE))
    view.page = min(max(page, 1), view.pages)
    if month is not None:  # the month's page, and the first few undated steps under it
        first = date(month.year, month.month, 1)
        after = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        wanted = sa.or_(_page_ids([*conditions, Step.day >= first, Step.day < after],
                                  [Step.day, Step.start_time.asc().nulls_first(), Step.id],
                                  view.page, PAGE_SIZE),
                        _page_ids(undated, [Step.id], 1, UNSCHEDULED_PREVIEW))
    else:
        wanted = _page_ids(undated, [Step.id], view.page, PAGE_SIZE)
    # One statement, whether the month is empty or full.
    steps = sorted(db.session.scalars(
        sa.select(Step).where(wanted)
        .options(joinedload(Step.territory), joinedload(Step.campaign))).unique(), key=_in_order)
    dated = [step for step in steps if step.day is not None]
    if month is not None:
        view.steps, view.unscheduled = dated, steps[len(dated):]
    else:
        view.steps = steps
    return view
