"""Organiser back office for steps. Every action asks the policy first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from app import policy
from app.audit import AuditEntry
from app.backoffice import staff_blueprint
from app.campaigns import services
from app.campaigns.dashboard import render_dashboard
from app.campaigns.form_mapping import schedule_data, step_form_data, step_values
from app.campaigns.forms import (
    AgendaItemForm,
    CancelStepForm,
    CopyStepForm,
    ScheduleForm,
    StepForm,
)
from app.campaigns.models import AgendaItem, AgendaKind, Campaign, Step
from app.campaigns.notices import Recipients, step_label
from app.campaigns.queries import all_campaigns
from app.extensions import db
from app.form_recovery import keeps_form_on_expired_token
from app.forms import choices
from app.french import plural
from app.territories.models import Territory, TerritoryKind

bp = staff_blueprint("manage", __name__)


def manageable_territories() -> list[Territory]:
    """Territories where the current user may create steps, in display order."""
    query = sa.select(Territory).where(Territory.kind != TerritoryKind.REGION)
    allowed = policy.territory_ids(current_user, "step.create")
    if allowed is not None:
        query = query.where(Territory.id.in_(allowed))
    return list(db.session.scalars(query.order_by(Territory.code, Territory.name)))


def _territory_choices() -> list[SelectChoice]:
    return choices([(t.id, t.display_name) for t in manageable_territories()])


def _load_step(step_id: int, action: str) -> Step:
    step = db.session.get(Step, step_id)
    if step is None:
        abort(404)
    policy.require(current_user, action, step)
    return step


def _step_form(**kwargs) -> StepForm:
    form = StepForm(**kwargs)
    form.campaign_id.choices = choices([(c.id, c.title) for c in all_campaigns()])
    form.territory_id.choices = _territory_choices()
    return form


def _chosen_territory(form: StepForm | CopyStepForm) -> Territory:
    territory = db.session.get(Territory, form.territory_id.data)
    if territory is None:  # the form offers only known territories
        abort(404)
    policy.require(current_user, "step.create", territory)
    return territory


@bp.get("/")
def dashboard() -> ResponseReturnValue:
    """The staff home page: its queries and rules live in app.campaigns.dashboard."""
    return render_dashboard()


@bp.route("/etapes/nouvelle", methods=["GET", "POST"])
@keeps_form_on_expired_token
def step_create() -> ResponseReturnValue:
    policy.require(current_user, "step.create")
    form = _step_form()
    if form.validate_on_submit():
        _chosen_territory(form)
        timezone = ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])
        step = services.create_step(step_values(form, timezone), current_user)
        flash("L’étape a été créée en brouillon. Publiez-la quand elle est prête.", "success")
        return redirect(url_for("manage.step_edit", step_id=step.id))
    return render_template("campaigns/manage/step_form.html", form=form, step=None)


@bp.route("/etapes/<int:step_id>/modifier", methods=["GET", "POST"])
@keeps_form_on_expired_token
def step_edit(step_id: int) -> ResponseReturnValue:
    step = _load_step(step_id, "step.edit")
    form = _step_form(data=step_form_data(step))
    if form.validate_on_submit():
        _chosen_territory(form)  # moving a step needs the right on its new territory too
        if _attempt(lambda: services.update_step(step, step_values(form, step.tz), current_user),
                    "Les modifications sont enregistrées."):
            return redirect(url_for("manage.step_edit", step_id=step.id))
    return render_template("campaigns/manage/step_form.html", form=form, step=step)


@bp.post("/etapes/<int:step_id>/publier")
def step_publish(step_id: int) -> ResponseReturnValue:
    step = _load_step(step_id, "step.publish")
    _attempt(lambda: services.publish_step(step, current_user), "L’étape est publiée.")
    return redirect(url_for("manage.step_edit", step_id=step.id))


def _attempt(action: Callable[[], Any], success: str | Callable[[Any], str]) -> bool:
    """Run a service action; a state error becomes a message for the user. ``success``: the
    message, or a function of the action's result that writes it."""
    try:
        result = action()
    except services.StepStateError as error:
        flash(str(error), "error")
        return False
    flash(success(result) if callable(success) else success, "success")
    return True


def _queued_notice(done: str, queued: Recipients) -> str:
    """The action, then the mails really queued (the services' count, not a new query)."""
    if not queued.total:
        return f"{done} Personne n’a été prévenu par courriel."
    return (f"{done} {plural(queued.total, 'courriel')} en file d’envoi : "
            f"{queued} {'est prévenu' if queued.total == 1 else 'sont prévenus'}.")


