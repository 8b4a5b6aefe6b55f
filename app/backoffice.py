"""Blueprints of the organisers' back office: every request needs a signed-in staff member."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user, login_required

from app import policy
from app.accounts import second_factor


def staff_blueprint(name: str, import_name: str, url_prefix: str = "/gestion",
                    before_second_factor: bool = False) -> Blueprint:
    """A blueprint under /gestion whose every view first checks the staff session. Unless
    ``before_second_factor`` (the pages where one turns it on), an account that must use
    two-factor authentication and has not turned it on is sent to do so first."""
    blueprint = Blueprint(name, import_name, url_prefix=url_prefix)

    @blueprint.before_request
    @login_required
    def _staff_only():
        policy.require(current_user, "backoffice.enter")
        if not before_second_factor and second_factor.required_for(current_user) \
                and not current_user.has_second_factor:
            flash("Les administrateurs doivent activer la double authentification avant "
                  "d’utiliser l’espace de gestion.", "warning")
            return redirect(url_for("account.second_factor_setup"))
        return None

    return blueprint
