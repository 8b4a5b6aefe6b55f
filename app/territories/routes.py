"""Public département pages."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from app import clock
from app.calendar.links import feed_links
from app.campaigns.queries import steps_of_territory
from app.territories.queries import departement_by_code, departements

bp = Blueprint("territories", __name__)


@bp.get("/departements")
def departement_list():
    return render_template("territories/list.html", departements=departements())


@bp.get("/departements/<code>")
def departement_page(code: str):
    territory = departement_by_code(code)
    if territory is None:
        abort(404)
    feed = feed_links("calendar.departement_feed", f"Concertations santé — {territory.name}",
                      code=territory.code)
    return render_template("territories/departement.html", territory=territory, feed=feed,
                           steps=steps_of_territory(territory), today=clock.today())
