"""Delivery of the outbox (app.mail): each mail sent once, none lost.

A worker first *claims* a mail: one conditional UPDATE moves it to ``sending`` with a lease,
only if it is due (``pending`` and its wait is over) or its lease has run out. On PostgreSQL and
SQLite alike the UPDATE is atomic, so of two workers (or a worker and ``flask send-mail``)
asking for the same mail, one gets it and the other moves on. Sent: ``sent``. Failed: back to
``pending`` with a wait that doubles at each attempt, until MAX_ATTEMPTS; a permanent refusal
(5xx) fails at once.

The one case where a mail may go twice: a worker killed after the server accepted the message
and before it recorded ``sent``. Its lease ends, another worker takes the mail again; that
takeover is counted (``concerto_mail_lease_takeovers``), and the message keeps its Message-ID
so mail clients show one copy.
"""

from __future__ import annotations

import smtplib
import sys
from datetime import datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from prometheus_client import Counter

from app.clock import wall_now
from app.database import affected_rows
from app.extensions import db
from app.mail import MAX_ATTEMPTS, MailStatus, OutboundMail, as_bytes

MAILS_SENT = Counter("concerto_mails_sent", "Mails handed to the mail server")
MAILS_FAILED_ATTEMPTS = Counter("concerto_mail_failed_attempts",
                                "Attempts to send a mail that failed (retried later)")
LEASE_TAKEOVERS = Counter(
    "concerto_mail_lease_takeovers",
    "Mails taken again after a worker's lease ran out (possibly sent twice)")


class PermanentMailError(Exception):
    """The mail cannot be sent, ever (its subject is gone, the server refused it for good)."""


def _due(moment: datetime, now_or_later: bool = False) -> sa.ColumnElement[bool]:
    """Waiting and its wait is over (or, ``now_or_later``, waiting at all), or held by a
    worker whose lease ran out."""
    waited = (sa.true() if now_or_later else
              sa.or_(OutboundMail.next_attempt_at.is_(None),
                     OutboundMail.next_attempt_at <= moment))
    return sa.or_(sa.and_(OutboundMail.status == MailStatus.PENDING, waited),
                  sa.and_(OutboundMail.status == MailStatus.SENDING,
                          OutboundMail.lease_until < moment))


def claim(mail_id: int, now_or_later: bool = False) -> OutboundMail | None:
    """Take a due mail for this worker (committed); None if it is not due or someone else
    has it."""
    moment = wall_now()
    due = _due(moment, now_or_later)
    previous = db.session.scalar(sa.select(OutboundMail.status).where(
        OutboundMail.id == mail_id, due))
    if previous is None:
        db.session.rollback()
        return None
    lease = timedelta(seconds=current_app.config["MAIL_LEASE_SECONDS"])
    taken = affected_rows(db.session.execute(
        sa.update(OutboundMail)
        .where(OutboundMail.id == mail_id, OutboundMail.status == previous, due)
        .values(status=MailStatus.SENDING, lease_until=moment + lease,
                attempts=OutboundMail.attempts + 1)
        .execution_options(synchronize_session=False)))
    db.session.commit()
    if taken != 1:
        return None
    if previous is MailStatus.SENDING:
        LEASE_TAKEOVERS.inc()
        current_app.logger.warning("Courriel %s repris après la fin du bail d’un autre "
                                   "processus (peut partir deux fois)", mail_id)
    return db.session.get(OutboundMail, mail_id, populate_existing=True)


def deliver(mail_id: int, now_or_later: bool = False) -> bool | None:
    """Send one mail if it is due and this worker gets it: True sent, False failed (retried
    later or given up), None not taken."""
    mail = claim(mail_id, now_or_later)
    if mail is None:
        return None
    attempt = mail.attempts
    try:
        message = _compose(mail) if mail.message is None else mail.message
        BACKENDS[current_app.config["MAIL_BACKEND"]](mail, message)
    except PermanentMailError as error:
        _finish(mail_id, attempt, error=error, permanent=True)
        return False
    except (OSError, smtplib.SMTPException) as error:
        _finish(mail_id, attempt, error=error,
                permanent=_refused_for_good(error) or attempt >= MAX_ATTEMPTS)
        return False
    _finish(mail_id, attempt)
    return True


def _compose(mail: OutboundMail) -> bytes:
    """Write the message now, and keep it: a retry sends the same bytes, Message-ID
    included."""
    from app.notifications import compose

    message = compose(mail)
    if message is None:
        raise PermanentMailError("l’objet du courriel n’existe plus")
    written = as_bytes(message)
    mail.message, mail.subject = written, str(message["Subject"])[:300]
    db.session.commit()
    return written


