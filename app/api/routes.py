"""The read-only JSON API (/api/v1): territories, campaigns, questions, steps and published
contributions. Public data only; described by the OpenAPI document it serves."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import joinedload

from app.api.openapi import document
from app.campaigns.models import Campaign, Step
from app.campaigns.queries import all_campaigns, campaign_with_challenges
from app.clock import today
from app.errors import abort_with
from app.extensions import csrf, db
from app.opendata import records
from app.territories.models import Territory
from app.territories.queries import departement_by_code

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # read-only: no state to protect
MAX_PAGE = 100


@bp.after_request
def _cors(response):
    """Open data: any site may read it."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    # Digits first, and not too many: Python refuses to convert more than 4 300 (a 500).
    digits = raw.lstrip("0") or "0"
    if not raw.isascii() or not raw.isdigit() or len(digits) > len(str(high)) \
            or not low <= int(digits) <= high:
        abort_with(400, f"Le paramètre « {name} » doit être un entier entre {low} et {high}.")
    return int(digits)


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return document()


@bp.get("/territoires")
def territories() -> ResponseReturnValue:
    rows = db.session.scalars(sa.select(Territory).options(joinedload(Territory.parent))
                              .order_by(Territory.kind, Territory.code, Territory.id))
    return {"donnees": [{
        "code": t.code, "nom": t.name, "type": t.kind.value,
        "parent_code": t.parent.code if t.parent else None} for t in rows]}


def _campaign_record(campaign: Campaign) -> dict[str, Any]:
    return {"slug": campaign.slug, "titre": campaign.title, "resume": campaign.summary,
            "debut": campaign.starts_on.isoformat() if campaign.starts_on else None,
            "fin": campaign.ends_on.isoformat() if campaign.ends_on else None,
            "date_limite_synthese": campaign.synthesis_deadline.isoformat()
            if campaign.synthesis_deadline else None,
            "contributions_ouvertes": campaign.contributions_open,
            "url": url_for("campaigns.campaign_page", slug=campaign.slug, _external=True)}


@bp.get("/demarches")
def campaigns() -> ResponseReturnValue:
    return {"donnees": [_campaign_record(campaign) for campaign in all_campaigns()]}


def _campaign(slug: str) -> Campaign:
    return campaign_with_challenges(slug) or abort(404)


@bp.get("/demarches/<slug>/questions")
def challenges(slug: str) -> ResponseReturnValue:
    campaign = _campaign(slug)
    return {"donnees": [{"code": c.code, "titre": c.title, "description": c.description,
                         "position": c.position} for c in campaign.challenges]}


def _step_record(step: Step) -> dict[str, Any]:
    return {"id": step.id, "titre": step.title, "demarche": step.campaign.slug,
            "departement_code": step.territory.code, "departement": step.territory.name,
            "ville": step.city, "lieu": step.place,
            "date": step.day.isoformat() if step.day else None,
            "debut": step.start_time.strftime("%H:%M") if step.start_time else None,
            "fin": step.end_time.strftime("%H:%M") if step.end_time else None,
            "etat": step.public_state(today()),
            "url": url_for("campaigns.step_page", step_id=step.id, _external=True),
            "ics": url_for("calendar.step_ics", step_id=step.id, _external=True)}


def _public_steps() -> sa.Select:
    return (sa.select(Step).where(Step.is_public)
            .options(joinedload(Step.territory), joinedload(Step.campaign))
            .order_by(Step.day.is_(None), Step.day, Step.id))


@bp.get("/etapes")
def steps() -> ResponseReturnValue:
    query = _public_steps()
    if slug := request.args.get("demarche"):
        query = query.where(Step.campaign_id == _campaign(slug).id)
    if code := request.args.get("departement"):
        territory = departement_by_code(code) or abort(404)
        query = query.where(Step.territory_id == territory.id)
    return {"donnees": [_step_record(step) for step in db.session.scalars(query).unique()]}


@bp.get("/etapes/<int:step_id>")
def step(step_id: int) -> ResponseReturnValue:
    found = db.session.scalars(_public_steps().where(Step.id == step_id)).first()
    if found is None:
        abort(404)
    return _step_record(found)


@bp.get("/demarches/<slug>/contributions")
def contributions(slug: str) -> ResponseReturnValue:
    """Published contributions, oldest first, by pages: ``suivant`` gives the next page."""
    campaign = _campaign(slug)
    limit = _int_arg("limite", 50, 1, MAX_PAGE)
    after = _int_arg("apres", 0, 0, 2**31 - 1)
    territory_id = challenge_id = None
    if code := request.args.get("departement"):
        territory_id = (departement_by_code(code) or abort(404)).id
    if code := request.args.get("question"):
        challenge = next((c for c in campaign.challenges if c.code == code), None)
        challenge_id = challenge.id if challenge else abort(404)
    kind = request.args.get("type", "")
    if kind not in ("", "proposal", "testimony"):
        abort_with(400, "Le paramètre « type » vaut proposal ou testimony.")
    rows = list(records.published(records.Scope(
        campaign=campaign, territory_id=territory_id, challenge_id=challenge_id, kind=kind,
        after_id=after, limit=limit + 1)))
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        following = url_for(".contributions", slug=slug, _external=True,
                            **{**request.args.to_dict(), "apres": rows[-1]["id"]})
    return {"donnees": rows, "suivant": following}
