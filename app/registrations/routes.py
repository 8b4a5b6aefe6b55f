"""Public side: register for a step; see, modify or cancel through the signed link."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app import clock
from app.calendar.links import step_links
from app.campaigns.models import Step
from app.campaigns.queries import public_step
from app.form_recovery import keeps_form_on_expired_token
from app.forms import choices
from app.participants import CATEGORIES_WITH_TYPES, takes_professional_type
from app.registrations import franceconnect, notifications, queries, seats, services, tokens
from app.registrations.forms import ManageLinkForm, ParticipantDetailsForm, registration_form
from app.registrations.models import Registration, RegistrationStatus
from app.territories.queries import departements

bp = Blueprint("registrations", __name__)


def _fill_choices(form: ParticipantDetailsForm, step: Step) -> None:
    """Département and workshop lists; a new form starts on the step's own département (most
    people register for the step held where they live)."""
    places = departements()
    form.departement_id.choices = choices(
        [("", "Choisir…")] + [(t.id, t.display_name) for t in places])
    form.workshop_id.choices = choices(
        [("", "Sans préférence")] + [(c.id, c.title) for c in step.campaign.challenges])
    if not form.is_submitted() and form.departement_id.data is None and any(
            place.id == step.territory_id for place in places):
        form.departement_id.data = step.territory_id


def _details(form: ParticipantDetailsForm) -> dict:
    values = {name: form[name].data for name in services.EDITABLE_FIELDS}
    values["departement_id"] = values["departement_id"] or None
    values["workshop_id"] = values["workshop_id"] or None
    return values


def _public_step_or_404(step_id: int, find=public_step) -> Step:
    step = find(step_id)
    if step is None or not step.is_public:
        abort(404)
    return step


@bp.route("/etapes/<int:step_id>/inscription", methods=["GET", "POST"])
@keeps_form_on_expired_token
def register(step_id: int) -> ResponseReturnValue:
    step = _public_step_or_404(step_id, queries.step_to_register)
    questions = services.questions(step)
    places = seats.places(step)
    hybrid = places if places[0].pool is not None else None
    form = registration_form(questions, hybrid)
    _fill_choices(form, step)
    franceconnect.prefill(form)  # once, after « S’identifier avec FranceConnect »
    closed = services.closed_reason(step)
    already = None
    if not closed and form.validate_on_submit():
        values = {**_details(form), "email": form.email.data, "category": form.category.data,
                  "subcategory": form.subcategory.data
                  if takes_professional_type(form.category.data) else "",
                  "attendance": form.attendance.data if hybrid else None}
        answers = {str(q.id): form[f"question_{q.id}"].data or "" for q in questions}
        try:
            registration = services.register(step, values, answers)
        except services.AlreadyRegisteredError:
            already = ManageLinkForm(data={"email": form.email.data})
        except services.RegistrationError as error:
            closed = str(error)
        else:
            return redirect(url_for("registrations.manage",
                                    token=tokens.make(registration.uuid), nouveau=1))
    status = 403 if closed and form.is_submitted() else 200
    return render_template("registrations/register.html", step=step, form=form,
                           questions=questions, closed=closed, already=already,
                           places=places, seats_left=places[0].left,
                           typed_categories=" ".join(sorted(CATEGORIES_WITH_TYPES))), status


@bp.route("/etapes/<int:step_id>/inscription/lien", methods=["GET", "POST"])
@keeps_form_on_expired_token
def send_link(step_id: int) -> ResponseReturnValue:
    """Its own page, so that the step page (the busiest) carries no form and sets no cookie."""
    step = _public_step_or_404(step_id)
    form = ManageLinkForm()
    if form.validate_on_submit():
        services.send_manage_link(step, form.email.data)
        flash("Si une inscription à cette étape correspond à cette adresse, le lien pour la "
              "gérer vient d’y être envoyé.", "info")
        return redirect(url_for("campaigns.step_page", step_id=step.id))
    return render_template("registrations/send_link.html", step=step, form=form)


def _calendar_links(registration: Registration) -> dict[str, str] | None:
    """« Ajouter à mon agenda » for those who keep the date (a seat or the waiting list, as
    the invitation mail), while the step is still to come."""
    step = registration.step
    if registration.status not in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED):
        return None
    if step.public_state(clock.today()) != "upcoming":
        return None
    return step_links(step)


@bp.route("/inscriptions/<token>", methods=["GET", "POST"])
@keeps_form_on_expired_token
def manage(token: str) -> ResponseReturnValue:
    registration = services.registration_from_token(token)
    step = registration.step
    form = ParticipantDetailsForm(obj=registration)
    _fill_choices(form, step)
    if registration.is_active and form.validate_on_submit():
        services.modify(registration, _details(form))
        flash("Votre inscription est mise à jour.", "success")
        return redirect(url_for("registrations.manage", token=token))
    position = (seats.waitlist_position(registration)
                if registration.status is RegistrationStatus.WAITLISTED else None)
    return render_template("registrations/manage.html", registration=registration, step=step,
                           form=form, token=token, position=position,
                           check_in_url=notifications.check_in_url(registration),
                           calendar_links=_calendar_links(registration),
                           just_registered=request.args.get("nouveau") == "1")


@bp.post("/inscriptions/<token>/annuler")
def cancel(token: str) -> ResponseReturnValue:
    # CSRFProtect has checked the form's token.
    registration = services.registration_from_token(token)
    try:
        services.cancel(registration)
    except services.RegistrationError as error:
        flash(str(error), "error")
    else:
        flash("Votre inscription est annulée.", "success")
    return redirect(url_for("registrations.manage", token=token))


@bp.get("/inscriptions/<token>/code.svg")
def qr_code(token: str) -> ResponseReturnValue:
    registration = services.registration_from_token(token)
    svg = notifications.qr_code(notifications.check_in_url(registration), "svg")
    return svg, 200, {"Content-Type": "image/svg+xml", "Cache-Control": "private, no-store"}
