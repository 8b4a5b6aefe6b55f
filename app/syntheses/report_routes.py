"""The report an organiser writes after a step is held."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app import policy
from app.backoffice import staff_blueprint
from app.campaigns.models import Step
from app.extensions import db
from app.form_recovery import keeps_form_on_expired_token
from app.participants import CATEGORIES
from app.syntheses import step_reports
from app.syntheses.forms import StepReportForm

bp = staff_blueprint("step_reports", __name__)


@bp.route("/etapes/<int:step_id>/compte-rendu", methods=["GET", "POST"])
@keeps_form_on_expired_token
def edit(step_id: int) -> ResponseReturnValue:
    step = db.session.get(Step, step_id) or abort(404)
    policy.require(current_user, "step.edit", step)
    form = StepReportForm(data=step_reports.form_data(step))
    if form.validate_on_submit():
        text = step_reports.ReportText(
            present={code: form[f"present_{code}"].data for code in CATEGORIES},
            organisations=form.organisations.data or "", discussion=form.discussion.data or "",
            proposals=form.proposals.data or "", published=form.published.data)
        try:
            report = step_reports.save(step, text, current_user)
        except step_reports.StepReportError as error:
            flash(str(error), "error")
        else:
            flash("Le compte rendu est enregistré" + (" et publié." if report.published_at
                                                       else "."), "success")
            return redirect(url_for(".edit", step_id=step.id))
    return render_template("syntheses/step_report.html", step=step, form=form,
                           held=step_reports.may_report(step),
                           checked_in=step_reports.checked_in_by_category(step),
                           categories=CATEGORIES, active="step_reports.edit")
