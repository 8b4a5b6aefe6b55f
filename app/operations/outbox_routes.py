"""/gestion/courriels, for administrators: the outbox (mails waiting, in the course of being
sent, given up) and the job queue, with « Renvoyer » for mails that failed."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app import audit, policy
from app.backoffice import staff_blueprint
from app.extensions import db
from app.jobs.status import queue_state
from app.mail import MAX_ATTEMPTS, MailStatus, OutboundMail
from app.mail_delivery import retry_now

bp = staff_blueprint("outbox", __name__, url_prefix="/gestion/courriels")
SHOWN = 100


@bp.before_request
def _admins_only() -> None:
    policy.require(current_user, "mail.supervise")


@bp.get("/")
def index() -> ResponseReturnValue:
    counts = dict.fromkeys(MailStatus, 0)
    counts.update((status, number) for status, number in db.session.execute(
        sa.select(OutboundMail.status, sa.func.count()).group_by(OutboundMail.status)))
    unsent = list(db.session.scalars(
        sa.select(OutboundMail).where(OutboundMail.status != MailStatus.SENT)
        .order_by(OutboundMail.status, OutboundMail.id.desc()).limit(SHOWN)))
    return render_template("operations/outbox.html", counts=counts, unsent=unsent,
                           queue=queue_state(current_app.config), shown=SHOWN,
                           MailStatus=MailStatus, max_attempts=MAX_ATTEMPTS)


@bp.post("/renvoyer")
def retry() -> ResponseReturnValue:
    """« Renvoyer » one mail, or every failed one."""
    if request.form.get("mail_id", "").isdigit():
        ids = [int(request.form["mail_id"])]
    else:
        ids = list(db.session.scalars(sa.select(OutboundMail.id).where(
            OutboundMail.status == MailStatus.FAILED, OutboundMail.recipient != "")))
    retried = retry_now(ids)
    for mail in retried:  # its number and purpose only: the log outlives addresses
        audit.record("mail.retry", mail, f"Courriel remis en envoi ({mail.purpose})",
                     user=current_user)
    db.session.commit()
    count = len(retried)
    flash(f"{count} courriel(s) remis en envoi." if count else
          "Aucun courriel à renvoyer.", "success" if count else "info")
    return redirect(url_for(".index"))
