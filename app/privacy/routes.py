"""A person's copy and erasure of their data, from a registration's management link (which
proves they control the email address), and the footer's accessibility status."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.privacy import pages, services
from app.registrations.services import registration_from_token

bp = Blueprint("privacy", __name__)

PRIVATE = {"Cache-Control": "private, no-store"}


@bp.app_context_processor
def _legal_context() -> dict:
    """Every page's footer states the RGAA conformance, as the declaration says."""
    return {"accessibility_status": pages.accessibility_status()}


@bp.get("/inscriptions/<token>/mes-donnees.json")
def data_copy(token: str) -> ResponseReturnValue:
    registration = registration_from_token(token)
    copy = services.personal_data_copy(registration.email)
    body = json.dumps(copy, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        **PRIVATE, "Content-Disposition": 'attachment; filename="mes-donnees.json"'})


@bp.route("/inscriptions/<token>/effacement", methods=["GET", "POST"])
def erase(token: str) -> ResponseReturnValue:
    registration = registration_from_token(token)
    if request.method == "POST":  # CSRFProtect has checked the form's token
        report = services.erase_person(registration.email)
        flash(f"Vos données sont effacées : {report.registrations_anonymised} inscription(s), "
              f"{report.contributions_detached} contribution(s) détachée(s) de votre adresse, "
              f"{report.mails_purged} courriel(s).", "success")
        return redirect(url_for("privacy.erased"))
    copy = services.personal_data_copy(registration.email)
    return render_template("privacy/erase.html", registration=registration, token=token,
                           copy=copy, step=registration.step), 200, PRIVATE


@bp.get("/donnees-effacees")
def erased() -> ResponseReturnValue:
    return render_template("privacy/erased.html")
