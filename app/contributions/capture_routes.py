"""Capture in the room: batch entry, import of transcribed files, QR codes for phones."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app import policy
from app.backoffice import staff_blueprint
from app.campaigns.models import AgendaKind, Step
from app.contributions import capture, import_flow, imports
from app.contributions.forms import CaptureForm, ConfirmContributionImportForm, ImportForm
from app.contributions.models import Contribution, ContributionKind, ContributionSource
from app.extensions import db
from app.form_recovery import keeps_form_on_expired_token
from app.forms import choices
from app.french import plural
from app.routing import database_id
from app.territories.queries import departements
from app.urls import absolute_url

bp = staff_blueprint("capture", __name__)

# What the batch entry screen remembers between two entries, as query parameters.
REMEMBERED = {"kind": "type", "challenge_id": "question", "workshop_id": "atelier",
              "category": "categorie", "age_range": "age"}
RECENT = 10


def _step(step_id: int) -> Step:
    step = db.session.get(Step, step_id) or abort(404)
    policy.require(current_user, "contribution.capture", step)
    return step


def workshops(step: Step) -> list:
    return [item for item in step.agenda_items if item.kind is AgendaKind.WORKSHOP]


def _capture_form(step: Step) -> CaptureForm:
    remembered = {field: request.args.get(arg, type=database_id if field.endswith("_id") else str)
                  for field, arg in REMEMBERED.items() if request.args.get(arg)}
    form = CaptureForm(data=remembered if request.method == "GET" else None)
    form.challenge_id.choices = choices(
        [(0, "Choisir…")] + [(c.id, c.title) for c in step.campaign.challenges])
    form.workshop_id.choices = choices(
        [(0, "Aucun")] + [(item.id, item.title) for item in workshops(step)])
    return form


@bp.route("/etapes/<int:step_id>/saisie", methods=["GET", "POST"])
@keeps_form_on_expired_token
def batch_entry(step_id: int) -> ResponseReturnValue:
    """One contribution after another, keyboard only; the tags stay for the next entry."""
    step = _step(step_id)
    form = _capture_form(step)
    if form.validate_on_submit():
        values = {"kind": ContributionKind(form.kind.data), "body": form.body.data,
                  "title": form.title.data or "", "challenge_id": form.challenge_id.data,
                  "workshop_id": form.workshop_id.data or None,
                  "category": form.category.data, "age_range": form.age_range.data}
        contribution = capture.capture(step, values, current_user, ContributionSource.ROOM)
        flash(f"{contribution.reference} enregistrée et publiée.", "success")
        kept = {arg: form[field].data for field, arg in REMEMBERED.items() if form[field].data}
        return redirect(url_for(".batch_entry", step_id=step.id, **kept))
    recent = list(db.session.scalars(
        sa.select(Contribution).where(Contribution.step_id == step.id)
        .order_by(Contribution.id.desc()).limit(RECENT)))
    return render_template("contributions/capture/batch.html", step=step, form=form,
                           recent=recent)


@bp.route("/etapes/<int:step_id>/import", methods=["GET", "POST"])
def import_file(step_id: int) -> ResponseReturnValue:
    """Upload a transcribed file; it is checked and previewed, saved only on confirmation."""
    step = _step(step_id)
    form = ImportForm()
    checked, confirm = import_flow.preview(
        form, lambda rows: capture.check_contribution_rows(step, rows),
        ConfirmContributionImportForm)
    return render_template("contributions/capture/import.html", step=step, form=form,
                           checked=checked, confirm=confirm,
                           departement_choices=departements() if checked and checked.places
                           else [])


@bp.post("/etapes/<int:step_id>/import/confirmer")
def confirm_import(step_id: int) -> ResponseReturnValue:
    step = _step(step_id)
    form = ConfirmContributionImportForm()
    chosen, places = _chosen("question"), _chosen("departement")
    result = import_flow.confirmed(
        lambda rows: capture.check_contribution_rows(step, rows, chosen, places), form)
    if result is None:
        return redirect(url_for(".import_file", step_id=step.id))
    checked, token = result
    skip = bool(form.skip_already.data)
    count = capture.import_rows(step, checked.kept_items(skip), current_user)
    imports.discard(token)
    skipped = len(checked.already) if skip else 0
    if count:
        ignored = plural(skipped, "ligne déjà présente ignorée", "lignes déjà présentes ignorées")
        flash(f"{count} contributions importées et publiées"
              + (f" ; {ignored}." if skipped else "."), "success")
    else:
        flash("Toutes les lignes du fichier étaient déjà dans l’étape : rien n’a été importé.",
              "info")
    return redirect(url_for(".batch_entry", step_id=step.id))


def _chosen(field: str) -> dict[int, int]:
    """What the person kept or chose in the preview (``question-<line>``,
    ``departement-<line>``) for the rows the file left without it; the check accepts only the
    campaign's questions and the départements."""
    chosen = {}
    for name, value in request.form.items():
        line = name.removeprefix(f"{field}-")
        if line != name and line.isdigit() and value.isdigit() and len(value) < 10:
            chosen[int(line)] = int(value)
    return chosen


@bp.get("/etapes/<int:step_id>/qr")
def qr_codes(step_id: int) -> ResponseReturnValue:
    """Printable QR codes and short links that open the form pre-filled, for the room."""
    step = _step(step_id)
    codes = [("Toute l’étape", absolute_url("contributions.short_link", step_id=step.id))]
    codes += [(capture.workshop_label(item.title),
               absolute_url("contributions.short_link", step_id=step.id, workshop_id=item.id))
              for item in workshops(step)]
    return render_template("contributions/capture/qr.html", step=step,
                           codes=[(label, url, capture.qr_svg(url, label))
                                  for label, url in codes])
