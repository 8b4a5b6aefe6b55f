"""Public side: submit a contribution, browse and search the published ones."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import selectinload

from app.accounts.routes import safe_next
from app.campaigns.models import AgendaItem, AgendaKind, Campaign, Step
from app.campaigns.queries import campaign_with_challenges
from app.contributions import capture, queries, services, similarity, submission
from app.contributions.forms import ContributionForm
from app.contributions.models import AGE_RANGES, AnswerState, Contribution, ContributionKind
from app.extensions import db
from app.form_recovery import keeps_form_on_expired_token
from app.forms import choices, plain_text
from app.participants import CATEGORIES
from app.ratelimits import per_email, per_ip
from app.registrations import tokens
from app.registrations.models import Registration
from app.registrations.services import by_uuid as registration_by_uuid
from app.routing import database_id
from app.territories.queries import departements
from app.urls import absolute_url

bp = Blueprint("contributions", __name__)


def _campaign(slug: str) -> Campaign:
    campaign = campaign_with_challenges(slug)
    if campaign is None:
        abort(404)
    return campaign


def _public_steps(campaign: Campaign, with_agenda: bool = False) -> list[Step]:
    query = (sa.select(Step).where(Step.campaign_id == campaign.id, Step.is_public)
             .order_by(Step.day.is_(None), Step.day, Step.id))
    if with_agenda:  # one query for every step's workshops, not one per step
        query = query.options(selectinload(Step.agenda_items))
    return list(db.session.scalars(query))


def _step_choices(campaign: Campaign) -> list[sa.Row]:
    """(id, title) of the campaign's public steps, for the list's « Étape » filter: columns
    only, no Step objects, since a large démarche has hundreds."""
    return list(db.session.execute(
        sa.select(Step.id, Step.title).where(Step.campaign_id == campaign.id, Step.is_public)
        .order_by(Step.day.is_(None), Step.day, Step.id)))


def _fill_choices(form: ContributionForm, campaign: Campaign) -> dict[int, AgendaItem]:
    """Fill the lists; return the public workshops by id."""
    steps = _public_steps(campaign, with_agenda=True)
    form.territory_id.choices = choices(
        [(0, "Choisir…")] + [(t.id, t.display_name) for t in departements()])
    form.challenge_id.choices = choices(
        [(0, "Choisir…")] + [(c.id, c.title) for c in campaign.challenges])
    form.step_id.choices = choices([(0, "Aucune")] + [(s.id, s.title) for s in steps])
    workshops = {item.id: item for step in steps for item in step.agenda_items
                 if item.kind is AgendaKind.WORKSHOP}
    form.workshop_id.choices = choices(
        [(0, "Aucun")] + [(item.id, f"{item.step.title} — {item.title}")
                          for item in workshops.values()])
    return workshops


def _prefill(campaign: Campaign) -> dict[str, object]:
    """From a QR code or short link: ?etape=<id>&atelier=<id>&question=<code>."""
    data: dict[str, object] = {"submission_key": str(uuid.uuid4())}
    step = db.session.get(Step, request.args.get("etape", type=database_id) or 0)
    if step is not None and step.campaign_id == campaign.id:
        data.update(step_id=step.id, territory_id=step.territory_id)
        workshop = db.session.get(AgendaItem, request.args.get("atelier", type=database_id) or 0)
        if workshop is not None and workshop.step_id == step.id:
            data["workshop_id"] = workshop.id
            if workshop.challenge_id:
                data["challenge_id"] = workshop.challenge_id
    code = request.args.get("question", "")
    challenge = next((c for c in campaign.challenges if c.code == code), None)
    if challenge is not None:
        data["challenge_id"] = challenge.id
    return data


def _registration(campaign: Campaign) -> Registration | None:
    """The active registration whose management link brought the visitor, if any: people
    registered for a step may contribute even when online contributions are not open to all."""
    token = request.values.get("inscription", "")
    if not token:
        return None
    try:
        registration = registration_by_uuid(tokens.read(token))
    except tokens.TokenError:
        return None
    if registration is None or not registration.is_active \
            or registration.step.campaign_id != campaign.id:
        return None
    return registration


def _workshop_fits(form: ContributionForm, workshops: dict[int, AgendaItem]) -> bool:
    """The workshop must be one of the chosen step's; choosing one sets the step."""
    workshop = workshops.get(form.workshop_id.data)
    if workshop is None:
        return True
    if form.step_id.data and form.step_id.data != workshop.step_id:
        form.workshop_id.errors.append("Cet atelier n’a pas lieu lors de l’étape choisie.")
        return False
    form.step_id.data = workshop.step_id
    return True


