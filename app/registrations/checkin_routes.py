"""The check-in desk (« Accueil »), on the organisers' registrations blueprint so that the
endpoints keep their names (``manage_registrations.check_in``…).

Every action is a plain form POST that answers with a redirect; the desk's script
(static/js/check-in-desk.js) sends the same forms with ``X-Check-In-Desk: 1`` and gets the
page's fragments back instead, so the page works with and without JavaScript."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug import Response
from wtforms import SelectField, StringField

from app import policy
from app.campaigns.models import Step
from app.errors import render_error
from app.extensions import db
from app.form_recovery import keeps_form_on_expired_token
from app.forms import FrenchForm, Printable, choices, clean_text, email_field, max_length, required
from app.participants import registration_categories
from app.registrations import desk, services, tokens
from app.registrations.manage_routes import _registration, _step, bp
from app.registrations.models import Registration, RegistrationStatus
from app.security import PERMISSIONS_POLICY

DESK_PERMISSIONS_POLICY = PERMISSIONS_POLICY.replace("camera=()", "camera=(self)")


class WalkInForm(FrenchForm):
    """Someone at the door who did not register: the least the sign-in sheet needs."""

    first_name = StringField("Prénom", filters=[clean_text], validators=[
        required("Indiquez le prénom."), max_length(100, "Le prénom"), Printable()])
    last_name = StringField("Nom", filters=[clean_text], validators=[
        required("Indiquez le nom."), max_length(100, "Le nom"), Printable()])
    category = SelectField("Catégorie", validators=[required("Choisissez la catégorie.")])
    email = email_field("Adresse électronique (facultatif)", missing=None)


def _walk_in_form() -> WalkInForm:
    form = WalkInForm(prefix="sur-place")
    form.category.choices = choices([("", "Choisir…"), *registration_categories().items()])
    return form


def _from_desk() -> bool:
    return request.headers.get("X-Check-In-Desk") == "1"


def _desk_page(step: Step, *, search: str = "", arrival: Registration | None = None,
               walk_in_form: WalkInForm | None = None, status: int = 200):
    response = make_response(render_template(
        "registrations/check_in.html", step=step, search=search,
        found=desk.search(step, search), arrival=arrival, counter=desk.counter(step),
        latest=desk.arrivals(step)[:5], walk_in_form=walk_in_form or _walk_in_form(),
        arrival_time=desk.arrival_time), status)
    # The one page that may use the camera (the confirmation's QR code); every other page
    # keeps app.security's « camera=() ».
    response.headers["Permissions-Policy"] = DESK_PERMISSIONS_POLICY
    return response


def _answer(registration: Registration, message: str, category: str) -> Response | str:
    """The desk's script gets the person's card; a plain POST comes back to the desk page
    with the message and the card."""
    if _from_desk():
        return render_template("registrations/_check_in_arrival.html", arrival=registration,
                               message=message, message_category=category,
                               arrival_time=desk.arrival_time)
    flash(message, category)
    return redirect(url_for(".check_in", step_id=registration.step_id,
                            arrivee=registration.id, _anchor="arrivee"))


def _mark_arrival(registration: Registration) -> Response | str:
    if registration.status is not RegistrationStatus.CONFIRMED:
        return _answer(registration, f"L’inscription de {registration.full_name} n’est pas "
                       "confirmée : vérifiez la situation de la personne.", "error")
    if desk.check_in(registration, current_user):
        return _answer(registration, f"Arrivée de {registration.full_name} enregistrée.",
                       "success")
    return _answer(registration, f"{registration.full_name} est déjà présent·e depuis "
                   f"{desk.arrival_time(registration)}.", "info")


@bp.get("/etapes/<int:step_id>/pointage")
def check_in(step_id: int) -> ResponseReturnValue:
    step = _step(step_id)
    arrival = None
    if request.args.get("arrivee", "").isdigit():
        arrival = db.session.get(Registration, int(request.args["arrivee"]))
        arrival = arrival if arrival is not None and arrival.step_id == step.id else None
    return _desk_page(step, search=request.args.get("q", "")[:100], arrival=arrival)


@bp.get("/etapes/<int:step_id>/pointage/resultats")
def check_in_results(step_id: int) -> ResponseReturnValue:
    """Search as one types: the results' fragment."""
    step = _step(step_id)
    search = request.args.get("q", "")[:100]
    return render_template("registrations/_check_in_results.html", step=step, search=search,
                           found=desk.search(step, search), arrival_time=desk.arrival_time)


