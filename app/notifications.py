"""Mails written by the worker: each domain's notification module composes the mails it
queued with ``mail.queue_notification``, from the row's purpose, object and parameters.

A purpose reads « domain.kind » (``registration.confirmed``); the domain names the module.
"""

from __future__ import annotations

import importlib
from email.message import EmailMessage

from app.mail import OutboundMail

COMPOSERS = {
    "registration": "app.registrations.notifications",
    "press": "app.press.notifications",
}


def compose(mail: OutboundMail) -> EmailMessage | None:
    """The message of a queued notification; None when what it was about is gone."""
    domain = mail.purpose.partition(".")[0]
    return importlib.import_module(COMPOSERS[domain]).compose(mail)