@bp.route("/etapes/<int:step_id>/reprogrammer", methods=["GET", "POST"])
@keeps_form_on_expired_token
def step_reschedule(step_id: int) -> ResponseReturnValue:
    step = _load_step(step_id, "step.reschedule")
    form = ScheduleForm(data=schedule_data(step))
    if form.validate_on_submit() and _attempt(
            lambda: services.reschedule_step(step, form.schedule_values(), current_user),
            lambda queued: _queued_notice("La date de l’étape est mise à jour.", queued)):
        return redirect(url_for("manage.step_edit", step_id=step.id))
    return render_template("campaigns/manage/step_reschedule.html", form=form, step=step,
                           recipients=services.recipients(
                               step, "moved" if step.day else "scheduled"))


@bp.route("/etapes/<int:step_id>/annuler", methods=["GET", "POST"])
@keeps_form_on_expired_token
def step_cancel(step_id: int) -> ResponseReturnValue:
    step = _load_step(step_id, "step.cancel")
    form = CancelStepForm()
    if form.validate_on_submit() and _attempt(
            lambda: services.cancel_step(step, current_user, form.reason.data or ""),
            lambda queued: _queued_notice("L’étape est annulée.", queued)):
        return redirect(url_for("manage.step_edit", step_id=step.id))
    return render_template("campaigns/manage/step_cancel.html", form=form, step=step,
                           recipients=services.recipients(step, "cancelled"))


@bp.route("/etapes/<int:step_id>/copier", methods=["GET", "POST"])
@keeps_form_on_expired_token
def step_copy(step_id: int) -> ResponseReturnValue:
    original = _load_step(step_id, "step.copy")
    form = CopyStepForm()
    form.territory_id.choices = _territory_choices()
    if form.validate_on_submit():
        territory = _chosen_territory(form)
        copy = services.copy_step(original, territory, form.schedule_values(), current_user)
        flash(f"Nouvelle étape créée en brouillon : {step_label(copy)}. Vérifiez la ville et "
              "le lieu avant de la publier.", "success")
        return redirect(url_for("manage.step_edit", step_id=copy.id))
    # No ``step``: the layout then shows no menu of the original's actions, which a person
    # who meant to work on the copy could use on the original by mistake.
    return render_template("campaigns/manage/step_copy.html", form=form, original=original,
                           original_label=step_label(original))


def _agenda_form(step: Step, **kwargs) -> AgendaItemForm:
    form = AgendaItemForm(**kwargs)
    challenges = db.session.scalars(sa.select(Campaign).where(Campaign.id == step.campaign_id)
                                    .options(selectinload(Campaign.challenges))).one().challenges
    form.challenge_id.choices = choices([(0, "Aucune")] + [(c.id, c.title) for c in challenges])
    return form


@bp.route("/etapes/<int:step_id>/programme", methods=["GET", "POST"])
@keeps_form_on_expired_token
def step_agenda(step_id: int) -> ResponseReturnValue:
    step = _load_step(step_id, "step.edit")
    form = _agenda_form(step)
    if form.validate_on_submit():
        values = form.payload()
        values["kind"] = AgendaKind(values["kind"])
        values["challenge_id"] = values["challenge_id"] or None
        services.add_agenda_item(step, values, current_user)
        flash("L’élément est ajouté au programme.", "success")
        return redirect(url_for("manage.step_agenda", step_id=step.id))
    return render_template("campaigns/manage/step_agenda.html", form=form, step=step)


@bp.post("/etapes/<int:step_id>/programme/<int:item_id>/supprimer")
def step_agenda_remove(step_id: int, item_id: int) -> ResponseReturnValue:
    step = _load_step(step_id, "step.edit")
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.step_id != step.id:
        abort(404)
    services.remove_agenda_item(item, current_user)
    flash("L’élément est retiré du programme.", "success")
    return redirect(url_for("manage.step_agenda", step_id=step.id))


@bp.get("/etapes/<int:step_id>/historique")
def step_history(step_id: int) -> ResponseReturnValue:
    step = _load_step(step_id, "step.view_history")
    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == Step.__tablename__,
                                    AuditEntry.object_id == step.id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))
    return render_template("campaigns/manage/step_history.html", step=step, entries=list(entries))
