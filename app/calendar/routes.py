"""Calendar files: one step's .ics, and feeds (all campaigns, a campaign, a département)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, abort, current_app, request
from flask.typing import ResponseReturnValue
from prometheus_client import Counter

from app import revisions
from app.calendar import ical, queries
from app.calendar.cache import Built, feed_cache
from app.campaigns.queries import campaign_with_challenges
from app.errors import abort_with
from app.front_cache import offer
from app.territories.queries import departement_by_code
from app.urls import base_url

bp = Blueprint("calendar", __name__)

CONTENT_TYPE = "text/calendar; charset=utf-8"
SERVED_WHILE_DATABASE_AWAY = Counter(
    "concerto_calendar_served_from_last_copy",
    "Calendar files served from a process's last copy because the database was unreachable")


def _serve(key: tuple, build: Callable[[], Built], filename: str,
           disposition: str = "inline") -> Response:
    """A cached calendar file, with ETag and Last-Modified, or 304 when the client has it.
    With the database unreachable, the last copy built by this process (same body, same ETag);
    without one, the French 503 (app.calendar.cache)."""
    cache = feed_cache()
    cached = cache.get((*key, base_url()), build)
    response = Response(cached.body, content_type=CONTENT_TYPE)
    response.set_etag(cached.etag.strip('"'))
    response.last_modified = cached.last_modified
    response.cache_control.public = True
    max_age = current_app.config["CALENDAR_MAX_AGE"]
    if cached.stale:  # kept by clients and proxies no longer than the outage's Retry-After
        max_age = min(max_age, current_app.config["DATABASE_RETRY_AFTER_SECONDS"])
        SERVED_WHILE_DATABASE_AWAY.inc()
    response.cache_control.max_age = max_age
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    if not cached.stale:
        offer(cached.body, response.headers.items(), cached.scopes, cached.revisions, cache)
    response.make_conditional(request)  # in place (it returns the response itself)
    return response


@bp.get("/calendrier.ics")
def all_feed() -> ResponseReturnValue:
    name = f"{current_app.config['BRAND_SITE_NAME']} — toutes les concertations"
    return _serve(("all",), lambda: (ical.feed(queries.all_steps(), name),
                                     (revisions.RECORDS, revisions.CALENDAR)),
                  "concertations.ics")


@bp.get("/demarches/<slug>.ics")
def campaign_feed(slug: str) -> ResponseReturnValue:
    def build() -> Built:
        campaign = campaign_with_challenges(slug)
        if campaign is None:
            abort(404)
        return (ical.feed(queries.campaign_steps(campaign), campaign.title),
                (revisions.RECORDS, revisions.campaign(campaign.id)))

    return _serve(("campaign", slug), build, f"{slug}.ics")


@bp.get("/departements/<code>.ics")
def departement_feed(code: str) -> ResponseReturnValue:
    def build() -> Built:
        territory = departement_by_code(code)
        if territory is None:
            abort(404)
        return (ical.feed(queries.territory_steps(territory),
                          f"Concertations santé — {territory.name}"),
                (revisions.RECORDS, revisions.departement(territory.id)))

    return _serve(("departement", code), build, f"concertations-{code}.ics")


@bp.get("/etapes/<int:step_id>.ics")
def step_ics(step_id: int) -> ResponseReturnValue:
    def build() -> Built:
        step = queries.one_step(step_id)
        if step is None or not step.is_public:
            abort(404)
        if not ical.in_calendars(step):
            abort_with(404, "Cette étape n’a pas encore de date : son invitation sera "
                            "disponible dès qu’elle sera programmée.")
        return ical.single(step), (revisions.RECORDS, revisions.step(step_id))

    return _serve(("step", step_id), build, f"etape-{step_id}.ics", "attachment")
