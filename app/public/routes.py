"""Home, legal pages (mentions légales, données personnelles, accessibilité)."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app import clock, page_scopes
from app.campaigns import queries
from app.contributions.queries import published_count_by_challenge
from app.page_cache import cached_page
from app.privacy import pages as legal

bp = Blueprint("public", __name__)


@bp.get("/")
@cached_page(page_scopes.home)
def home() -> ResponseReturnValue:
    campaigns = queries.all_campaigns()
    campaign = queries.featured_campaign(campaigns)
    today = clock.today()
    context: dict[str, object] = {
        "campaign": campaign, "campaigns": campaigns, "upcoming": [], "counts": {},
        "days_left": None, "question_counts": {}}
    if campaign is not None:
        context["upcoming"] = queries.upcoming_steps(campaign, today)
        context["counts"] = queries.campaign_step_counts(campaign, today)
        context["question_counts"] = published_count_by_challenge(campaign)
        if campaign.synthesis_deadline:
            context["days_left"] = (campaign.synthesis_deadline - today).days
    return render_template("public/home.html", **context)


@bp.get("/participer")
def participate() -> ResponseReturnValue:
    """The main navigation's « Participer »: the contributions of the campaign the home page
    presents (the header has no campaign of its own)."""
    campaign = queries.featured_campaign(queries.all_campaigns())
    if campaign is None:
        return redirect(url_for(".home"))
    return redirect(url_for("contributions.browse", slug=campaign.slug))


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    """Browsers ask for /favicon.ico whatever the page declares (the projected wall did, and
    logged a 404): the DSFR icon."""
    response = current_app.send_static_file("vendor/dsfr/favicon/favicon.ico")
    response.cache_control.max_age = 7 * 24 * 3600
    response.cache_control.public = True
    return response


@bp.get("/mentions-legales")
def legal_notice() -> ResponseReturnValue:
    config = current_app.config
    publisher = legal.publisher()
    return render_template(
        "public/legal_notice.html", publisher=publisher,
        director=config["LEGAL_DIRECTOR"].strip()
        or f"Le représentant légal de {publisher.splitlines()[0]}",
        host=config["LEGAL_HOST"].strip(), complement=legal.complement("mentions-legales"))


@bp.get("/donnees-personnelles")
def personal_data() -> ResponseReturnValue:
    config = current_app.config
    return render_template(
        "public/personal_data.html", controller=legal.data_controller(),
        dpo=legal.dpo_contact(), legal_basis=config["PRIVACY_LEGAL_BASIS"].strip(),
        host=config["LEGAL_HOST"].strip(), retention=legal.retention_periods(),
        complement=legal.complement("donnees-personnelles"))


@bp.get("/accessibilite")
def accessibility() -> ResponseReturnValue:
    return render_template(
        "public/accessibility.html", publisher=legal.publisher(),
        declaration=legal.accessibility_declaration(),
        site_url=current_app.config["PUBLIC_BASE_URL"] or request.url_root.rstrip("/"),
        complement=legal.complement("accessibilite"))
