"""Public press space: contacts, feeds, press-point calendar, press kits, accreditation."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask.typing import ResponseReturnValue

from app import clock, storage
from app.calendar.links import feed_links
from app.extensions import db
from app.form_recovery import keeps_form_on_expired_token
from app.press import services
from app.press.forms import AccreditationForm, FollowForm
from app.press.models import PressKitFile
from app.territories.queries import departements

bp = Blueprint("press", __name__, url_prefix="/presse")


# What the press space lists at most: steps to come per démarche (the calendar has the rest),
# and the latest press-kit files (each step's page has its own).
PRESS_STEPS = 15
PRESS_KIT_FILES = 20


@bp.get("/")
def press_space() -> ResponseReturnValue:
    # Démarches over (the 2010 installations never dated) have no press point nor feed left.
    groups = services.press_calendar(clock.today(), PRESS_STEPS)
    feeds = [feed_links("calendar.campaign_feed", group.campaign.title,
                        slug=group.campaign.slug) for group in groups]
    feeds.append(feed_links("calendar.all_feed", "Toutes les concertations"))
    return render_template(
        "press/space.html", groups=groups, feeds=feeds, departements=departements(),
        kit=services.kit_files(limit=PRESS_KIT_FILES), today=clock.today(),
        contact_email=current_app.config["PRESS_CONTACT_EMAIL"]
        or current_app.config["BRAND_CONTACT_EMAIL"])


@bp.route("/accreditation", methods=["GET", "POST"])
@keeps_form_on_expired_token
def accreditation() -> ResponseReturnValue:
    form = AccreditationForm()
    groups = services.campaigns_to_follow(clock.today())
    form.fill(groups)
    if form.validate_on_submit():
        existing = services.by_email(form.email.data)
        if existing is not None:
            services.send_manage_link(existing)
            flash("Cette adresse est déjà accréditée : nous venons de vous envoyer par courriel "
                  "le lien pour gérer votre accréditation.", "info")
            return redirect(url_for("press.press_space"))
        services.accredit(form.payload(), form.steps.data, form.campaigns.data, clock.today())
        flash("Votre accréditation est enregistrée. Vous allez recevoir un courriel de "
              "confirmation et une invitation pour chaque étape datée que vous suivez.", "success")
        return redirect(url_for("press.press_space"))
    return render_template("press/accreditation.html", form=form, groups=groups)


@bp.route("/accreditation/<token>", methods=["GET", "POST"])
@keeps_form_on_expired_token
def manage_accreditation(token: str) -> ResponseReturnValue:
    accreditation = services.by_token(token)
    if accreditation is None:
        abort(404)
    form = FollowForm(data={
        "steps": [follow.step_id for follow in accreditation.follows],
        "campaigns": [follow.campaign_id for follow in accreditation.campaign_follows]})
    groups = services.campaigns_to_follow(clock.today())
    form.fill(groups)
    if form.validate_on_submit():
        services.update_follows(accreditation, form.steps.data, form.campaigns.data,
                                clock.today())
        flash("Les étapes que vous suivez sont mises à jour.", "success")
        return redirect(url_for("press.manage_accreditation", token=token))
    return render_template("press/manage.html", form=form, accreditation=accreditation,
                           groups=groups)


@bp.post("/accreditation/<token>/retirer")
def withdraw_accreditation(token: str) -> ResponseReturnValue:
    accreditation = services.by_token(token)
    if accreditation is None:
        abort(404)
    services.withdraw(accreditation)
    flash("Votre accréditation et vos coordonnées sont supprimées.", "success")
    return redirect(url_for("press.press_space"))


@bp.get("/fichiers/<int:file_id>/<path:name>")
def kit_file(file_id: int, name: str) -> ResponseReturnValue:
    kit_file = db.session.get(PressKitFile, file_id)
    # A draft step's kit stays private until the step is published.
    if kit_file is None or (kit_file.step is not None and not kit_file.step.is_public):
        abort(404)
    # The file is found by id and stored under a random name; the name in the URL must be the
    # one we link to, so a forged name (« ../../etc/passwd ») is a plain 404.
    if name != kit_file.original_name:
        abort(404)
    return storage.send(kit_file.stored_name, kit_file.original_name, kind="press",
                        mimetype=kit_file.content_type)