def _refused_for_good(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def _finish(mail_id: int, attempt: int, error: Exception | None = None,
            permanent: bool = False) -> None:
    """Record the outcome, only if the mail is still ours (same attempt, still ``sending``):
    a worker that overran its lease does not overwrite the next one's result."""
    db.session.rollback()
    moment = wall_now()
    if error is None:
        values = {"status": MailStatus.SENT, "sent_at": moment, "last_error": "",
                  "lease_until": None, "next_attempt_at": None}
        MAILS_SENT.inc()
    else:
        MAILS_FAILED_ATTEMPTS.inc()
        current_app.logger.warning("Envoi du courriel %s échoué (essai %s) : %s", mail_id,
                                   attempt, error)
        values = {"last_error": f"{type(error).__name__}: {error}"[:500], "lease_until": None,
                  "status": MailStatus.FAILED if permanent else MailStatus.PENDING,
                  "next_attempt_at": None if permanent else moment + retry_wait(attempt)}
    db.session.execute(sa.update(OutboundMail).where(
        OutboundMail.id == mail_id, OutboundMail.status == MailStatus.SENDING,
        OutboundMail.attempts == attempt).values(**values)
        .execution_options(synchronize_session=False))
    db.session.commit()


def retry_wait(attempts: int) -> timedelta:
    """After the n-th failed attempt: base × 2^(n-1), at most the configured ceiling."""
    config = current_app.config
    seconds = config["MAIL_RETRY_BASE_SECONDS"] * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, config["MAIL_RETRY_MAX_SECONDS"]))


def due_ids(now_or_later: bool = False, limit: int = 1000) -> list[int]:
    ids = list(db.session.scalars(sa.select(OutboundMail.id)
                                  .where(_due(wall_now(), now_or_later))
                                  .order_by(OutboundMail.id).limit(limit)))
    db.session.rollback()
    return ids


def sweep(now_or_later: bool = False) -> tuple[int, int]:
    """Every mail due now, one by one: (sent, failed). The scheduler's job each minute; with
    ``now_or_later``, `flask send-mail` (an operator wants them now, waits or not). Safe beside
    other workers doing the same."""
    sent = failed = 0
    for mail_id in due_ids(now_or_later):
        outcome = deliver(mail_id, now_or_later)
        sent += outcome is True
        failed += outcome is False
    return sent, failed


def retry_now(mail_ids: list[int]) -> list[OutboundMail]:
    """An administrator's « Renvoyer »: failed or waiting mails become due at once, with a
    fresh count of attempts; the caller's transaction commits and queues them."""
    from app.jobs import enqueue

    rows = list(db.session.scalars(sa.select(OutboundMail).where(
        OutboundMail.id.in_(mail_ids),
        OutboundMail.status.in_((MailStatus.FAILED, MailStatus.PENDING)))))
    for mail in rows:
        mail.status, mail.attempts, mail.next_attempt_at = MailStatus.PENDING, 0, None
        enqueue("mail.deliver", mail.id)
    return rows


# ---------------------------------------------------------------- backends


def _send_smtp(mail: OutboundMail, message: bytes) -> None:
    config = current_app.config
    client_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with client_class(config["MAIL_SERVER"], config["MAIL_PORT"],
                      timeout=config["MAIL_TIMEOUT_SECONDS"]) as client:
        if config["MAIL_USE_TLS"]:
            client.starttls()
        if config["MAIL_USERNAME"]:
            client.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        sender = config["MAIL_DEFAULT_SENDER"]
        envelope_from = sender.rsplit("<", 1)[-1].rstrip(">").strip()
        client.sendmail(envelope_from, [mail.recipient], message)


def _send_console(mail: OutboundMail, message: bytes) -> None:
    """Readable in a terminal: decoded headers, the text, and the names of attached files."""
    parsed = message_from_bytes(message, policy=default_policy)
    text = parsed.get_body(preferencelist=("plain",))
    attached = [part.get_filename() or "" for part in parsed.iter_attachments()]
    print(f"----- courriel n° {mail.id} -----\nTo: {parsed['To']}\n"
          f"Subject: {parsed['Subject']}\n\n{text.get_content() if text else ''}\n"
          f"Pièces jointes : {', '.join(attached) or 'aucune'}\n----- fin du courriel -----",
          file=sys.stdout, flush=True)


def _send_folder(mail: OutboundMail, message: bytes) -> None:
    folder = Path(current_app.config["MAIL_FOLDER"]
                  or Path(current_app.instance_path) / "mails")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{wall_now():%Y%m%d-%H%M%S}-{mail.id}.eml").write_bytes(message)


BACKENDS = {"smtp": _send_smtp, "console": _send_console, "folder": _send_folder}
