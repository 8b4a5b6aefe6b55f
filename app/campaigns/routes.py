"""Public pages: the calendar, a campaign, a step."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app import clock, page_scopes, policy
from app.calendar.links import feed_links, step_links
from app.campaigns import calendar_queries, queries
from app.campaigns.models import CALENDAR_STATES, Step
from app.contributions import queries as contribution_queries
from app.contributions.models import Contribution
from app.page_cache import cached_page
from app.press.services import kit_files
from app.registrations import seats
from app.registrations import services as registration_services
from app.territories.queries import departement_by_code, departements

bp = Blueprint("campaigns", __name__)


@bp.get("/calendrier")
@cached_page(page_scopes.calendar)
def calendar() -> ResponseReturnValue:
    campaigns = queries.all_campaigns()
    slug = request.args.get("demarche")
    if slug == "toutes":
        campaign = None
    else:
        campaign = next((c for c in campaigns if c.slug == slug), None) \
            or queries.featured_campaign(campaigns)
    code = request.args.get("departement", "")
    state = request.args.get("etat", "")
    filters = queries.CalendarFilters(
        campaign=campaign,
        departement=departement_by_code(code) if code else None,
        state=state if state in CALENDAR_STATES else None,
    )
    today = clock.today()
    view = calendar_queries.calendar_page(filters, today, request.args.get("mois", "")[:10],
                                          request.args.get("page", 1, type=int))
    # The filters as the links to another month or page of it carry them.
    kept = {name: value for name, value in (
        ("demarche", filters.campaign.slug if filters.campaign else "toutes"),
        ("departement", filters.departement.code if filters.departement else None),
        ("etat", filters.state)) if value}
    if filters.departement is not None:
        feed = feed_links("calendar.departement_feed",
                          f"Concertations santé — {filters.departement.name}",
                          code=filters.departement.code)
    elif filters.campaign is not None:
        feed = feed_links("calendar.campaign_feed", filters.campaign.title,
                          slug=filters.campaign.slug)
    else:
        feed = feed_links("calendar.all_feed", "Toutes les concertations")
    return render_template("campaigns/calendar.html", view=view, filters=filters, feed=feed,
                           kept=kept,
                           campaigns=campaigns, departements=departements(), today=today)


@bp.get("/demarches/<slug>")
@cached_page(page_scopes.campaign_page)
def campaign_page(slug: str) -> ResponseReturnValue:
    campaign = queries.campaign_with_challenges(slug)
    if campaign is None:
        abort(404)
    today = clock.today()
    return render_template("campaigns/campaign.html", campaign=campaign,
                           feed=feed_links("calendar.campaign_feed", campaign.title, slug=slug),
                           counts=queries.campaign_step_counts(campaign, today),
                           upcoming=queries.upcoming_steps(campaign, today),
                           question_counts=contribution_queries.published_count_by_challenge(
                               campaign))


@bp.get("/etapes/<int:step_id>")
@cached_page(page_scopes.step_page, page_scopes.step_moments)
def step_page(step_id: int) -> ResponseReturnValue:
    step = queries.public_step(step_id)
    # Drafts are visible to those who may edit them (preview), and to nobody else.
    if step is None or (not step.is_public and not policy.can(current_user, "step.edit", step)):
        abort(404)
    state = step.public_state(clock.today())
    return render_template("campaigns/step.html", step=step, state=state,
                           kit=kit_files(step=step), contributions=_latest_contributions(step),
                           **_step_actions(step, state))


# How many of a step's latest contributions its page shows (the list has them all).
STEP_PAGE_CONTRIBUTIONS = 3


def _step_actions(step: Step, state: str) -> dict:
    """What a visitor can still do for the step: register, add it to a calendar. Nothing once
    it is held or cancelled (and no query spent on seats then)."""
    if state not in ("upcoming", "unscheduled"):
        return {"links": None, "registration_open": False, "closed_reason": None,
                "seats_left": None, "places": []}
    closed_reason = registration_services.closed_reason(step)
    return {"links": step_links(step) if state == "upcoming" else None,
            "registration_open": closed_reason is None, "closed_reason": closed_reason,
            # One pool, or a hybrid step's on-site and online places apart.
            "places": (places := seats.places(step)), "seats_left": places[0].left}


def _latest_contributions(step: Step) -> list[tuple[Contribution, str]]:
    """The step's latest published contributions, newest first, each with its link: its own
    page where the app has one, else its card in the step's list."""
    latest = reversed(contribution_queries.latest_for_step(step, STEP_PAGE_CONTRIBUTIONS))
    if "contributions.detail" in current_app.view_functions:
        return [(c, url_for("contributions.detail", reference=c.reference)) for c in latest]
    listing = url_for("contributions.browse", slug=step.campaign.slug, etape=step.id)
    return [(c, f"{listing}#c{c.id}") for c in latest]
