"""One's own staff account: password, two-factor authentication, sessions."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, logout_user

from app.accounts import second_factor, services
from app.accounts.forms import ChangePasswordForm, CodeForm
from app.accounts.sessions import open_session
from app.backoffice import staff_blueprint

bp = staff_blueprint("account", __name__, url_prefix="/gestion/compte",
                     before_second_factor=True)

SETUP_KEY = "totp_setup_secret"
# New recovery codes, shown once on the next page and then forgotten.
CODES_KEY = "totp_recovery_codes"


@bp.route("/", methods=["GET", "POST"])
def overview() -> ResponseReturnValue:
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not user.check_password(form.current.data):
            form.current.errors.append("Ce n’est pas votre mot de passe actuel.")
        else:
            try:
                services.set_password(user, form.password.data)
            except services.AccountError as error:
                form.password.errors.append(str(error))
            else:
                open_session(user)  # this session goes on; the others end
                flash("Votre mot de passe est changé ; vos autres sessions sont fermées.",
                      "success")
                return redirect(url_for("account.overview"))
    return render_template("accounts/overview.html", user=user, form=form,
                           required=second_factor.required_for(user))


@bp.route("/double-facteur", methods=["GET", "POST"])
def second_factor_setup() -> ResponseReturnValue:
    """Show a new secret (QR code and text) and turn 2FA on once a first code matches."""
    user = current_user._get_current_object()
    if user.has_second_factor:
        flash("La double authentification est déjà activée sur votre compte.", "info")
        return redirect(url_for("account.overview"))
    secret = session.get(SETUP_KEY) or second_factor.new_secret()
    session[SETUP_KEY] = secret
    form = CodeForm()
    if form.validate_on_submit():
        codes = second_factor.enable(user, secret, form.code.data)
        if codes is not None:
            session.pop(SETUP_KEY, None)
            session[CODES_KEY] = codes
            flash("La double authentification est activée : votre application vous donnera "
                  "un code à chaque connexion.", "success")
            return redirect(url_for("account.recovery_codes"))
        form.code.errors.append("Ce code ne correspond pas : vérifiez que vous avez bien "
                                "ajouté le compte dans l’application et que l’heure du "
                                "téléphone est juste.")
    uri = second_factor.provisioning_uri(user, secret)
    return render_template("accounts/second_factor_setup.html", form=form, secret=secret,
                           qr_svg=second_factor.qr_svg(uri),
                           required=second_factor.required_for(user))


@bp.route("/double-facteur/codes-de-secours", methods=["GET", "POST"])
def recovery_codes() -> ResponseReturnValue:
    """POST makes ten new codes (the old ones stop working); GET shows new codes once."""
    user = current_user._get_current_object()
    if request.method == "POST" and user.has_second_factor:
        session[CODES_KEY] = second_factor.new_recovery_codes(user)
        flash("Vos nouveaux codes de secours remplacent les anciens.", "success")
        return redirect(url_for("account.recovery_codes"))
    codes = session.pop(CODES_KEY, None)
    if not codes:
        return redirect(url_for("account.overview"))
    response = make_response(render_template("accounts/recovery_codes.html", codes=codes))
    response.headers["Cache-Control"] = "no-store"  # never from the browser's cache again
    return response


@bp.post("/double-facteur/desactiver")
def second_factor_disable() -> ResponseReturnValue:
    user = current_user._get_current_object()
    if second_factor.required_for(user):
        flash("La double authentification est obligatoire pour les administrateurs.", "error")
    elif user.has_second_factor:
        second_factor.disable(user, user)
        flash("La double authentification est désactivée.", "success")
    return redirect(url_for("account.overview"))


@bp.post("/deconnexion-partout")
def sign_out_everywhere() -> ResponseReturnValue:
    services.sign_out_everywhere(current_user._get_current_object())
    logout_user()
    session.clear()
    flash("Toutes vos sessions sont fermées, y compris celle-ci : reconnectez-vous.", "success")
    return redirect(url_for("accounts.login"))
