"""Home, legal pages (mentions légales, données personnelles, accessibilité), /healthz."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template

from app import clock
from app.campaigns import queries
from app.extensions import db

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
    return render_template("public/legal_notice.html")


@bp.get("/donnees-personnelles")
def personal_data():
    return render_template("public/personal_data.html")


@bp.get("/accessibilite")
def accessibility():
    return render_template("public/accessibility.html")


@bp.get("/healthz")
def healthz():
    """For monitoring: 200 when the database answers, 503 otherwise."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
