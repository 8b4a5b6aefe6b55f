"""Home, legal pages (mentions légales, données personnelles, accessibilité), /healthz."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, render_template, request

from app import clock
from app.campaigns import queries
from app.extensions import db
from app.privacy import pages as legal

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    campaigns = queries.all_campaigns()
    campaign = queries.featured_campaign(campaigns)
    today = clock.today()
    context = {"campaign": campaign, "campaigns": campaigns, "upcoming": [], "counts": {},
               "days_left": None}
    if campaign is not None:
        context["upcoming"] = queries.upcoming_steps(campaign, today)
        context["counts"] = queries.campaign_step_counts(campaign, today)
        if campaign.synthesis_deadline:
            context["days_left"] = (campaign.synthesis_deadline - today).days
    return render_template("public/home.html", **context)


@bp.get("/mentions-legales")
def legal_notice():
    config = current_app.config
    publisher = legal.publisher()
    return render_template(
        "public/legal_notice.html", publisher=publisher,
        director=config["LEGAL_DIRECTOR"].strip()
        or f"Le représentant légal de {publisher.splitlines()[0]}",
        host=config["LEGAL_HOST"].strip(), complement=legal.complement("mentions-legales"))


@bp.get("/donnees-personnelles")
def personal_data():
    config = current_app.config
    return render_template(
        "public/personal_data.html", controller=legal.data_controller(),
        dpo=legal.dpo_contact(), legal_basis=config["PRIVACY_LEGAL_BASIS"].strip(),
        host=config["LEGAL_HOST"].strip(), retention=legal.retention_periods(),
        complement=legal.complement("donnees-personnelles"))


@bp.get("/accessibilite")
def accessibility():
    return render_template(
        "public/accessibility.html", publisher=legal.publisher(),
        declaration=legal.accessibility_declaration(),
        site_url=current_app.config["PUBLIC_BASE_URL"] or request.url_root.rstrip("/"),
        complement=legal.complement("accessibilite"))


@bp.get("/healthz")
def healthz():
    """For monitoring: 200 when the database answers, 503 otherwise."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
