"""Outgoing mail, the outbox: a mail is a row of ``outbound_mail`` added in the same
transaction as the change it tells about, so a committed change always has its mail and a
rolled-back one never does. A worker delivers it after the commit (app.mail_delivery); a mail
server that is down never loses a message nor slows the action that caused it.

A row holds either the finished message (``queue``), or what a domain's notification module
needs to write it (``queue_notification``: purpose, recipient, object, parameters), composed by
the worker. The second keeps templates, calendar files and QR codes out of the web request.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from email.header import Header
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, make_msgid
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import now
from app.db_types import UTCDateTime, enum_column
from app.extensions import Model, db
from app.jobs import enqueue
from app.labelled_enum import LabelledEnum
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


class MailStatus(LabelledEnum):
    PENDING = "pending", "En attente d’envoi"
    SENDING = "sending", "En cours d’envoi"  # claimed by a worker until ``lease_until``
    SENT = "sent", "Envoyé"
    # gave up after MAX_ATTEMPTS, or refused for good by the server
    FAILED = "failed", "Échec définitif"


class OutboundMail(Model):
    __tablename__ = "outbound_mail"
    __table_args__ = (sa.Index("ix_outbound_mail_related", "related_type", "related_id"),
                      sa.Index("ix_outbound_mail_due", "status", "next_attempt_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300), default="")
    purpose: Mapped[str] = mapped_column(sa.String(60))
    # What the mail is about, e.g. ("press_follow", 12), to show its status next to it.
    related_type: Mapped[str | None] = mapped_column(sa.String(60))
    related_id: Mapped[int | None]
    # None until the worker composes it from ``purpose`` and ``params``.
    message: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    params: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    status: Mapped[MailStatus] = mapped_column(enum_column(MailStatus),
                                               default=MailStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Not before this moment (the wait after a failure); None: at once.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


def compose(to: str, subject: str, text: str,
            invitation: tuple[bytes, str] | None = None,
            attachments: Sequence[tuple[bytes, str, str]] = ()) -> EmailMessage:
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
    """Store a finished message to send; the caller's transaction commits it."""
    return _add(OutboundMail(recipient=message["To"], subject=message["Subject"],
                             purpose=purpose, message=as_bytes(message)), related)


def queue_notification(purpose: str, recipient: str, subject: str, related: tuple[str, int],
                       /, **params: Any) -> OutboundMail:
    """Store a mail for the worker to compose (app.notifications) and send; the caller's
    transaction commits it. ``params``: JSON values the composer needs, as they are now."""
    return _add(OutboundMail(recipient=recipient, subject=" ".join(subject.splitlines())[:300],
                             purpose=purpose, params=params or None), related)


def _add(mail: OutboundMail, related: tuple[str, int] | None) -> OutboundMail:
    if related is not None:
        mail.related_type, mail.related_id = related
    db.session.add(mail)
    db.session.flush()  # its id, for the delivery job queued at commit
    enqueue("mail.deliver", mail.id)
    return mail


def as_bytes(message: EmailMessage) -> bytes:
    return message.as_bytes(policy=MAIL_POLICY)


def latest_for(related_type: str, ids: list[int]) -> dict[int, OutboundMail]:
    """The latest mail about each object, to show whether it went out."""
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(OutboundMail).where(OutboundMail.related_type == related_type,
                                      OutboundMail.related_id.in_(ids))
        .order_by(OutboundMail.id))
    return {row.related_id: row for row in rows if row.related_id is not None}
