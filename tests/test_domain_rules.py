"""The domain rules written once on the models (issue 17): each says the same on an instance
and in SQL, whatever the state; a registration's status moves only as its table allows."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.campaigns.models import Step, StepStatus
from app.campaigns.queries import public_state_condition
from app.contributions.models import Contribution, ContributionStatus
from app.extensions import db
from app.registrations.models import Registration, RegistrationStatus, StatusChangeError
from tests.contributions.support import add
from tests.factories import make_step

TODAY = date(2022, 12, 9)


def _ids(query: sa.Select) -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(query))


@pytest.fixture
def contributions(world) -> list[Contribution]:
    """One contribution in each status, hidden by reports or not, and a merged duplicate."""
    rows = [add(world, f"{status} {hidden}", status=status, hidden_by_reports=hidden)
            for status, hidden in itertools.product(ContributionStatus, (False, True))]
    rows.append(add(world, "Doublon fusionné", status=ContributionStatus.REJECTED,
                    merged_into=rows[2]))
    return rows


def test_a_contribution_is_public_when_published_and_not_hidden(contributions):
    expected = {c.id for c in contributions
                if c.status is ContributionStatus.PUBLISHED and not c.hidden_by_reports}

    assert len(expected) == 1
    assert {c.id for c in contributions if c.is_public} == expected
    assert _ids(sa.select(Contribution.id).where(Contribution.is_public)) == expected


def test_the_public_condition_is_written_as_the_partial_index_says(app):
    """The status inline, not a parameter (the index ix_contribution_published_by_challenge
    must serve a prepared statement too), and NOT rather than IS false."""
    sql = str(sa.select(Contribution.id).where(Contribution.is_public).compile(
        dialect=db.engine.dialect, compile_kwargs={"render_postcompile": True}))

    assert "contribution.status = 'published'" in sql
    if db.engine.dialect.name == "postgresql":
        assert "NOT contribution.hidden_by_reports" in sql
    else:
        assert "contribution.hidden_by_reports = 0" in sql


DAYS = {"past": TODAY - timedelta(days=3), "today": TODAY, "ahead": TODAY + timedelta(days=3),
        "undated": None}


@pytest.fixture
def steps(world) -> list[Step]:
    """A step in each status on each kind of day."""
    return [make_step(world["campaign"], world["aveyron"], status=status, day=day,
                      **({"start_time": None, "end_time": None} if day is None else {}))
            for status, day in itertools.product(StepStatus, DAYS.values())]


def test_a_step_is_public_unless_a_draft(steps):
    expected = {step.id for step in steps if step.status is not StepStatus.DRAFT}

    assert {step.id for step in steps if step.is_public} == expected
    assert _ids(sa.select(Step.id).where(Step.is_public)) == expected


def test_a_step_is_held_when_marked_so_or_published_and_past(steps):
    expected = {step.id for step in steps if step.status is StepStatus.HELD
                or (step.status is StepStatus.PUBLISHED and step.day == DAYS["past"])}

    assert len(expected) == len(DAYS) + 1
    assert {step.id for step in steps if step.is_held(TODAY)} == expected
    assert _ids(sa.select(Step.id).where(Step.is_held(TODAY))) == expected


def test_the_public_state_of_a_public_step_is_the_one_its_sql_condition_finds(steps):
    for name in ("upcoming", "unscheduled", "held", "cancelled"):
        found = _ids(sa.select(Step.id).where(Step.is_public,
                                              public_state_condition(name, TODAY)))
        assert found == {step.id for step in steps
                         if step.is_public and step.public_state(TODAY) == name}, name


ALLOWED = {
    (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED),
    (RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED),
    (RegistrationStatus.PENDING, RegistrationStatus.REJECTED),
    (RegistrationStatus.PENDING, RegistrationStatus.CANCELLED),
    (RegistrationStatus.WAITLISTED, RegistrationStatus.CONFIRMED),
    (RegistrationStatus.WAITLISTED, RegistrationStatus.CANCELLED),
    (RegistrationStatus.CONFIRMED, RegistrationStatus.CANCELLED),
}


@pytest.mark.parametrize(("before", "after"), sorted(ALLOWED))
def test_an_allowed_status_change_happens(before, after):
    registration = Registration(status=before)

    registration.move_to(after)

    assert registration.status is after
    assert (registration.cancelled_at is not None) is (after is RegistrationStatus.CANCELLED)


@pytest.mark.parametrize(("before", "after"), sorted(
    set(itertools.product(RegistrationStatus, repeat=2)) - ALLOWED))
def test_a_forbidden_status_change_raises_and_changes_nothing(before, after):
    registration = Registration(status=before)

    with pytest.raises(StatusChangeError, match=f"« {before.label} ».*« {after.label} »"):
        registration.move_to(after)

    assert registration.status is before
    assert registration.cancelled_at is None
