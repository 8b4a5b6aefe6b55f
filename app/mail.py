"""Outgoing mail: composed, stored in a queue, then delivered; a failure is retried later.

A mail server that is down never loses a message nor breaks the action that caused it: the
message stays ``pending`` with its error, and ``flask send-mail`` (or the next delivery attempt)
sends it again. Backends: ``smtp``; ``console`` prints; ``folder`` writes ``.eml`` files.
"""

from __future__ import annotations

import enum
import smtplib
import sys
from datetime import datetime
from email import message_from_bytes
from email.header import Header
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.policy import default as default_policy
from email.utils import format_datetime, make_msgid
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import now
from app.db_types import UTCDateTime, enum_column
from app.extensions import db
from app.mail_html import html_body

MAX_ATTEMPTS = 8
# Encoded words are the only way to put « é » or « — » in a header without SMTPUTF8.
LONGEST_PLAIN_WORD = 60


class _SubjectFoldingPolicy(EmailPolicy):
    """The SMTP policy, but the Subject is folded by ``email.header.Header``.

    The modern folder of Python's email package (3.11 at least) drops the space between two
    encoded words when it folds a line: « Invitation presse : Concertation CNR santé — Lozère »
    reached readers as « …santé —Lozère ». ``Header`` keeps every space inside the encoded
    words, which readers join back exactly; a subject of plain short ASCII words stays
    readable as is."""

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() != "subject":
            return super().fold_binary(name, value)
        text = str(value)
        plain = (text.isascii() and "=?" not in text
                 and all(len(word) < LONGEST_PLAIN_WORD for word in text.split()))
        folded = Header(text, "us-ascii" if plain else "utf-8", header_name=name,
                        maxlinelen=self.max_line_length).encode(linesep=self.linesep)
        return f"{name}: {folded}{self.linesep}".encode("ascii")


MAIL_POLICY = _SubjectFoldingPolicy(linesep="\r\n")


class MailStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after MAX_ATTEMPTS

    @property
    def label(self) -> str:
        return {"pending": "En attente d’envoi", "sent": "Envoyé",
                "failed": "Échec définitif"}[self.value]


class OutboundMail(db.Model):
    __tablename__ = "outbound_mail"
    __table_args__ = (sa.Index("ix_outbound_mail_related", "related_type", "related_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    purpose: Mapped[str] = mapped_column(sa.String(60))
    # What the mail is about, e.g. ("press_follow", 12), to show its status next to it.
    related_type: Mapped[str | None] = mapped_column(sa.String(60))
    related_id: Mapped[int | None]
    message: Mapped[bytes] = mapped_column(sa.LargeBinary)
    status: Mapped[MailStatus] = mapped_column(enum_column(MailStatus),
                                               default=MailStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def compose(to: str, subject: str, text: str,
            invitation: tuple[bytes, str] | None = None,
            attachments: list[tuple[bytes, str, str]] = ()) -> EmailMessage:
    """A mail with its text and, beside it, the same content in HTML (multipart/alternative);
    with ``invitation`` = (ics, METHOD), an iTIP invitation that calendar clients offer to add:
    the same file as the text/calendar alternative and as an attachment, each with
    ``method=`` matching the file's METHOD. ``attachments``: (data, MIME type, name)."""
    config = current_app.config
    message = EmailMessage()
    # A header holds one line: typed text may carry line separators (U+2028, NEL…) that
    # Printable lets through and the email package refuses (a 500, found by hypothesis).
    subject = " ".join(subject.splitlines())
    message["Subject"] = subject
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Date"] = format_datetime(now())
    message["Message-ID"] = make_msgid(domain=config["CALENDAR_UID_DOMAIN"])
    message.set_content(text)
    message.add_alternative(html_body(subject, text), subtype="html")
    if invitation is not None:
        body, method = invitation
        params = {"method": method, "charset": "utf-8"}
        message.add_alternative(body, maintype="text", subtype="calendar", params=params)
        message.add_attachment(body, maintype="text", subtype="calendar", params=params,
                               filename="invitation.ics")
    for data, mime_type, filename in attachments:
        maintype, subtype = mime_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


def queue(message: EmailMessage, purpose: str,
          related: tuple[str, int] | None = None) -> OutboundMail:
    """Store a message to send; the caller's transaction commits it."""
    mail = OutboundMail(recipient=message["To"], subject=message["Subject"], purpose=purpose,
                        related_type=related[0] if related else None,
                        related_id=related[1] if related else None,
                        message=message.as_bytes(policy=MAIL_POLICY))
    db.session.add(mail)
    return mail


def _send_smtp(mail: OutboundMail) -> None:
    config = current_app.config
    client_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with client_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as client:
        if config["MAIL_USE_TLS"]:
            client.starttls()
        if config["MAIL_USERNAME"]:
            client.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        sender = config["MAIL_DEFAULT_SENDER"]
        envelope_from = sender.rsplit("<", 1)[-1].rstrip(">").strip()
        client.sendmail(envelope_from, [mail.recipient], mail.message)


def _send_console(mail: OutboundMail) -> None:
    """Readable in a terminal: decoded headers, the text, and the names of attached files."""
    message = message_from_bytes(mail.message, policy=default_policy)
    text = message.get_body(preferencelist=("plain",))
    attached = [part.get_filename() for part in message.iter_attachments()]
    print(f"----- courriel n° {mail.id} -----\nTo: {message['To']}\n"
          f"Subject: {message['Subject']}\n\n{text.get_content() if text else ''}\n"
          f"Pièces jointes : {', '.join(attached) or 'aucune'}\n----- fin du courriel -----",
          file=sys.stdout, flush=True)


def _send_folder(mail: OutboundMail) -> None:
    folder = Path(current_app.config["MAIL_FOLDER"]
                  or Path(current_app.instance_path) / "mails")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{now():%Y%m%d-%H%M%S}-{mail.id}.eml").write_bytes(mail.message)


BACKENDS = {"smtp": _send_smtp, "console": _send_console, "folder": _send_folder}


def deliver(mail: OutboundMail) -> bool:
    """Try to send one queued mail; record the outcome (the caller commits)."""
    mail.attempts += 1
    try:
        BACKENDS[current_app.config["MAIL_BACKEND"]](mail)
    except (OSError, smtplib.SMTPException) as error:
        mail.last_error = f"{type(error).__name__}: {error}"[:500]
        if mail.attempts >= MAX_ATTEMPTS:
            mail.status = MailStatus.FAILED
        current_app.logger.warning("Envoi du courriel %s échoué : %s", mail.id, error)
        return False
    mail.status, mail.sent_at, mail.last_error = MailStatus.SENT, now(), ""
    return True


def send_pending(ids: list[int] | None = None) -> tuple[int, int]:
    """Deliver pending mails (only ``ids`` if given), committing after each; (sent, failed)."""
    query = sa.select(OutboundMail).where(OutboundMail.status == MailStatus.PENDING)
    if ids is not None:
        query = query.where(OutboundMail.id.in_(ids))
    sent = failed = 0
    for mail in db.session.scalars(query.order_by(OutboundMail.id)).all():
        if deliver(mail):
            sent += 1
        else:
            failed += 1
        db.session.commit()
    return sent, failed


def latest_for(related_type: str, ids: list[int]) -> dict[int, OutboundMail]:
    """The latest mail about each object, to show whether it went out."""
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(OutboundMail).where(OutboundMail.related_type == related_type,
                                      OutboundMail.related_id.in_(ids))
        .order_by(OutboundMail.id))
    return {row.related_id: row for row in rows}
