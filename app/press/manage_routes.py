"""Organiser side of the press: followers of a step, resending invitations, press kits."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app import mail, policy, uploads
from app.backoffice import staff_blueprint
from app.campaigns.models import Campaign, Step
from app.campaigns.services import campaign_by_slug
from app.extensions import db
from app.press import services
from app.press.forms import PressKitForm
from app.press.models import PressKitFile
from app.routing import database_id

bp = staff_blueprint("manage_press", __name__)


def _upload(form: PressKitForm, campaign: Campaign, step: Step | None) -> bool:
    try:
        services.add_kit_file(campaign, step, form.title.data, form.file.data, current_user)
    except uploads.RejectedFileError as error:
        form.file.errors.append(str(error))
        return False
    flash("Le document est ajouté au dossier de presse.", "success")
    return True


@bp.route("/etapes/<int:step_id>/presse", methods=["GET", "POST"])
def step_press(step_id: int) -> ResponseReturnValue:
    step = db.session.get(Step, step_id) or abort(404)
    policy.require(current_user, "press.manage", step)
    form = PressKitForm()
    if form.validate_on_submit() and _upload(form, step.campaign, step):
        return redirect(url_for("manage_press.step_press", step_id=step.id))
    follows = services.followers(step)
    return render_template("press/manage_step.html", step=step, follows=follows,
                           statuses=mail.latest_for("press_follow", [f.id for f in follows]),
                           form=form, kit=services.kit_files(step=step))


@bp.post("/etapes/<int:step_id>/presse/renvoyer")
def resend_invitations(step_id: int) -> ResponseReturnValue:
    step = db.session.get(Step, step_id) or abort(404)
    policy.require(current_user, "press.manage", step)
    follows = services.followers(step)
    follow_id = request.form.get("follow_id", type=database_id)
    if follow_id is not None:
        follows = [follow for follow in follows if follow.id == follow_id]
    if step.day is None:
        flash("L’étape n’a pas encore de date : il n’y a pas d’invitation à envoyer.", "error")
    else:
        count = services.resend(follows, current_user)
        flash(f"{count} invitation(s) renvoyée(s).", "success")
    return redirect(url_for("manage_press.step_press", step_id=step.id))


@bp.route("/demarches/<slug>/presse", methods=["GET", "POST"])
def campaign_press(slug: str) -> ResponseReturnValue:
    campaign = campaign_by_slug(slug) or abort(404)
    policy.require(current_user, "campaign.press", campaign)
    form = PressKitForm()
    if form.validate_on_submit() and _upload(form, campaign, None):
        return redirect(url_for("manage_press.campaign_press", slug=slug))
    return render_template("press/manage_campaign.html", campaign=campaign, form=form,
                           kit=services.kit_files(campaign=campaign))


@bp.post("/presse/fichiers/<int:file_id>/supprimer")
def remove_kit_file(file_id: int) -> ResponseReturnValue:
    kit_file = db.session.get(PressKitFile, file_id) or abort(404)
    if kit_file.step is not None:
        policy.require(current_user, "press.manage", kit_file.step)
        target = url_for("manage_press.step_press", step_id=kit_file.step_id)
    else:
        policy.require(current_user, "campaign.press", kit_file.campaign)
        target = url_for("manage_press.campaign_press", slug=kit_file.campaign.slug)
    services.remove_kit_file(kit_file, current_user)
    flash("Le document est retiré du dossier de presse.", "success")
    return redirect(target)