@bp.get("/c/<int:step_id>")
@bp.get("/c/<int:step_id>/<int:workshop_id>")
def short_link(step_id: int, workshop_id: int | None = None) -> ResponseReturnValue:
    """The short link behind a room's QR code: the form, pre-filled for the step (and
    workshop)."""
    step = db.session.get(Step, step_id)
    if step is None or not step.is_public:
        abort(404)
    return redirect(url_for("contributions.submit", slug=step.campaign.slug, etape=step.id,
                            atelier=workshop_id))


@bp.route("/demarches/<slug>/contribuer", methods=["GET", "POST"])
@keeps_form_on_expired_token
@per_ip("CONTRIBUTION_LIMIT_PER_IP")
@per_email("CONTRIBUTION_LIMIT_PER_EMAIL")
def submit(slug: str) -> ResponseReturnValue:
    campaign = _campaign(slug)
    registration = _registration(campaign)
    if not campaign.contributions_open and registration is None:
        return render_template("contributions/closed.html", campaign=campaign), 403
    form = ContributionForm(data=None if request.method == "POST" else _prefill(campaign))
    workshops = _fill_choices(form, campaign)
    look_alikes: list[Contribution] = []
    if form.validate_on_submit() and _workshop_fits(form, workshops):
        if form.website.data:  # the honeypot: a robot filled what people never see
            abort(400)
        look_alikes = _look_alikes(campaign, form)
        if not look_alikes:
            return _save(campaign, form)
        # Nothing saved: the same form comes back, filled, above it what already exists.
        form.seen_similar.data = ",".join(
            str(i) for i in sorted(form.seen_ids() | {c.id for c in look_alikes}))
    return render_template("contributions/submit.html", campaign=campaign, form=form,
                           registration_token=request.values.get("inscription", "")
                           if registration else "", look_alikes=look_alikes,
                           supported=set(session.get("supported", [])),
                           # The contribution page, once that endpoint exists.
                           linked="contributions.detail" in current_app.view_functions)


def _look_alikes(campaign: Campaign, form: ContributionForm) -> list[Contribution]:
    """The published proposals like the one being sent, when the person has not seen them
    yet: a proposal stops once to offer supporting one instead. Never for a testimony (each
    one's own story counts), nor after « Envoyer quand même ma proposition »."""
    if form.kind.data != ContributionKind.PROPOSAL.value or form.confirm_distinct.data:
        return []
    if submission.saved_with_key(form.submission_key.data) is not None:
        return []  # already saved: a double click, whose first click published it
    found = similarity.published_look_alikes(campaign, form.challenge_id.data,
                                             form.title.data or "", form.body.data)
    seen = form.seen_ids()
    return found if any(c.id not in seen for c in found) else []


def _save(campaign: Campaign, form: ContributionForm) -> ResponseReturnValue:
    values = {name: form[name].data for name in (
        "title", "body", "territory_id", "challenge_id", "pseudonym", "age_range",
        "category", "email", "submission_key")}
    values["kind"] = ContributionKind(form.kind.data)
    values["step_id"] = form.step_id.data or None
    values["workshop_id"] = form.workshop_id.data or None
    values["submission_key"] = values["submission_key"] or None
    contribution = submission.submit_once(campaign, values)
    flash("Merci ! Votre contribution est enregistrée"
          + (" ; elle sera publiée après relecture." if contribution.published_at is None
             else " et publiée."), "success")
    return redirect(url_for("contributions.browse", slug=campaign.slug))


# The list's own query arguments: what a « Soutenir » or « Signaler » brings back.
LIST_ARGS = ("q", "departement", "question", "type", "etape", "categorie", "reponse", "tri",
             "avant")


def _list_url(slug: str, args: Mapping[str, str], **values: Any) -> str:
    """The list of contributions with the filters of ``args`` (only those the list reads)."""
    kept: dict[str, Any] = {name: args[name] for name in LIST_ARGS if args.get(name)}
    return url_for(".browse", slug=slug, **kept, **values)


@bp.get("/demarches/<slug>/contributions")
def browse(slug: str) -> ResponseReturnValue:
    campaign = _campaign(slug)
    args = request.args
    filters = queries.ContributionFilters(
        territory_id=args.get("departement", type=database_id),
        challenge_id=args.get("question", type=database_id),
        step_id=args.get("etape", type=database_id), kind=args.get("type", ""),
        category=args.get("categorie", ""), search=args.get("q", "")[:200],
        answer_state=args.get("reponse", ""),
        by_support=args.get("tri") == "soutiens", before=args.get("avant", "")[:40])
    contributions, next_cursor = queries.published(campaign, filters)
    return render_template("contributions/browse.html", campaign=campaign, filters=filters,
                           contributions=contributions, next_cursor=next_cursor,
                           departements=departements(), kinds=ContributionKind,
                           categories=CATEGORIES, ages=AGE_RANGES, answer_states=list(AnswerState),
                           steps=_step_choices(campaign),
                           supported=set(session.get("supported", [])),
                           return_to=_list_url(slug, args))


