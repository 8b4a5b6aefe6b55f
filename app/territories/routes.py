"""Public département pages."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue

from app import clock, page_scopes
from app.calendar.links import feed_links
from app.campaigns.queries import steps_of_territory
from app.page_cache import cached_page
from app.territories.queries import departement_by_code, departements

bp = Blueprint("territories", __name__)
# Steps a département's page lists; the calendar, filtered on it, has them all.
DEPARTEMENT_STEPS = 12


@bp.get("/departements")
@cached_page(page_scopes.departement_list)
def departement_list() -> ResponseReturnValue:
    return render_template("territories/list.html", departements=departements())


@bp.get("/departements/<code>")
@cached_page(page_scopes.departement_page)
def departement_page(code: str) -> ResponseReturnValue:
    territory = departement_by_code(code)
    if territory is None:
        abort(404)
    feed = feed_links("calendar.departement_feed", f"Concertations santé — {territory.name}",
                      code=territory.code)
    today = clock.today()
    steps, total = steps_of_territory(territory, today, DEPARTEMENT_STEPS)
    return render_template("territories/departement.html", territory=territory, feed=feed,
                           steps=steps, total=total, today=today)