@bp.get("/etapes/<int:step_id>/pointage/etat.json")
def check_in_state(step_id: int) -> ResponseReturnValue:
    """What every desk polls: the counter and who is present since when (the names staff
    already see at the desk, nothing more)."""
    step = _step(step_id)
    present = desk.arrivals(step)
    response = jsonify(counter=desk.counter(step).as_json(),
                       present={str(r.id): desk.arrival_time(r) for r in present},
                       latest=[{"id": r.id, "name": r.full_name, "time": desk.arrival_time(r),
                                "walk_in": r.walk_in} for r in present[:5]])
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/inscriptions/<int:registration_id>/arrivee")
def check_in_arrival(registration_id: int) -> ResponseReturnValue:
    return _mark_arrival(_registration(registration_id))


@bp.post("/inscriptions/<int:registration_id>/annuler-arrivee")
def check_in_undo(registration_id: int) -> ResponseReturnValue:
    registration = _registration(registration_id)
    if desk.undo_check_in(registration, current_user):
        return _answer(registration, f"Arrivée de {registration.full_name} annulée.", "success")
    return _answer(registration, f"{registration.full_name} n’était pas marqué·e présent·e.",
                   "info")


@bp.post("/etapes/<int:step_id>/pointage/code")
def check_in_scan(step_id: int) -> ResponseReturnValue:
    """A scanned (or typed) confirmation code: the arrival of its registration."""
    step = _step(step_id)
    try:
        registration = desk.by_check_in_code(step, request.form.get("code", "")[:500])
    except tokens.TokenError:
        registration, message = None, "Ce code n’est pas un code d’accueil valide."
    else:
        message = "Ce code est celui d’une inscription à une autre étape."
    if registration is None:
        if _from_desk():
            return render_template("registrations/_check_in_arrival.html", arrival=None,
                                   message=message, message_category="error"), 422
        flash(message, "error")
        return redirect(url_for(".check_in", step_id=step.id, _anchor="scanner"))
    return _mark_arrival(registration)


@bp.post("/etapes/<int:step_id>/pointage/sur-place")
@keeps_form_on_expired_token
def check_in_walk_in(step_id: int) -> ResponseReturnValue:
    step = _step(step_id)
    form = _walk_in_form()
    if form.validate_on_submit():
        try:
            registration = desk.register_walk_in(step, form.first_name.data,
                                                 form.last_name.data, form.category.data,
                                                 form.email.data or "", current_user)
        except services.RegistrationError as error:
            form.email.errors = [*form.email.errors, str(error)]
        else:
            return _answer(registration, f"{registration.full_name} est inscrit·e sur place "
                           "et présent·e.", "success")
    return _desk_page(step, walk_in_form=form, status=422 if request.method == "POST" else 200)


@bp.route("/pointage/<token>", methods=["GET", "POST"])
def check_in_by_code(token: str) -> ResponseReturnValue:
    """Where the QR code of a confirmation leads when read by the phone's own camera app:
    the organiser confirms the arrival."""
    try:
        registration = services.by_uuid(tokens.read(token, tokens.CHECK_IN_SALT))
    except tokens.TokenError as error:
        return render_error(403, str(error))
    if registration is None:
        abort(404)
    policy.require(current_user, "registration.manage", registration.step)
    form = FrenchForm()
    if form.validate_on_submit() and registration.status is RegistrationStatus.CONFIRMED:
        return _mark_arrival(registration)
    return render_template("registrations/check_in_code.html", registration=registration,
                           form=form, arrival_time=desk.arrival_time)
