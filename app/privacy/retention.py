"""Retention periods, applied by ``flask purge-personal-data`` (run it every night).

Each kind of personal data has its own period (settings ``*_RETENTION_DAYS``, also shown on the
« Données personnelles » page). Every query skips what is already purged, so running the
command again changes nothing; what was purged is counted in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.campaigns.models import Campaign, Step
from app.clock import now, today
from app.contributions.models import Contribution
from app.database import affected_rows
from app.extensions import db
from app.mail import OutboundMail
from app.press.models import PressAccreditation, PressFollow
from app.privacy.services import blank_mails, record_privacy_event
from app.registrations import services as registrations
from app.registrations.models import Registration


@dataclass(frozen=True)
class PurgeReport:
    registrations: int
    contribution_emails: int
    mails: int
    press_accreditations: int

    @property
    def total(self) -> int:
        return (self.registrations + self.contribution_emails + self.mails
                + self.press_accreditations)

    def summary(self) -> str:
        return (f"{self.registrations} inscription(s) anonymisée(s), "
                f"{self.contribution_emails} adresse(s) de contributeurs effacée(s), "
                f"{self.mails} courriel(s) purgé(s), "
                f"{self.press_accreditations} accréditation(s) presse supprimée(s)")


def anonymise_old_registrations(days: int) -> int:
    """Registrations to steps held more than ``days`` ago lose their personal fields."""
    limit = today() - timedelta(days=days)
    old = db.session.scalars(sa.select(Registration).join(Step).where(
        Step.day < limit, Registration.anonymised_at.is_(None))).all()
    for registration in old:
        registrations.anonymise(registration)
    return len(old)


def forget_contribution_emails(days: int) -> int:
    """Contributions keep their text, but their author's address goes ``days`` after both the
    contribution and its campaign's synthesis deadline (it serves to answer the author until
    the synthesis)."""
    campaigns_over = sa.select(Campaign.id).where(sa.or_(
        Campaign.synthesis_deadline.is_(None),
        Campaign.synthesis_deadline < today() - timedelta(days=days)))
    return affected_rows(db.session.execute(
        sa.update(Contribution).where(Contribution.email.is_not(None),
                                      Contribution.created_at < now() - timedelta(days=days),
                                      Contribution.campaign_id.in_(campaigns_over))
        .values(email=None), execution_options={"synchronize_session": False}))


def purge_old_mails(days: int) -> int:
    """Mails older than ``days`` lose their recipient and body."""
    return blank_mails(OutboundMail.created_at < now() - timedelta(days=days))


def delete_idle_press_accreditations(days: int) -> int:
    """Accreditations older than ``days`` that follow no step held within ``days`` (nor one
    to come, nor one without a date) are deleted with their follows."""
    limit = today() - timedelta(days=days)
    still_useful = (sa.select(PressFollow.id).join(Step)
                    .where(PressFollow.accreditation_id == PressAccreditation.id,
                           sa.or_(Step.day.is_(None), Step.day >= limit)))
    idle = db.session.scalars(sa.select(PressAccreditation).where(
        PressAccreditation.created_at < now() - timedelta(days=days),
        ~still_useful.exists())).all()
    for accreditation in idle:
        db.session.delete(accreditation)
    return len(idle)


def purge_personal_data(registration_days: int | None = None) -> PurgeReport:
    """Apply every retention period and record the counts in the audit log (when anything
    was purged). ``registration_days`` overrides REGISTRATION_RETENTION_DAYS."""
    config = current_app.config
    if registration_days is None:
        registration_days = config["REGISTRATION_RETENTION_DAYS"]
    report = PurgeReport(
        registrations=anonymise_old_registrations(registration_days),
        contribution_emails=forget_contribution_emails(
            config["CONTRIBUTION_EMAIL_RETENTION_DAYS"]),
        mails=purge_old_mails(config["MAIL_RETENTION_DAYS"]),
        press_accreditations=delete_idle_press_accreditations(config["PRESS_RETENTION_DAYS"]))
    if report.total:
        record_privacy_event("privacy.purge", f"Durées de conservation appliquées : "
                             f"{report.summary()}")
    db.session.commit()
    return report
