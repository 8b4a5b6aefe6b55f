"""Organiser tools: registrants, approvals, exports, sign-in sheet, check-in, messages."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app import audit, clock, mail, policy
from app.backoffice import staff_blueprint
from app.campaigns.models import Step, StepFormat
from app.documents import routes as prepared
from app.extensions import db
from app.form_recovery import keeps_form_on_expired_token
from app.participants import CATEGORIES, registration_categories
from app.registrations import exports, queries, seats, services
from app.registrations import settings as registration_settings
from app.registrations.forms import MessageForm, QuestionForm, settings_form
from app.registrations.models import Registration, RegistrationStatus

bp = staff_blueprint("manage_registrations", __name__)


def _step(step_id: int) -> Step:
    step = db.session.get(Step, step_id) or abort(404)
    policy.require(current_user, "registration.manage", step)
    return step


def _registration(registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id) or abort(404)
    policy.require(current_user, "registration.manage", registration.step)
    return registration


def _filters() -> queries.RegistrantFilters:
    return queries.RegistrantFilters(status=request.args.get("statut", ""),
                                     category=request.args.get("categorie", ""),
                                     search=request.args.get("q", "")[:100],
                                     present=request.args.get("present", ""))


@bp.get("/etapes/<int:step_id>/inscriptions")
def registrations(step_id: int) -> ResponseReturnValue:
    step = _step(step_id)
    filters = _filters()
    found = queries.registrants(step.id, filters)
    return render_template("registrations/manage_list.html", step=step, filters=filters,
                           registrations=found, places=seats.places(step, with_waiting=True),
                           mails=mail.latest_for("registration", [r.id for r in found]),
                           attendance=queries.attendance(step.id), categories=CATEGORIES,
                           statuses=RegistrationStatus, held=step.is_past(clock.today()))


@bp.post("/inscriptions/<int:registration_id>/<any(valider, refuser):decision>")
def decide(registration_id: int, decision: str) -> ResponseReturnValue:
    registration = _registration(registration_id)
    try:
        services.decide(registration, decision == "valider", current_user)
    except services.RegistrationError as error:
        flash(str(error), "error")
    else:
        flash(f"Demande de {registration.full_name} traitée.", "success")
    return redirect(url_for(".registrations", step_id=registration.step_id))


@bp.post("/inscriptions/<int:registration_id>/annuler")
def cancel(registration_id: int) -> ResponseReturnValue:
    registration = _registration(registration_id)
    try:
        promoted = services.cancel(registration, current_user)
    except services.RegistrationError as error:
        flash(str(error), "error")
    else:
        flash(f"Inscription de {registration.full_name} annulée"
              + (f" ; {len(promoted)} personne(s) de la liste d’attente confirmée(s)."
                 if promoted else "."), "success")
    # « Retirer » from the waiting list comes back to it.
    anchor = "liste-attente" if request.form.get("retour") == "attente" else None
    return redirect(url_for(".registrations", step_id=registration.step_id, _anchor=anchor))


@bp.post("/inscriptions/<int:registration_id>/promouvoir")
def promote(registration_id: int) -> ResponseReturnValue:
    """A seat by hand for someone on the waiting list; over capacity, a page asks first."""
    registration = _registration(registration_id)  # CSRFProtect has checked the form's token
    back = url_for(".registrations", step_id=registration.step_id, _anchor="liste-attente")
    try:
        services.promote_by_hand(registration, current_user,
                                 over_capacity=request.form.get("au_dela") == "1")
    except services.FullError as error:
        return render_template("registrations/promote_confirm.html",
                               registration=registration, step=registration.step,
                               reason=str(error), back=back,
                               places=seats.places(registration.step))
    except services.RegistrationError as error:
        flash(str(error), "error")
    else:
        flash(f"{registration.full_name} a une place : le courriel de confirmation part.",
              "success")
    return redirect(back)


@bp.post("/inscriptions/<int:registration_id>/presence")
def toggle_presence(registration_id: int) -> ResponseReturnValue:
    registration = _registration(registration_id)
    present = request.form.get("present") == "1"
    services.set_checked_in(registration, present, current_user)
    flash(f"{registration.full_name} : {'présent(e)' if present else 'absent(e)'}.", "success")
    target = request.form.get("retour") == "pointage"
    return redirect(url_for(".check_in" if target else ".registrations",
                            step_id=registration.step_id, q=request.form.get("q", "")))


def _export_rows(step: Step) -> tuple[list[str], list[list[object]]]:
    registrations = queries.registrants(step.id, _filters())
    audit.record("registration.export", step, f"Export de {len(registrations)} inscription(s)")
    db.session.commit()
    return exports.rows(registrations, services.questions(step),
                        hybrid=step.format is StepFormat.HYBRID)


def _download(body: bytes, content_type: str, filename: str) -> Response:
    # content_type, not mimetype: Flask would add a second « ; charset=utf-8 » to text/csv.
    return Response(body, content_type=content_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store"})


@bp.get("/etapes/<int:step_id>/inscriptions.csv")
def export_csv(step_id: int) -> ResponseReturnValue:
    step = _step(step_id)
    separator = ";" if request.args.get("separateur") == "point-virgule" else ","
    header, body = _export_rows(step)
    return _download(exports.to_csv(header, body, separator), "text/csv; charset=utf-8",
                     f"inscriptions-etape-{step.id}.csv")


@bp.get("/etapes/<int:step_id>/inscriptions.xlsx")
def export_xlsx(step_id: int) -> ResponseReturnValue:
    step = _step(step_id)
    header, body = _export_rows(step)
    return _download(exports.to_xlsx(header, body, "Inscriptions"),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     f"inscriptions-etape-{step.id}.xlsx")


@bp.post("/etapes/<int:step_id>/emargement.pdf")
def signin_sheet(step_id: int) -> ResponseReturnValue:
    """A worker writes the PDF; the organiser follows it on its page, then downloads it."""
    step = _step(step_id)
    return prepared.start("registrations.signin_sheet", step.id,
                          f"Liste d’émargement — {step.title}",
                          f"emargement-etape-{step.id}.pdf",
                          url_for(".registrations", step_id=step.id))


@bp.route("/etapes/<int:step_id>/message", methods=["GET", "POST"])
@keeps_form_on_expired_token
def message(step_id: int) -> ResponseReturnValue:
    step = _step(step_id)
    form = MessageForm()
    if form.validate_on_submit():
        count = services.message_all(step, form.subject.data, form.body.data, current_user)
        flash(f"Message envoyé à {count} personne(s) inscrite(s).", "success")
        return redirect(url_for(".registrations", step_id=step.id))
    return render_template("registrations/message.html", step=step, form=form)


@bp.route("/etapes/<int:step_id>/inscriptions/reglages", methods=["GET", "POST"])
def settings(step_id: int) -> ResponseReturnValue:
    step = _step(step_id)
    form, question_form = settings_form(step), QuestionForm(prefix="question")
    if form.validate_on_submit() and not question_form.label.data:
        quotas = {code: form[f"quota_{code}"].data for code in registration_categories()
                  if form[f"quota_{code}"].data}
        try:
            registration_settings.save_rules(step, form.requires_approval.data, quotas,
                                             current_user)
        except services.RegistrationError as error:
            flash(str(error), "error")
        else:
            flash("Les règles d’inscription sont enregistrées.", "success")
            return redirect(url_for(".settings", step_id=step.id))
    return render_template("registrations/settings.html", step=step, form=form,
                           question_form=question_form, questions=services.questions(step),
                           categories=registration_categories())


@bp.post("/etapes/<int:step_id>/inscriptions/questions")
def add_question(step_id: int) -> ResponseReturnValue:
    step = _step(step_id)
    form = QuestionForm(prefix="question")
    if form.validate_on_submit():
        registration_settings.add_question(step, form.label.data, form.required_answer.data,
                                           current_user)
        flash("La question est ajoutée au formulaire d’inscription.", "success")
    else:
        flash(next(iter(form.errors.values()))[0], "error")
    return redirect(url_for(".settings", step_id=step.id))


@bp.post("/etapes/<int:step_id>/inscriptions/questions/<int:question_id>/supprimer")
def remove_question(step_id: int, question_id: int) -> ResponseReturnValue:
    step = _step(step_id)
    if not registration_settings.remove_question(step, question_id, current_user):
        abort(404)
    flash("La question est retirée.", "success")
    return redirect(url_for(".settings", step_id=step.id))


# The check-in desk's views, on this blueprint (imported last: they use _step and bp).
from app.registrations import checkin_routes  # noqa: E402,F401
