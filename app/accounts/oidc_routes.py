"""Sign in with ProConnect (staff), and back from its logout. The rules are in
app.accounts.proconnect, the OpenID Connect flow in app.oidc."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.wrappers import Response

from app import oidc
from app.accounts import proconnect
from app.accounts.routes import continue_login, safe_next
from app.extensions import login_manager
from app.urls import absolute_url

bp = Blueprint("proconnect", __name__)
# Where to go once signed in, from the login page's « next », across the trip to ProConnect.
NEXT_KEY = "proconnect_next"
# The signed-in account that asked, from « Mon compte », to be linked to its ProConnect identity.
LINK_KEY = "proconnect_link_for"


@bp.record_once
def _template_helpers(state: BlueprintSetupState) -> None:
    state.app.jinja_env.globals["proconnect_enabled"] = proconnect.PROVIDER.is_configured


def _refused(message: str, status: int) -> ResponseReturnValue:
    return render_template("accounts/proconnect_error.html", message=message), status


@bp.get("/connexion/proconnect")
def start() -> ResponseReturnValue:
    if not proconnect.PROVIDER.is_configured():
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("manage.dashboard"))
    session[NEXT_KEY] = safe_next(request.args.get("next"))
    session.pop(LINK_KEY, None)
    return _go_to_proconnect()


@bp.post("/gestion/compte/proconnect")
def link() -> ResponseReturnValue:
    """« Relier mon identité ProConnect »: the signed-in agent proves it at ProConnect."""
    if not proconnect.PROVIDER.is_configured():
        abort(404)
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    session[LINK_KEY] = current_user.get_id()
    return _go_to_proconnect()


def _go_to_proconnect() -> ResponseReturnValue:
    try:
        return oidc.start(proconnect.PROVIDER, absolute_url("proconnect.callback"))
    except oidc.SignInError as error:
        return _refused(error.message, error.status)


@bp.get("/connexion/proconnect/retour")
def callback() -> ResponseReturnValue:
    """ProConnect's redirect_uri: the identity it vouches for signs in to its account."""
    if not proconnect.PROVIDER.is_configured():
        abort(404)
    linking = session.pop(LINK_KEY, None)
    try:
        signed_in = oidc.finish(proconnect.PROVIDER)
        identity = proconnect.Identity.from_claims(signed_in.claims)
        if linking is not None:
            if not current_user.is_authenticated or current_user.get_id() != linking:
                raise proconnect.RefusalError("Votre session a changé pendant la connexion à "
                                              "ProConnect : reprenez depuis « Mon compte ».")
            proconnect.link_to(current_user._get_current_object(), identity)
            flash("Votre compte est relié à votre identité ProConnect : vous pouvez désormais "
                  "vous connecter avec ProConnect.", "success")
            return redirect(url_for("account.overview"))
        user = proconnect.account_for(identity)
    except (oidc.SignInError, proconnect.RefusalError) as error:
        return _refused(error.message, error.status)
    return continue_login(user, session.get(NEXT_KEY), proconnect.login_summary(identity),
                          signed_in.id_token)


@bp.get("/deconnexion/proconnect")
def logged_out() -> ResponseReturnValue:
    """ProConnect's post_logout_redirect_uri: the local session ended before going there."""
    if not proconnect.PROVIDER.is_configured():
        abort(404)
    try:
        oidc.finish_logout(proconnect.PROVIDER)
    except oidc.SignInError as error:
        flash(error.message, "warning")
    else:
        flash("Votre session ProConnect est fermée aussi.", "info")
    return redirect(url_for("public.home"))


@bp.after_app_request
def _let_logout_reach_proconnect(response: Response) -> Response:
    """``form-action`` (app.security) follows redirects, and two forms end at ProConnect: the
    logout button of a session opened with ProConnect (its end-session page), and « Relier mon
    identité ProConnect » on « Mon compte » (its sign-in page): those pages let them go there.
    Requests without a session cookie (anonymous visitors) are not even looked at."""
    cookie = current_app.session_interface.get_cookie_name(current_app)
    if cookie not in request.cookies or not (proconnect.signed_in_with_proconnect()
                                             or request.endpoint == "account.overview"):
        return response
    policy = response.headers.get("Content-Security-Policy")
    origins = " ".join(oidc.origins(proconnect.PROVIDER))
    if policy and origins:
        response.headers["Content-Security-Policy"] = policy.replace(
            "form-action 'self'", f"form-action 'self' {origins}", 1)
    return response
