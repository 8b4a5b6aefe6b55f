"""The report an organiser writes after a step is held."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from app import audit, policy
from app.backoffice import staff_blueprint
from app.campaigns.models import Step
from app.clock import now, today
from app.extensions import db
from app.form_recovery import keeps_form_on_expired_token
from app.participants import CATEGORIES
from app.registrations.queries import attendance
from app.syntheses.forms import StepReportForm
from app.syntheses.models import StepReport

bp = staff_blueprint("step_reports", __name__)


def checked_in_by_category(step: Step) -> dict[str, int]:
    return {category: line["present"] for category, line in attendance(step.id).items()
            if line["present"]}


@bp.route("/etapes/<int:step_id>/compte-rendu", methods=["GET", "POST"])
@keeps_form_on_expired_token
def edit(step_id: int):
    step = db.session.get(Step, step_id) or abort(404)
    policy.require(current_user, "step.edit", step)
    report = step.report
    counts = report.attendance if report else checked_in_by_category(step)
    data = {f"present_{code}": counts.get(code, 0) for code in CATEGORIES}
    if report:
        data.update(organisations=report.organisations, discussion=report.discussion,
                    proposals=report.proposals, published=report.published_at is not None)
    form = StepReportForm(data=data)
    held = step.day is not None and step.day <= today()
    if form.validate_on_submit():
        if not held:
            flash("L’étape n’a pas encore eu lieu : le compte rendu s’écrit après.", "error")
        else:
            report = report or StepReport(step=step)
            db.session.add(report)
            report.attendance = {code: form[f"present_{code}"].data or 0 for code in CATEGORIES
                                 if form[f"present_{code}"].data}
            report.organisations = form.organisations.data or ""
            report.discussion = form.discussion.data or ""
            report.proposals = form.proposals.data or ""
            if form.published.data and report.published_at is None:
                report.published_at = now()
            elif not form.published.data:
                report.published_at = None
            audit.record("step.report", step, f"Compte rendu de « {step.title} » "
                         + ("publié" if report.published_at else "enregistré"))
            db.session.commit()
            flash("Le compte rendu est enregistré" + (" et publié." if report.published_at
                                                       else "."), "success")
            return redirect(url_for(".edit", step_id=step.id))
    return render_template("syntheses/step_report.html", step=step, form=form, held=held,
                           checked_in=checked_in_by_category(step), categories=CATEGORIES,
                           active="step_reports.edit")
