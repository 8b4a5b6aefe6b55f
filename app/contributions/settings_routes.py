"""A campaign's contribution settings (open to all, moderation) and bulk import of answers."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from app import audit, policy
from app.backoffice import staff_blueprint
from app.campaigns.models import Campaign
from app.campaigns.queries import campaign_with_challenges
from app.contributions import capture, imports
from app.contributions.forms import ConfirmImportForm, ContributionSettingsForm, ImportForm
from app.contributions.models import AnswerState
from app.extensions import db
from app.press.files import RejectedFileError

bp = staff_blueprint("contribution_settings", __name__)


def _campaign(slug: str) -> Campaign:
    campaign = campaign_with_challenges(slug) or abort(404)
    policy.require(current_user, "campaign.contributions", campaign)
    return campaign


def _check_answers(campaign: Campaign, token: str) -> imports.Checked:
    return capture.check_answer_rows(
        campaign, imports.read(token),
        lambda contribution: policy.can(current_user, "contribution.answer", contribution))


def _page(campaign: Campaign, **context):
    # Not bound to the request: another form of the page may be the one being posted.
    context.setdefault("settings_form", ContributionSettingsForm(formdata=None, obj=campaign))
    context.setdefault("import_form", ImportForm(formdata=None))
    return render_template("contributions/settings.html", campaign=campaign,
                           answer_states=list(AnswerState), **context)


@bp.route("/demarches/<slug>/contributions", methods=["GET", "POST"])
def settings(slug: str):
    campaign = _campaign(slug)
    form = ContributionSettingsForm(obj=campaign)
    if form.validate_on_submit():
        changes = {name: (getattr(campaign, name), form[name].data)
                   for name in ("contributions_open", "moderation_required")
                   if getattr(campaign, name) != form[name].data}
        if changes:
            form.populate_obj(campaign)
            audit.record("campaign.contribution_settings", campaign,
                         "Réglages des contributions", changes=changes)
            db.session.commit()
        flash("Les réglages des contributions sont enregistrés.", "success")
        return redirect(url_for(".settings", slug=slug))
    return _page(campaign, settings_form=form)


@bp.post("/demarches/<slug>/reponses")
def answers_preview(slug: str):
    """Check a file of answers (référence ; état ; réponse) and show what it would change."""
    campaign = _campaign(slug)
    form, checked, token = ImportForm(), None, None
    if form.validate_on_submit():
        try:
            token = imports.keep(form.file.data)
            checked = _check_answers(campaign, token)
        except RejectedFileError as error:
            form.file.errors.append(str(error))
    return _page(campaign, import_form=form, checked=checked,
                 confirm=ConfirmImportForm(token=token)), 200 if checked else 400


@bp.post("/demarches/<slug>/reponses/confirmer")
def answers_confirm(slug: str):
    campaign = _campaign(slug)
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        checked = _check_answers(campaign, form.token.data)
    except RejectedFileError as error:
        flash(str(error), "error")
        return redirect(url_for(".settings", slug=slug))
    if not checked.ok:
        flash("Le fichier contient des erreurs : aucune réponse n’a été importée.", "error")
        return redirect(url_for(".settings", slug=slug))
    changed = capture.import_answers(checked.items, current_user)
    imports.discard(form.token.data)
    flash(f"{changed} réponses publiées ({len(checked.items) - changed} inchangées).", "success")
    return redirect(url_for(".settings", slug=slug))
