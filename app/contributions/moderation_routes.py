"""Moderation queue: publish, reject with a reason, redact personal data."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from app import policy
from app.backoffice import staff_blueprint
from app.contributions import queries, services
from app.contributions.forms import RedactForm, RejectForm
from app.contributions.models import Contribution
from app.extensions import db
from app.territories.queries import descendant_ids

bp = staff_blueprint("moderation", __name__)


def _contribution(contribution_id: int) -> Contribution:
    contribution = db.session.get(Contribution, contribution_id) or abort(404)
    policy.require(current_user, "contribution.moderate", contribution)
    return contribution


@bp.get("/moderation")
def queue():
    policy.require(current_user, "contribution.moderate")
    scope = None if current_user.is_admin else descendant_ids(
        {t.id for t in current_user.territories})
    return render_template("contributions/moderation.html",
                           pending=queries.pending_for(scope), reject_form=RejectForm())


@bp.post("/moderation/<int:contribution_id>/publier")
def publish(contribution_id: int):
    contribution = _contribution(contribution_id)
    try:
        services.publish(contribution, current_user)
    except services.ContributionError as error:
        flash(str(error), "error")
    else:
        flash(f"{contribution.reference} est publiée.", "success")
    return redirect(url_for(".queue"))


@bp.post("/moderation/<int:contribution_id>/retablir")
def restore(contribution_id: int):
    contribution = _contribution(contribution_id)
    services.restore(contribution, current_user)
    flash(f"{contribution.reference} est de nouveau visible.", "success")
    return redirect(url_for(".queue"))


@bp.post("/moderation/<int:contribution_id>/refuser")
def reject(contribution_id: int):
    contribution = _contribution(contribution_id)
    form = RejectForm()
    if form.validate_on_submit():
        services.reject(contribution, form.reason.data, current_user)
        flash(f"{contribution.reference} est refusée.", "success")
    else:
        flash(form.reason.errors[0] if form.reason.errors else "Formulaire invalide.", "error")
    return redirect(url_for(".queue"))


@bp.route("/moderation/<int:contribution_id>/modifier", methods=["GET", "POST"])
def redact(contribution_id: int):
    contribution = _contribution(contribution_id)
    form = RedactForm(obj=contribution)
    if form.validate_on_submit():
        services.redact(contribution, form.title.data or "", form.body.data, current_user)
        flash(f"{contribution.reference} est modifiée ; le texte d’origine est conservé dans "
              "l’historique.", "success")
        return redirect(url_for(".queue"))
    return render_template("contributions/redact.html", contribution=contribution, form=form)
