"""The demo's contributions are dated in the campaign's time (CONCERTO_NOW), not the day the
demo was loaded."""

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from app.clock import PARIS, now
from app.contributions.models import Contribution
from app.extensions import db
from app.seed import demo_moments, load_seed
from tests.factories import make_campaign, make_step


def published_moments() -> list[datetime]:
    return list(db.session.scalars(sa.select(Contribution.published_at)
                                   .order_by(Contribution.id)))


def test_demo_contributions_precede_the_frozen_now_in_file_order(app):
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"
    load_seed(demo=True)
    moments = published_moments()
    assert len(moments) == 12
    frozen = now()
    assert all(frozen - timedelta(days=3) < moment < frozen for moment in moments)
    assert moments == sorted(moments) and len(set(moments)) == len(moments)
    created = list(db.session.scalars(sa.select(Contribution.created_at)
                                      .order_by(Contribution.id)))
    assert created == moments


def test_demo_loaded_today_keeps_its_contributions_within_the_campaign(app):
    app.config["CONCERTO_NOW"] = ""  # the real clock, years after the CNR concertation
    load_seed(demo=True)
    end = datetime.combine(date(2022, 12, 16), time(17), PARIS)
    moments = published_moments()
    assert max(moments) <= end
    assert min(moments) > end - timedelta(days=7)
    assert max(moments) < datetime.now(UTC) - timedelta(days=365)


def test_contributions_of_a_held_step_are_dated_just_after_it(app):
    app.config["CONCERTO_NOW"] = "2022-11-20T12:00"
    step = make_step(day=date(2022, 11, 18), end_time=time(16))
    moments = demo_moments(step.campaign, step, 3)
    assert [m.astimezone(PARIS).strftime("%d/%m %H:%M") for m in moments] == [
        "18/11 16:04", "18/11 16:08", "18/11 16:12"]


def test_contributions_of_a_step_to_come_are_spread_before_now(app):
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"
    step = make_step(make_campaign(), day=date(2022, 11, 18))
    moments = demo_moments(step.campaign, step, 2)
    assert [m.astimezone(PARIS).strftime("%d/%m %H:%M") for m in moments] == [
        "03/11 02:00", "03/11 07:00"]
