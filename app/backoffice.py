"""Blueprints of the organisers' back office: every request needs a signed-in staff member."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user, login_required

from app import policy


def staff_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint under /gestion whose every view first checks the staff session."""
    blueprint = Blueprint(name, import_name, url_prefix="/gestion")

    @blueprint.before_request
    @login_required
    def _staff_only() -> None:
        policy.require(current_user, "backoffice.enter")

    return blueprint
