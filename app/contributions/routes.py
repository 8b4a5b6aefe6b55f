"""Public side: submit a contribution, browse and search the published ones."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from sqlalchemy.exc import IntegrityError

from app.campaigns.models import Campaign, Step, StepStatus
from app.campaigns.queries import campaign_with_challenges
from app.contributions import queries, services
from app.contributions.forms import ContributionForm
from app.contributions.models import AGE_RANGES, Contribution, ContributionKind
from app.extensions import db
from app.forms import choices
from app.registrations.categories import CATEGORIES
from app.territories.queries import departements

bp = Blueprint("contributions", __name__)


def _campaign(slug: str) -> Campaign:
    campaign = campaign_with_challenges(slug)
    if campaign is None:
        abort(404)
    return campaign


def _public_steps(campaign: Campaign) -> list[Step]:
    return list(db.session.scalars(sa.select(Step).where(
        Step.campaign_id == campaign.id, Step.status != StepStatus.DRAFT)
        .order_by(Step.day.is_(None), Step.day, Step.id)))


def _fill_choices(form: ContributionForm, campaign: Campaign) -> None:
    form.territory_id.choices = choices(
        [(0, "Choisir…")] + [(t.id, t.display_name) for t in departements()])
    form.challenge_id.choices = choices(
        [(0, "Choisir…")] + [(c.id, c.title) for c in campaign.challenges])
    form.step_id.choices = choices(
        [(0, "Aucune")] + [(s.id, s.title) for s in _public_steps(campaign)])


def _prefill(campaign: Campaign) -> dict:
    """From a QR code or short link: ?etape=<id>&question=<code>."""
    data: dict = {"submission_key": str(uuid.uuid4())}
    step = db.session.get(Step, request.args.get("etape", type=int) or 0)
    if step is not None and step.campaign_id == campaign.id:
        data.update(step_id=step.id, territory_id=step.territory_id)
    code = request.args.get("question", "")
    challenge = next((c for c in campaign.challenges if c.code == code), None)
    if challenge is not None:
        data["challenge_id"] = challenge.id
    return data


@bp.route("/demarches/<slug>/contribuer", methods=["GET", "POST"])
def submit(slug: str):
    campaign = _campaign(slug)
    if not campaign.contributions_open:
        return render_template("contributions/closed.html", campaign=campaign), 403
    form = ContributionForm(data=None if request.method == "POST" else _prefill(campaign))
    _fill_choices(form, campaign)
    if form.validate_on_submit():
        if form.website.data:  # the honeypot: a robot filled what people never see
            abort(400)
        values = {name: form[name].data for name in (
            "title", "body", "territory_id", "challenge_id", "pseudonym", "age_range",
            "category", "email", "submission_key")}
        values["kind"] = ContributionKind(form.kind.data)
        values["step_id"] = form.step_id.data or None
        values["submission_key"] = values["submission_key"] or None
        try:
            contribution = services.submit(campaign, values)
        except IntegrityError:  # the same form sent twice (double click)
            db.session.rollback()
            contribution = db.session.scalar(sa.select(Contribution).where(
                Contribution.submission_key == values["submission_key"]))
        flash("Merci ! Votre contribution est enregistrée"
              + (" ; elle sera publiée après relecture." if contribution.published_at is None
                 else " et publiée."), "success")
        return redirect(url_for("contributions.browse", slug=slug))
    return render_template("contributions/submit.html", campaign=campaign, form=form)


@bp.get("/demarches/<slug>/contributions")
def browse(slug: str):
    campaign = _campaign(slug)
    args = request.args
    filters = queries.ContributionFilters(
        territory_id=args.get("departement", type=int), challenge_id=args.get("question", type=int),
        step_id=args.get("etape", type=int), kind=args.get("type", ""),
        category=args.get("categorie", ""), search=args.get("q", "")[:200],
        by_support=args.get("tri") == "soutiens", before=args.get("avant", "")[:40])
    contributions, next_cursor = queries.published(campaign, filters)
    return render_template("contributions/browse.html", campaign=campaign, filters=filters,
                           contributions=contributions, next_cursor=next_cursor,
                           departements=departements(), kinds=ContributionKind,
                           categories=CATEGORIES, ages=AGE_RANGES,
                           steps=_public_steps(campaign),
                           supported=set(session.get("supported", [])))


def _visitor_key() -> str:
    """A random key in the visitor's signed session: one support, one report per person."""
    return session.setdefault("supporter", uuid.uuid4().hex)


@bp.post("/contributions/<int:contribution_id>/signaler")
def report(contribution_id: int):
    contribution = db.session.get(Contribution, contribution_id)
    if contribution is None:
        abort(404)
    reason = request.form.get("reason", "").strip()[:300]
    try:
        added = services.report(contribution, _visitor_key(), reason)
    except services.ContributionError as error:
        flash(str(error), "error")
    else:
        flash("Merci : votre signalement sera examiné par les modérateurs." if added
              else "Vous avez déjà signalé cette contribution.", "info")
    return redirect(url_for("contributions.browse", slug=contribution.campaign.slug))


@bp.post("/contributions/<int:contribution_id>/soutenir")
def support(contribution_id: int):
    """One support per person: their browser carries a random key in its signed session."""
    contribution = db.session.get(Contribution, contribution_id)
    if contribution is None:
        abort(404)
    try:
        added = services.support(contribution, _visitor_key())
    except services.ContributionError as error:
        flash(str(error), "error")
    else:
        session["supported"] = [*session.get("supported", []), contribution.id][-200:]
        flash("Merci pour votre soutien." if added else "Vous soutenez déjà cette proposition.",
              "success" if added else "info")
    return redirect(url_for("contributions.browse", slug=contribution.campaign.slug,
                            _anchor=f"c{contribution.id}"))


WALL_SIZE = 30


@bp.get("/etapes/<int:step_id>/mur")
def wall(step_id: int):
    """Full-screen page for the room's projector; new contributions appear as published."""
    step = db.session.get(Step, step_id)
    if step is None or not step.is_public:
        abort(404)
    return render_template("contributions/wall.html", step=step,
                           contributions=queries.latest_for_step(step, WALL_SIZE))


@bp.get("/etapes/<int:step_id>/mur.json")
def wall_feed(step_id: int):
    """Published contributions of the step after ``apres`` (an id), oldest first."""
    step = db.session.get(Step, step_id)
    if step is None or not step.is_public:
        abort(404)
    after = request.args.get("apres", default=0, type=int)
    items = queries.published_after(step, after, WALL_SIZE)
    return {"contributions": [{
        "id": item.id, "reference": item.reference, "kind": item.kind.label,
        "title": item.title, "body": item.body, "author": item.author_label,
        "challenge": item.challenge.title if item.challenge else ""} for item in items]}
