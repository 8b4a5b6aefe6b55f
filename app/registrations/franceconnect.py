"""FranceConnect for participants, optional: it pre-fills the registration form with the
first name, last name and email address FranceConnect vouches for; nothing more is asked of
it, and no account is made. The three values wait in the session only until the form is shown
(then they are in the form, and gone from the session). Registering without FranceConnect
stays the default. The FranceConnect session is ended at once, so that a computer shared at a
venue is not left signed in to the State's services.
"""

from __future__ import annotations

import contextlib
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, session, url_for
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from app import oidc
from app.registrations import queries
from app.urls import absolute_url

PROVIDER = oidc.Provider(
    name="franceconnect", label="FranceConnect", prefix="FRANCECONNECT",
    scope="openid given_name family_name email",
    # FranceConnect asks each service for the level of assurance it needs: the lowest.
    authorize_params=(("acr_values", "eidas1"),))
PREFILL_KEY = "franceconnect_prefill"
# The step whose form to come back to, across the trip to FranceConnect.
STEP_KEY = "franceconnect_step"
# The form's fields, and the claims that fill them.
FIELDS = {"first_name": "given_name", "last_name": "family_name", "email": "email"}

bp = Blueprint("franceconnect", __name__)


@bp.record_once
def _template_helpers(state: BlueprintSetupState) -> None:
    state.app.jinja_env.globals.update(
        franceconnect_enabled=PROVIDER.is_configured,
        franceconnect_prefilled=lambda: bool(g.get("franceconnect_prefilled")))


def prefill(form: FlaskForm) -> None:
    """At the form's first display after FranceConnect, its three values (taken out of the
    session); the participant may still change them."""
    if form.is_submitted() or PREFILL_KEY not in session:
        return
    values: dict[str, str] = session.pop(PREFILL_KEY) or {}
    for name in FIELDS:
        if values.get(name):
            form[name].data = values[name]
    g.franceconnect_prefilled = True


def _form_url(step_id: object) -> str:
    return (url_for("registrations.register", step_id=step_id) if isinstance(step_id, int)
            else url_for("campaigns.calendar"))


def _refused(message: str, status: int) -> ResponseReturnValue:
    return render_template("registrations/franceconnect_error.html", message=message,
                           form_url=_form_url(session.get(STEP_KEY))), status


@bp.get("/etapes/<int:step_id>/inscription/franceconnect")
def start(step_id: int) -> ResponseReturnValue:
    step = queries.step_to_register(step_id)
    if not PROVIDER.is_configured() or step is None or not step.is_public:
        abort(404)
    session[STEP_KEY] = step.id
    try:
        return oidc.start(PROVIDER, absolute_url("franceconnect.callback"))
    except oidc.SignInError as error:
        return _refused(error.message, error.status)


@bp.get("/franceconnect/retour")
def callback() -> ResponseReturnValue:
    """FranceConnect's redirect_uri: keep the three values, then end the FranceConnect
    session (it comes back to ``logged_out``, which shows the form)."""
    if not PROVIDER.is_configured():
        abort(404)
    try:
        signed_in = oidc.finish(PROVIDER)
    except oidc.SignInError as error:
        return _refused(error.message, error.status)
    session[PREFILL_KEY] = _values(signed_in.claims)
    return (oidc.end_session(PROVIDER, signed_in.id_token,
                             absolute_url("franceconnect.logged_out"))
            or redirect(_form_url(session.pop(STEP_KEY, None))))


def _values(claims: dict[str, Any]) -> dict[str, str]:
    return {name: str(claims.get(claim) or "").strip() for name, claim in FIELDS.items()}


@bp.get("/franceconnect/deconnexion")
def logged_out() -> ResponseReturnValue:
    """FranceConnect's post_logout_redirect_uri: on to the form, pre-filled. A state that is
    not ours changes nothing (the values were kept at the callback, from a checked flow)."""
    if not PROVIDER.is_configured():
        abort(404)
    with contextlib.suppress(oidc.SignInError):
        oidc.finish_logout(PROVIDER)
    return redirect(_form_url(session.pop(STEP_KEY, None)))
