"""/dev/courriels, in development only: the mails of the outbox as their recipients would
read them (text, HTML, attachments), like Decidim's letter opener. With ``make run`` the mails
also go to the terminal; here an invitation or a password link is one click away.

Never in production: the blueprint is registered only when ``DEV_MAIL_VIEWER`` is true (only
DevelopmentConfig sets it; no environment variable does), and every request checks it again,
so a configuration changed after start-up answers 404. No sign-in: in development one reads
the invitation mail before having an account."""

from __future__ import annotations

from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from urllib.parse import quote

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, abort, current_app, render_template
from flask.typing import ResponseReturnValue

from app.extensions import db
from app.mail import OutboundMail

bp = Blueprint("dev_mails", __name__, url_prefix="/dev/courriels")
SHOWN = 100
# The mail's own HTML, shown as sent: no script, no request anywhere, its inline styles kept.
HTML_BODY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


def init_dev_mail_viewer(app: Flask) -> None:
    """Register the viewer when the configuration asks for it (development)."""
    if app.config.get("DEV_MAIL_VIEWER"):
        app.register_blueprint(bp)


@bp.before_request
def _development_only() -> None:
    if not current_app.config.get("DEV_MAIL_VIEWER"):
        abort(404)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class ReadMail:
    """A mail of the outbox, parsed; ``message`` is None when what it was about is gone."""

    mail: OutboundMail
    message: EmailMessage | None

    def _part(self, subtype: str) -> str:
        if self.message is None:
            return ""
        part = self.message.get_body(preferencelist=(subtype,))
        return part.get_content() if part is not None else ""

    @property
    def text(self) -> str:
        return self._part("plain")

    @property
    def html(self) -> str:
        return self._part("html")

    @property
    def attachments(self) -> list[Attachment]:
        if self.message is None:
            return []
        return [Attachment(part.get_filename() or "(sans nom)", part.get_content_type(),
                           len(part.get_payload(decode=True) or b""))
                for part in self.message.iter_attachments()]


def read(mail: OutboundMail, compose_missing: bool = True) -> ReadMail:
    """The mail as sent; one still to be written by the worker is composed here for reading
    only (nothing is stored: the worker writes its own), unless ``compose_missing`` is false
    (the list: composing a hundred mails would make it slow)."""
    if mail.message is not None:
        return ReadMail(mail, message_from_bytes(mail.message, policy=default_policy))
    if not compose_missing:
        return ReadMail(mail, None)
    from app.notifications import compose

    message = compose(mail)
    return ReadMail(mail, None if message is None else
                    message_from_bytes(message.as_bytes(), policy=default_policy))


def _mail(mail_id: int) -> OutboundMail:
    return db.session.get(OutboundMail, mail_id) or abort(404)


@bp.get("/")
def index() -> ResponseReturnValue:
    mails = list(db.session.scalars(
        sa.select(OutboundMail).order_by(OutboundMail.id.desc()).limit(SHOWN)))
    return render_template("operations/dev_mails.html",
                           mails=[read(m, compose_missing=False) for m in mails],
                           shown=SHOWN, selected=None)


@bp.get("/<int:mail_id>")
def show(mail_id: int) -> ResponseReturnValue:
    return render_template("operations/dev_mails.html", mails=None, shown=SHOWN,
                           selected=read(_mail(mail_id)))


@bp.get("/<int:mail_id>/html")
def html_body(mail_id: int) -> ResponseReturnValue:
    response = Response(read(_mail(mail_id)).html or "<p>(pas de partie HTML)</p>",
                        mimetype="text/html")
    response.headers["Content-Security-Policy"] = HTML_BODY_POLICY
    return response


@bp.get("/<int:mail_id>/pieces/<int:number>")
def attachment(mail_id: int, number: int) -> ResponseReturnValue:
    message = read(_mail(mail_id)).message
    parts = list(message.iter_attachments()) if message is not None else []
    if number >= len(parts):
        abort(404)
    part = parts[number]
    return Response(part.get_payload(decode=True), mimetype=part.get_content_type(),
                    headers={"Content-Disposition": "attachment; filename*=UTF-8''"
                             + quote(part.get_filename() or f"piece-{number}", safe="")})
