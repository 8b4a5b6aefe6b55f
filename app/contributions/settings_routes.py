"""A campaign's contribution settings (open to all, moderation) and bulk import of answers."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app import audit, policy
from app.backoffice import staff_blueprint
from app.campaigns.models import Campaign
from app.campaigns.queries import campaign_with_challenges
from app.contributions import capture, import_flow, imports
from app.contributions.forms import ContributionSettingsForm, ImportForm
from app.contributions.models import AnswerState
from app.extensions import db

bp = staff_blueprint("contribution_settings", __name__)


def _campaign(slug: str) -> Campaign:
    campaign = campaign_with_challenges(slug) or abort(404)
    policy.require(current_user, "campaign.contributions", campaign)
    return campaign


def _check_answers(campaign: Campaign, rows: list) -> imports.Checked:
    return capture.check_answer_rows(
        campaign, rows,
        lambda contribution: policy.can(current_user, "contribution.answer", contribution))


def _page(campaign: Campaign, **context):
    # Not bound to the request: another form of the page may be the one being posted.
    context.setdefault("settings_form", ContributionSettingsForm(formdata=None, obj=campaign))
    context.setdefault("import_form", ImportForm(formdata=None))
    return render_template("contributions/settings.html", campaign=campaign,
                           answer_states=list(AnswerState), **context)


@bp.route("/demarches/<slug>/contributions", methods=["GET", "POST"])
def settings(slug: str) -> ResponseReturnValue:
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
def answers_preview(slug: str) -> ResponseReturnValue:
    """Check a file of answers (référence ; état ; réponse) and show what it would change."""
    campaign = _campaign(slug)
    form = ImportForm()
    checked, confirm = import_flow.preview(form, lambda rows: _check_answers(campaign, rows))
    return _page(campaign, import_form=form, checked=checked,
                 confirm=confirm), 200 if checked else 400


@bp.post("/demarches/<slug>/reponses/confirmer")
def answers_confirm(slug: str) -> ResponseReturnValue:
    campaign = _campaign(slug)
    result = import_flow.confirmed(lambda rows: _check_answers(campaign, rows))
    if result is None:
        return redirect(url_for(".settings", slug=slug))
    checked, token = result
    changed = capture.import_answers(checked.items, current_user)
    imports.discard(token)
    flash(f"{changed} réponses publiées ({len(checked.items) - changed} inchangées).", "success")
    return redirect(url_for(".settings", slug=slug))
