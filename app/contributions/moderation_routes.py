"""Moderation: the queue (publish, reject with a reason, redact personal data), and each
contribution's page (re-tag, merge a duplicate after comparing, separate it again, answer a
proposal)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app import policy
from app.audit import AuditEntry
from app.backoffice import staff_blueprint
from app.campaigns.models import AgendaItem, AgendaKind, Challenge, Step
from app.contributions import (
    curation,
    queries,
    question_suggestion,
    sensitive,
    services,
    similarity,
)
from app.contributions.capture import REFERENCE
from app.contributions.forms import AnswerForm, MergeForm, RedactForm, RejectForm, RetagForm
from app.contributions.models import (
    AnswerState,
    Contribution,
    ContributionKind,
    ContributionMerge,
)
from app.contributions.question_suggestion import Suggestion
from app.extensions import db
from app.form_recovery import keeps_form_on_expired_token, token_expired
from app.forms import choices
from app.routing import database_id
from app.territories.models import Territory
from app.territories.queries import departements

bp = staff_blueprint("moderation", __name__)


def _contribution(contribution_id: int) -> Contribution:
    contribution = db.session.get(Contribution, contribution_id) or abort(404)
    policy.require(current_user, "contribution.moderate", contribution)
    return contribution


def _scope() -> set[int] | None:
    """The territories whose contributions the user moderates (None: all)."""
    return policy.territory_ids(current_user, "contribution.moderate")


@bp.get("/moderation")
def queue() -> ResponseReturnValue:
    policy.require(current_user, "contribution.moderate")
    return _queue_page()


def _queue_page(refused: RejectForm | None = None, refused_id: int | None = None):
    """A page of the queue, oldest first (?apres=<id>: after that one); ``refused``: a reject
    form sent for ``refused_id`` that comes back filled, with its error (an empty reason, an
    expired page), on a page starting with that contribution."""
    after = refused_id - 1 if refused_id else request.args.get("apres", type=database_id)
    scope = _scope()
    rows = queries.pending_for(scope, after)
    return render_template("contributions/moderation.html",
                           pending=rows[:queries.PAGE_SIZE], total=queries.pending_count(scope),
                           next_cursor=rows[queries.PAGE_SIZE - 1].id
                           if len(rows) > queries.PAGE_SIZE else None, after=after,
                           reject_form=RejectForm(formdata=None), refused=refused,
                           refused_id=refused_id, highlight=sensitive.highlight)


@bp.get("/contributions")
def contributions() -> ResponseReturnValue:
    """Every contribution the user moderates, newest first, by reference or words."""
    policy.require(current_user, "contribution.moderate")
    wanted = request.args.get("q", "")[:200]
    reference = REFERENCE.fullmatch(wanted) if wanted.upper().startswith("C") else None
    if reference:
        return redirect(url_for(".detail", contribution_id=int(reference.group(1))))
    rows = queries.for_moderators(_scope(), wanted, request.args.get("statut", ""),
                                  request.args.get("avant", type=database_id))
    return render_template("contributions/moderation_list.html", rows=rows[:queries.PAGE_SIZE],
                           next_cursor=rows[queries.PAGE_SIZE - 1].id
                           if len(rows) > queries.PAGE_SIZE else None, q=wanted,
                           status=request.args.get("statut", ""))


def question_hint(contribution: Contribution, suggestion: Suggestion | None) -> str | None:
    """What the re-tag form says of the question it suggests (preselected, not saved)."""
    if suggestion is None:
        return None
    titles = {challenge.id: challenge.title for challenge in contribution.campaign.challenges}
    hint = (f"Sans question : « {titles[suggestion.question]} » est suggérée d’après le texte "
            f"(sûre à {round(suggestion.confidence * 100)} %")
    if len(suggestion.ranked) > 1:
        runner_up, confidence = suggestion.ranked[1]
        hint += f" ; ensuite : « {titles[runner_up]} », {round(confidence * 100)} %"
    return hint + "). Vérifiez-la, puis « Reclasser »."


def _suggested_question(contribution: Contribution) -> Suggestion | None:
    if contribution.challenge_id is not None:
        return None
    return question_suggestion.model_for(contribution.campaign).suggest(
        f"{contribution.title} {contribution.body}")


def _retag_form(contribution: Contribution, posted: bool = False,
                suggestion: Suggestion | None = None) -> RetagForm:
    """The form filled from the request if ``posted``, from the contribution otherwise (with
    the suggested question when it has none)."""
    question = contribution.challenge_id or (suggestion.question if suggestion else 0)
    form = RetagForm(formdata=None if not posted else request.form,
                     data=None if posted else {
        "kind": contribution.kind.value, "territory_id": contribution.territory_id,
        "challenge_id": question, "step_id": contribution.step_id or 0,
        "workshop_id": contribution.workshop_id or 0})
    campaign = contribution.campaign
    form.territory_id.choices = choices([(t.id, t.display_name) for t in departements()])
    form.challenge_id.choices = choices(
        [(0, "Aucune")] + [(c.id, c.title) for c in campaign.challenges])
    steps = list(db.session.scalars(sa.select(Step).where(Step.campaign_id == campaign.id)
                                    .options(selectinload(Step.agenda_items))
                                    .order_by(Step.day.is_(None), Step.day, Step.id)))
    form.step_id.choices = choices([(0, "Aucune")] + [(s.id, s.title) for s in steps])
    form.workshop_id.choices = choices([(0, "Aucun")] + [
        (item.id, f"{step.title} — {item.title}") for step in steps
        for item in step.agenda_items if item.kind is AgendaKind.WORKSHOP])
    return form


def _answer_form(contribution: Contribution, posted: bool = False) -> AnswerForm:
    return AnswerForm(formdata=None if not posted else request.form, data=None if posted else {
        "answer_state": contribution.answer_state.value if contribution.answer_state else None,
        "answer": contribution.answer})


def _detail_page(contribution: Contribution, **forms):
    suggestion = _suggested_question(contribution)
    forms.setdefault("retag_form", _retag_form(contribution, suggestion=suggestion))
    forms.setdefault("merge_form", MergeForm(formdata=None))
    forms.setdefault("answer_form", _answer_form(contribution))
    history = list(db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == "contribution",
                                    AuditEntry.object_id == contribution.id)
        .order_by(AuditEntry.id.desc())))
    merged = list(db.session.scalars(sa.select(Contribution).where(
        Contribution.merged_into_id == contribution.id).order_by(Contribution.id)))
    suggestions = [] if contribution.merged_into_id else similarity.merge_suggestions(
        contribution, _scope())
    forms.setdefault("reject_form", RejectForm(formdata=None))
    return render_template("contributions/moderation_detail.html", contribution=contribution,
                           history=history,
                           merged=merged, suggestions=suggestions,
                           merges=curation.merges_of(contribution),
                           question_hint=question_hint(contribution, suggestion), **forms)


@bp.get("/contributions/<int:contribution_id>")
def detail(contribution_id: int) -> ResponseReturnValue:
    return _detail_page(_contribution(contribution_id))


@bp.post("/contributions/<int:contribution_id>/reclasser")
def retag(contribution_id: int) -> ResponseReturnValue:
    contribution = _contribution(contribution_id)
    form = _retag_form(contribution, posted=True)
    if not form.validate_on_submit():
        return _detail_page(contribution, retag_form=form), 400
    territory = db.session.get(Territory, form.territory_id.data)
    if territory is None or not policy.can(current_user, "contribution.moderate", territory):
        form.territory_id.errors.append("Vous ne modérez pas ce département.")
        return _detail_page(contribution, retag_form=form), 400
    tags = curation.Tags(kind=ContributionKind(form.kind.data), territory=territory,
                         challenge=db.session.get(Challenge, form.challenge_id.data or 0),
                         step=db.session.get(Step, form.step_id.data or 0),
                         workshop=db.session.get(AgendaItem, form.workshop_id.data or 0))
    try:
        curation.retag(contribution, tags, current_user)
    except services.ContributionError as error:
        form.workshop_id.errors.append(str(error))
        return _detail_page(contribution, retag_form=form), 400
    flash(f"{contribution.reference} est reclassée.", "success")
    return redirect(url_for(".detail", contribution_id=contribution.id))


def _merge_target(form: MergeForm) -> Contribution | None:
    """The contribution to keep that a valid form names, if the user moderates it; else None
    with the reason on the form."""
    named = REFERENCE.fullmatch(form.target.data or "")  # the form checked it already
    target = db.session.get(Contribution, int(named[1])) if named else None
    if target is None or not policy.can(current_user, "contribution.moderate", target):
        form.target.errors.append(f"Aucune contribution {form.target.data} parmi celles "
                                  "que vous modérez.")
        return None
    return target


@bp.get("/contributions/<int:contribution_id>/comparer")
def compare(contribution_id: int) -> ResponseReturnValue:
    """This contribution (the duplicate) and the one to keep, side by side, before merging."""
    duplicate = _contribution(contribution_id)
    form = MergeForm(formdata=request.args, meta={"csrf": False})
    target = _merge_target(form) if form.validate() else None
    if target is None:
        return _detail_page(duplicate, merge_form=form), 400
    try:
        curation.check_merge(duplicate, target)
    except services.ContributionError as error:
        form.target.errors.append(str(error))
        return _detail_page(duplicate, merge_form=form), 400
    return render_template("contributions/merge_compare.html", duplicate=duplicate,
                           target=target, merge_form=MergeForm(formdata=None, data={
                               "target": target.reference}))


@bp.post("/contributions/<int:contribution_id>/fusionner")
def merge(contribution_id: int) -> ResponseReturnValue:
    """Merge this contribution (a duplicate) into the one given by its reference (the
    comparison page's confirmation)."""
    duplicate = _contribution(contribution_id)
    form = MergeForm()
    if form.validate_on_submit():
        target = _merge_target(form)
        if target is not None:
            try:
                curation.merge(duplicate, target, current_user)
            except services.ContributionError as error:
                form.target.errors.append(str(error))
            else:
                flash(f"{duplicate.reference} est fusionnée dans {target.reference}. "
                      "« Séparer » la rétablit telle qu’elle était.", "success")
                return redirect(url_for(".detail", contribution_id=target.id))
    return _detail_page(duplicate, merge_form=form), 400


@bp.post("/contributions/fusions/<int:merge_id>/separer")
def split(merge_id: int) -> ResponseReturnValue:
    """Undo a merge: the duplicate comes back with its supports; the history keeps both."""
    record = db.session.get(ContributionMerge, merge_id) or abort(404)
    policy.require(current_user, "contribution.moderate", record.duplicate)
    policy.require(current_user, "contribution.moderate", record.target)
    try:
        curation.split(record, current_user)
    except services.ContributionError as error:
        flash(str(error), "error")
    else:
        flash(f"{record.duplicate.reference} est séparée de {record.target.reference} et "
              "retrouve ses soutiens.", "success")
    return redirect(url_for(".detail", contribution_id=record.duplicate_id))


@bp.post("/contributions/<int:contribution_id>/repondre")
def answer(contribution_id: int) -> ResponseReturnValue:
    contribution = db.session.get(Contribution, contribution_id) or abort(404)
    policy.require(current_user, "contribution.answer", contribution)
    form = _answer_form(contribution, posted=True)
    if form.validate_on_submit():
        try:
            curation.answer(contribution, AnswerState(form.answer_state.data),
                            form.answer.data or "", current_user)
        except services.ContributionError as error:
            flash(str(error), "error")
            return redirect(url_for(".detail", contribution_id=contribution.id))
        else:
            flash(f"La réponse à {contribution.reference} est publiée.", "success")
            return redirect(url_for(".detail", contribution_id=contribution.id))
    policy.require(current_user, "contribution.moderate", contribution)
    return _detail_page(contribution, answer_form=form), 400


@bp.post("/moderation/<int:contribution_id>/publier")
def publish(contribution_id: int) -> ResponseReturnValue:
    contribution = _contribution(contribution_id)
    try:
        services.publish(contribution, current_user)
    except services.ContributionError as error:
        flash(str(error), "error")
    else:
        flash(f"{contribution.reference} est publiée.", "success")
    return redirect(url_for(".queue"))


@bp.post("/moderation/<int:contribution_id>/retablir")
def restore(contribution_id: int) -> ResponseReturnValue:
    contribution = _contribution(contribution_id)
    services.restore(contribution, current_user)
    flash(f"{contribution.reference} est de nouveau visible.", "success")
    return redirect(url_for(".queue"))


@bp.post("/moderation/<int:contribution_id>/refuser")
@keeps_form_on_expired_token
def reject(contribution_id: int) -> ResponseReturnValue:
    """Refuse with a reason, from the queue or the contribution's page (``depuis=fiche``); on
    an error the same page comes back with the reason as typed."""
    contribution = _contribution(contribution_id)
    form = RejectForm()
    from_detail = request.form.get("depuis") == "fiche"
    if form.validate_on_submit():
        services.reject(contribution, form.reason.data, current_user)
        flash(f"{contribution.reference} est refusée.", "success")
        return redirect(url_for(".detail", contribution_id=contribution.id) if from_detail
                        else url_for(".queue"))
    status = 200 if token_expired() else 400
    if from_detail:
        return _detail_page(contribution, reject_form=form), status
    return _queue_page(form, contribution.id), status


@bp.route("/moderation/<int:contribution_id>/modifier", methods=["GET", "POST"])
@keeps_form_on_expired_token
def redact(contribution_id: int) -> ResponseReturnValue:
    contribution = _contribution(contribution_id)
    form = RedactForm(obj=contribution)
    # « Vérifier de nouveau » shows the marks of the text as edited, without saving it.
    if form.validate_on_submit() and "verifier" not in request.form:
        services.redact(contribution, form.title.data or "", form.body.data, current_user)
        flash(f"{contribution.reference} est modifiée ; le texte d’origine est conservé dans "
              "l’historique.", "success")
        return redirect(url_for(".queue"))
    text = form.body.data or ""
    return render_template("contributions/redact.html", contribution=contribution, form=form,
                           highlighted=sensitive.highlight(text),
                           findings=sensitive.find(f"{form.title.data or ''}\n{text}"))
