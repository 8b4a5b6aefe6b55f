"""Sign in (with a second factor when the account has one), sign out, choose a password."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, logout_user

from app import clock, french
from app.accounts import proconnect, second_factor, services, tokens
from app.accounts.forms import ForgotPasswordForm, LoginCodeForm, LoginForm, NewPasswordForm
from app.accounts.models import User
from app.accounts.sessions import open_session
from app.errors import abort_with
from app.extensions import db
from app.form_recovery import keeps_form_on_expired_token
from app.ratelimits import per_ip

bp = Blueprint("accounts", __name__)

# Between the password and the code: whose password was right, since when, where to go next.
PENDING_KEY = "pending_2fa"
PENDING_SECONDS = 300


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect to another host."""
    if not target:
        return None
    try:
        parts = urlsplit(target)
    except ValueError:  # « //[ » and the like: not even a URL
        return None
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target or any(ord(char) < 32 for char in target):
        return None
    return target


def _locked_message(user: User | None) -> str:
    until = user.locked_until.astimezone(clock.PARIS) if user and user.locked_until else None
    return ("Trop de tentatives de connexion : ce compte est verrouillé"
            + (f" jusqu’à {french.time_label(until.time())}" if until else "")
            + ". Un courriel a été envoyé à son titulaire ; vous pouvez aussi choisir un nouveau "
              "mot de passe avec « Mot de passe oublié ».")


def continue_login(user: User, next_url: str | None, summary: str = "Connexion",
                   id_token: str | None = None) -> ResponseReturnValue:
    """After the password, or ProConnect (``id_token``): the code of an account with two-factor
    authentication, then the session. ProConnect proves who the agent is, not that they hold
    this account's second factor: an account that has one still asks for it."""
    if user.has_second_factor:
        session[PENDING_KEY] = {"user": user.get_id(), "at": int(time.time()),
                                "next": safe_next(next_url), "summary": summary,
                                "id_token": id_token}
        return redirect(url_for("accounts.verify_code"))
    return _finish_login(user, next_url, summary, id_token)


def _finish_login(user: User, next_url: str | None, summary: str = "Connexion",
                  id_token: str | None = None) -> ResponseReturnValue:
    services.record_login(user, summary)
    open_session(user)
    if id_token:  # the hint that ends the ProConnect session too, at logout
        session[proconnect.ID_TOKEN_KEY] = id_token
    flash(f"Bienvenue, {user.name}.", "success")
    if second_factor.required_for(user) and not user.has_second_factor:
        return redirect(url_for("account.second_factor_setup"))
    return redirect(safe_next(next_url) or url_for("manage.dashboard"))


@bp.route("/connexion", methods=["GET", "POST"])
@keeps_form_on_expired_token
@per_ip("LOGIN_LIMIT_PER_IP")
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("manage.dashboard"))
    if current_app.config["PROCONNECT_REQUIRED"] and request.method == "POST":
        abort_with(403, "La connexion par mot de passe est désactivée sur ce site : "
                        "connectez-vous avec ProConnect.")
    form = LoginForm()
    if form.validate_on_submit():
        outcome, user = services.authenticate(form.email.data, form.password.data)
        if outcome is services.LoginOutcome.LOCKED:
            form.password.errors.append(_locked_message(user))
        elif outcome is services.LoginOutcome.BAD_CREDENTIALS or user is None:
            form.password.errors.append("Adresse électronique ou mot de passe incorrect.")
        else:
            return continue_login(user, request.args.get("next"))
    return render_template("accounts/login.html", form=form)


def _pending_user() -> tuple[User | None, dict]:
    pending = session.get(PENDING_KEY) or {}
    if int(time.time()) - pending.get("at", 0) > PENDING_SECONDS:
        return None, {}
    user_id, _, token = str(pending.get("user", "")).partition(".")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active or user.session_token != token:
        return None, {}
    return user, pending


@bp.route("/connexion/verification", methods=["GET", "POST"])
@per_ip("LOGIN_LIMIT_PER_IP")
def verify_code() -> ResponseReturnValue:
    """Second step of sign-in for accounts with two-factor authentication."""
    user, pending = _pending_user()
    if user is None:
        session.pop(PENDING_KEY, None)
        flash("Reprenez la connexion depuis le début : la vérification a expiré.", "info")
        return redirect(url_for("accounts.login"))
    form = LoginCodeForm()
    if form.validate_on_submit():
        if user.is_locked:
            form.code.errors.append(_locked_message(user))
        elif second_factor.verify(user, form.code.data):
            session.pop(PENDING_KEY, None)
            return _finish_login(user, pending.get("next"), pending.get("summary", "Connexion"),
                                 pending.get("id_token"))
        else:
            services.count_failure(user)
            form.code.errors.append(_locked_message(user) if user.is_locked else
                                    "Ce code n’est pas valable : vérifiez l’heure de votre "
                                    "téléphone et saisissez le code affiché maintenant.")
    return render_template("accounts/verify_code.html", form=form)


@bp.post("/deconnexion")
@login_required
def logout() -> ResponseReturnValue:
    id_token = session.get(proconnect.ID_TOKEN_KEY)
    logout_user()
    session.clear()
    flash("Vous êtes déconnecté.", "info")
    # A session opened with ProConnect ends there too (and the browser comes back here).
    at_provider = proconnect.end_session(id_token) if id_token else None
    return at_provider or redirect(url_for("public.home"))


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@keeps_form_on_expired_token
@per_ip("PASSWORD_RESET_LIMIT_PER_IP")
def forgot_password() -> ResponseReturnValue:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash("Si un compte correspond à cette adresse, un lien pour choisir un nouveau mot de "
              "passe vient d’y être envoyé. Il est valable peu de temps.", "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/mot-de-passe/<token>", methods=["GET", "POST"])
def set_password(token: str) -> ResponseReturnValue:
    """Choose a password from an invitation or a reset link (each works once)."""
    try:
        link = tokens.read(token)
    except tokens.LinkError as error:
        abort_with(403, str(error))
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password(link.user, form.password.data)
        except services.AccountError as error:
            form.password.errors.append(str(error))
        else:
            logout_user()
            session.clear()
            flash("Votre mot de passe est enregistré : connectez-vous.", "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/set_password.html", form=form, link=link,
                           invitation=link.kind is tokens.LinkKind.INVITATION)