REFERENCE = re.compile(r"[Cc]-([0-9]{1,10})")


@bp.get("/contributions/<reference>")
def detail(reference: str) -> ResponseReturnValue:
    """A contribution's own page (C-000123), to read, support and share by its link."""
    match = REFERENCE.fullmatch(reference)
    try:
        contribution_id = database_id(match.group(1)) if match else 0
    except ValueError:
        contribution_id = 0
    contribution = queries.public_page(contribution_id) if contribution_id else None
    if contribution is None:
        # A duplicate merged into another: its link (perhaps already shared) leads there.
        target = queries.merged_target(contribution_id) if contribution_id else None
        if target is None:
            abort(404)
        return redirect(url_for(".detail", reference=target.reference), 301)
    if reference != contribution.reference:  # C-123 or c-000123: one address per page
        return redirect(url_for(".detail", reference=contribution.reference), 301)
    return render_template(
        "contributions/detail.html", contribution=contribution,
        campaign=contribution.campaign, supported=set(session.get("supported", [])),
        share_url=absolute_url("contributions.detail", reference=contribution.reference),
        return_to=url_for(".detail", reference=contribution.reference))


def _visitor_key() -> str:
    """A random key in the visitor's signed session: one support, one report per person."""
    return session.setdefault("supporter", uuid.uuid4().hex)


def _back_to(contribution: Contribution) -> str:
    """Where a support or a report brings the visitor back: the contribution's page, or the
    list with the same filters and page, scrolled to the contribution. « retour » comes from
    the form: anything but those two pages of this site (another host, another path) gives
    the campaign's list, never an open redirect."""
    slug = contribution.campaign.slug
    try:
        target = urlsplit(safe_next(request.form.get("retour", "")[:2000]) or "")
    except ValueError:  # not even a URL (« //[ »: an unclosed IPv6 host)
        target = urlsplit("")
    if target.path == url_for(".detail", reference=contribution.reference) \
            and contribution.is_public:
        return target.path
    args = dict(parse_qsl(target.query)) if target.path == url_for(".browse", slug=slug) else {}
    return _list_url(slug, args, _anchor=f"c{contribution.id}")


@bp.post("/contributions/<int:contribution_id>/signaler")
def report(contribution_id: int) -> ResponseReturnValue:
    contribution = db.session.get(Contribution, contribution_id)
    if contribution is None:
        abort(404)
    reason = plain_text(request.form.get("reason", ""), 300)
    try:
        added = services.report(contribution, _visitor_key(), reason)
    except services.ContributionError as error:
        flash(str(error), "error")
    else:
        flash("Merci : votre signalement sera examiné par les modérateurs." if added
              else "Vous avez déjà signalé cette contribution.", "info")
    return redirect(_back_to(contribution))


@bp.post("/contributions/<int:contribution_id>/soutenir")
@per_ip("SUPPORT_LIMIT_PER_IP")
def support(contribution_id: int) -> ResponseReturnValue:
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
    return redirect(_back_to(contribution))


WALL_SIZE = 30


# The endpoint « contributions.wall » (/etapes/<step_id>/mur) is linked from the step's back
# office as « Mur pour la salle »: keep its name.
@bp.get("/etapes/<int:step_id>/mur")
def wall(step_id: int) -> ResponseReturnValue:
    """Full-screen page for the room's projector; new contributions appear as published."""
    step = db.session.get(Step, step_id)
    if step is None or not step.is_public:
        abort(404)
    # The room joins from the wall itself: the short link, and its QR code for phones.
    join_url = absolute_url("contributions.short_link", step_id=step.id)
    return render_template("contributions/wall.html", step=step, join_url=join_url,
                           join_qr=capture.qr_svg(join_url, f"Contribuer à « {step.title} »"),
                           contributions=queries.latest_for_step(step, WALL_SIZE))


@bp.get("/etapes/<int:step_id>/mur.json")
def wall_feed(step_id: int) -> ResponseReturnValue:
    """Published contributions of the step after ``apres`` (an id), oldest first."""
    step = db.session.get(Step, step_id)
    if step is None or not step.is_public:
        abort(404)
    after = request.args.get("apres", default=0, type=database_id)
    items = queries.published_after(step, after, WALL_SIZE)
    return {"contributions": [{
        "id": item.id, "reference": item.reference, "kind": item.kind.label,
        "title": item.title, "body": item.body, "author": item.author_label,
        "challenge": item.challenge.title if item.challenge else ""} for item in items]}
