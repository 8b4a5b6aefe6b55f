"""A person's rights over their data, for an email address whose control they proved (they hold a
registration's management link): a copy of everything held (access, portability) and erasure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.audit import AuditEntry
from app.campaigns.models import Step
from app.clock import now
from app.contributions.models import Contribution
from app.database import affected_rows
from app.extensions import db
from app.mail import MailStatus, OutboundMail
from app.participants import CATEGORIES, PROFESSIONAL_TYPES
from app.press.models import PressAccreditation, PressFollow
from app.privacy import pages
from app.registrations import services as registrations
from app.registrations.models import ACTIVE_STATUSES, Registration, RegistrationQuestion

ERASED_MAIL_NOTE = "Contenu et destinataire effacés (données personnelles)."


@dataclass
class ErasureReport:
    """What an erasure changed, in numbers only (it goes to the audit log)."""

    registrations_cancelled: int = 0
    people_promoted: int = 0
    registrations_anonymised: int = 0
    contributions_detached: int = 0
    mails_purged: int = 0
    press_accreditations_deleted: int = 0

    def summary(self) -> str:
        return (f"{self.registrations_anonymised} inscription(s) anonymisée(s) dont "
                f"{self.registrations_cancelled} annulée(s) au préalable "
                f"({self.people_promoted} personne(s) promue(s) de la liste d’attente), "
                f"{self.contributions_detached} contribution(s) détachée(s), "
                f"{self.mails_purged} courriel(s) purgé(s), "
                f"{self.press_accreditations_deleted} accréditation(s) presse supprimée(s)")


def _normalise(email: str) -> str:
    return email.strip().lower()


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def record_privacy_event(action: str, summary: str, actor: str = "système") -> AuditEntry:
    """An audit entry about personal data in general (not one object); counts only, never the
    data itself (the log is never purged). The caller commits."""
    entry = AuditEntry(actor=actor, action=action, object_type="donnees_personnelles",
                       object_id=None, summary=summary[:500], changes={})
    db.session.add(entry)
    return entry


def _registrations_of(email: str) -> list[Registration]:
    return list(db.session.scalars(
        sa.select(Registration).where(Registration.email == email)
        .options(joinedload(Registration.step).joinedload(Step.campaign),
                 joinedload(Registration.departement), joinedload(Registration.workshop))
        .order_by(Registration.created_at, Registration.id)))


def _question_labels(step_ids: set[int]) -> dict[str, str]:
    if not step_ids:
        return {}
    rows = db.session.execute(sa.select(RegistrationQuestion.id, RegistrationQuestion.label)
                              .where(RegistrationQuestion.step_id.in_(step_ids)))
    return {str(question_id): label for question_id, label in rows}


def _registration_record(registration: Registration, questions: dict[str, str]) -> dict:
    step = registration.step
    return {
        "demarche": step.campaign.title,
        "etape": step.title,
        "date_etape": _iso(step.day),
        "lieu": step.place or step.city,
        "statut": registration.status.label,
        "prenom": registration.first_name,
        "nom": registration.last_name,
        "courriel": registration.email,
        "telephone": registration.phone,
        "organisme": registration.organisation,
        "departement": registration.departement.name if registration.departement else None,
        "categorie": CATEGORIES.get(registration.category, registration.category),
        "sous_categorie": PROFESSIONAL_TYPES.get(registration.subcategory,
                                                 registration.subcategory) or None,
        "atelier_souhaite": registration.workshop.title if registration.workshop else None,
        "besoins_accessibilite": registration.accessibility_needs,
        "reponses": {questions.get(key, f"Question n° {key}"): answer
                     for key, answer in (registration.answers or {}).items()},
        "consentement_le": _iso(registration.consented_at),
        "inscrit_le": _iso(registration.created_at),
        "modifie_le": _iso(registration.updated_at),
        "annule_le": _iso(registration.cancelled_at),
        "presence_enregistree_le": _iso(registration.checked_in_at),
    }


def _contribution_record(contribution: Contribution) -> dict:
    return {
        "reference": contribution.reference,
        "demarche": contribution.campaign.title,
        "type": contribution.kind.label,
        "titre": contribution.title,
        "texte": contribution.body,
        "pseudonyme": contribution.pseudonym,
        "tranche_age": contribution.age_range or None,
        "categorie": contribution.category or None,
        "courriel": contribution.email,
        "statut": contribution.status_label,
        "motif_refus": contribution.rejection_reason or None,
        "deposee_le": _iso(contribution.created_at),
        "publiee_le": _iso(contribution.published_at),
        "reponse_des_organisateurs": contribution.answer or None,
    }


def _press_record(accreditation: PressAccreditation | None) -> dict | None:
    if accreditation is None:
        return None
    return {
        "nom": accreditation.name,
        "media": accreditation.outlet,
        "courriel": accreditation.email,
        "telephone": accreditation.phone,
        "consentement_le": _iso(accreditation.consented_at),
        "etapes_suivies": [{"etape": follow.step.title, "date_etape": _iso(follow.step.day),
                            "suivie_depuis_le": _iso(follow.created_at)}
                           for follow in accreditation.follows],
        "demarches_suivies": [{"demarche": follow.campaign.title,
                               "suivie_depuis_le": _iso(follow.created_at)}
                              for follow in accreditation.campaign_follows],
    }


def _mails_to(email: str) -> sa.ColumnElement[bool]:
    return sa.func.lower(OutboundMail.recipient) == email


def personal_data_copy(email: str) -> dict[str, Any]:
    """Everything Concerto holds about an email address, as plain JSON-ready data (right of
    access and portability): registrations of every step, contributions, press accreditation
    and the mails sent to it (subject, dates and status; not their bodies, which repeat the
    rest)."""
    email = _normalise(email)
    people = _registrations_of(email)
    questions = _question_labels({registration.step_id for registration in people})
    contributions = db.session.scalars(
        sa.select(Contribution).where(Contribution.email == email)
        .options(joinedload(Contribution.campaign)).order_by(Contribution.id))
    accreditation = db.session.scalar(
        sa.select(PressAccreditation).where(PressAccreditation.email == email)
        .options(selectinload(PressAccreditation.follows).joinedload(PressFollow.step)))
    mails = db.session.scalars(sa.select(OutboundMail).where(_mails_to(email))
                               .order_by(OutboundMail.id))
    return {
        "adresse_electronique": email,
        "extrait_le": _iso(now()),
        "responsable_du_traitement": pages.data_controller(),
        "inscriptions": [_registration_record(r, questions) for r in people],
        "contributions": [_contribution_record(c) for c in contributions],
        "accreditation_presse": _press_record(accreditation),
        "courriels": [{"objet": mail.subject, "cree_le": _iso(mail.created_at),
                       "statut": mail.status.label, "envoye_le": _iso(mail.sent_at)}
                      for mail in mails],
    }


def blank_mails(condition: sa.ColumnElement[bool]) -> int:
    """Erase the recipient and body of the queued mails that match (subject, purpose, dates
    and status stay, for the statistics); one not yet sent is given up. Idempotent; the
    caller commits. Returns how many mails were blanked."""
    condition = sa.and_(condition, OutboundMail.recipient != "")
    values = {"recipient": "", "message": b"", "params": None,
              "last_error": ERASED_MAIL_NOTE}
    bulk = {"synchronize_session": False}  # the caller commits, which expires the session
    given_up = affected_rows(db.session.execute(
        sa.update(OutboundMail).where(condition, OutboundMail.status.in_(
            (MailStatus.PENDING, MailStatus.SENDING)))
        .values(status=MailStatus.FAILED, **values), execution_options=bulk))
    return given_up + affected_rows(db.session.execute(
        sa.update(OutboundMail).where(condition).values(**values), execution_options=bulk))


def _cancel_active(email: str, report: ErasureReport) -> None:
    """Free the seats first, with the usual rules: the waiting list moves up and is told."""
    active = db.session.scalars(sa.select(Registration).where(
        Registration.email == email, Registration.status.in_(ACTIVE_STATUSES))).all()
    for registration in active:
        try:
            promoted = registrations.cancel(registration)
        except registrations.RegistrationError:  # cancelled meanwhile
            continue
        report.registrations_cancelled += 1
        report.people_promoted += len(promoted)


def erase_person(email: str) -> ErasureReport:
    """Erase what Concerto holds about an email address, for every step: active registrations
    are cancelled (seats go to the waiting list), then every registration is anonymised;
    contributions keep their text but lose the address and pseudonym; mails to the address
    lose recipient and body; a press accreditation is deleted. The audit log keeps the
    counts."""
    email = _normalise(email)
    report = ErasureReport()
    _cancel_active(email, report)
    for registration in db.session.scalars(sa.select(Registration)
                                           .where(Registration.email == email)):
        registrations.anonymise(registration)
        report.registrations_anonymised += 1
    report.contributions_detached = affected_rows(db.session.execute(
        sa.update(Contribution).where(Contribution.email == email)
        .values(email=None, pseudonym="")))
    # After the cancellations, so that their own mails are blanked too.
    report.mails_purged = blank_mails(_mails_to(email))
    accreditation = db.session.scalar(sa.select(PressAccreditation)
                                      .where(PressAccreditation.email == email))
    if accreditation is not None:
        db.session.delete(accreditation)
        report.press_accreditations_deleted = 1
    record_privacy_event("privacy.erase", f"Effacement demandé par la personne : "
                         f"{report.summary()}", actor="personne concernée")
    db.session.commit()
    return report
