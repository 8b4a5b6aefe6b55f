"""The audit log for admins: /gestion/journal (filters, pages) and its CSV export."""

from __future__ import annotations

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app import audit, policy
from app.auditlog import queries
from app.auditlog.forms import AuditFilterForm
from app.backoffice import staff_blueprint
from app.clock import today
from app.extensions import db
from app.forms import choices
from app.routing import database_id
from app.spreadsheets import csv_document

bp = staff_blueprint("audit", __name__)


def _filter_form() -> AuditFilterForm:
    """The form bound to the query string, with the lists of what the log holds."""
    form = AuditFilterForm(request.args)
    form.action.choices = choices([("", "Toutes"), *[(a, a) for a in queries.known_actions()]])
    form.objet.choices = choices([("", "Tous"), *queries.known_object_types()])
    return form


def _filters(form: AuditFilterForm) -> queries.AuditFilters | None:
    """The filters typed, or None when one is wrong (the page then says which)."""
    if not form.validate():
        return None
    return queries.AuditFilters(
        actor=form.qui.data or "", action=form.action.data or "",
        object_type=form.objet.data or "",
        object_id=int(form.numero.data) if form.numero.data else None,
        since=form.du.data, until=form.au.data)


@bp.before_request
def _admins_only() -> None:
    policy.require(current_user, "audit.view")


def _kept(form: AuditFilterForm) -> dict[str, str]:
    """The filters typed, for the paging and export links (and the export's audit line)."""
    return {name: request.args[name] for name in form._fields if request.args.get(name)}


def _page(form: AuditFilterForm, found: queries.Page | None):
    return render_template("manage/audit_log.html", form=form, page=found, kept=_kept(form),
                           object_label=queries.object_label), 200 if found else 400


@bp.get("/journal")
def log() -> ResponseReturnValue:
    form = _filter_form()
    filters = _filters(form)
    return _page(form, None if filters is None else queries.page(
        filters, request.args.get("avant", type=database_id),
        request.args.get("apres", type=database_id)))


@bp.get("/journal.csv")
def export() -> ResponseReturnValue:
    form = _filter_form()
    filters = _filters(form)
    if filters is None:
        return _page(form, None)
    separator = ";" if request.args.get("separateur") == "point-virgule" else ","
    body = csv_document(queries.EXPORT_HEADER, queries.export_rows(filters), separator)
    # Reading the log in bulk is itself worth a line in it.
    described = ", ".join(f"{name} = {value}" for name, value in _kept(form).items())
    audit.record("audit.export", current_user._get_current_object(),
                 "Export du journal d’audit" + (f" ({described})" if described else ""))
    db.session.commit()
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="journal-audit-{today():%Y-%m-%d}.csv"',
        "Cache-Control": "private, no-store"})
