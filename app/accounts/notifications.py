"""The mails of staff accounts (invitation, new password, account locked): short texts,
written here and queued in the caller's transaction; a worker sends them."""

from __future__ import annotations

from flask import current_app, render_template

from app import mail
from app.accounts import tokens
from app.accounts.models import User
from app.urls import absolute_url


def _queue(user: User, kind: str, subject: str, **context: object) -> mail.OutboundMail:
    text = render_template(f"accounts/mail/{kind}.txt", user=user, **context)
    return mail.queue(mail.compose(user.email, subject, text), f"account_{kind}",
                      ("user_account", user.id))


def password_link(user: User, kind: tokens.LinkKind, by: User | None) -> mail.OutboundMail:
    """An invitation to choose a first password, or a link to choose a new one."""
    link = absolute_url("accounts.set_password", token=tokens.make(user, kind))
    if kind is tokens.LinkKind.INVITATION:
        return _queue(user, "invitation",
                      f"Invitation à rejoindre {current_app.config['BRAND_SITE_NAME']}",
                      by=by, link=link)
    return _queue(user, "reset", "Choisir un nouveau mot de passe", link=link)


def account_locked(user: User) -> mail.OutboundMail:
    return _queue(user, "locked", "Votre compte est temporairement verrouillé",
                  link=absolute_url("accounts.forgot_password"))
