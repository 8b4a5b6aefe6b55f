"""The mail of contributions: its author learns why it was not published (when they left an
address); queued in the moderator's transaction, sent by a worker."""

from __future__ import annotations

from flask import render_template

from app import mail
from app.contributions.models import Contribution
from app.urls import absolute_url


def rejected(contribution: Contribution, reason: str) -> mail.OutboundMail | None:
    if not contribution.email:
        return None
    text = render_template("contributions/mail/rejected.txt", contribution=contribution,
                           reason=reason, campaign_url=absolute_url(
                               "campaigns.campaign_page", slug=contribution.campaign.slug))
    return mail.queue(mail.compose(contribution.email, "Votre contribution n’a pas été publiée",
                                   text), "contribution.rejected",
                      related=("contribution", contribution.id))
