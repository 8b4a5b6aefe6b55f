"""flask purge-personal-data applies each retention period, logs counts, and is idempotent."""

from datetime import UTC, date, datetime

import sqlalchemy as sa

from app.audit import AuditEntry
from app.contributions.models import Contribution, ContributionKind
from app.extensions import db
from app.mail import MailStatus, OutboundMail
from app.press.models import PressAccreditation, PressFollow
from app.registrations.models import Registration, RegistrationStatus
from tests.factories import make_campaign, make_departement, make_region, make_step


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def registration(step, email: str) -> Registration:
    person = Registration(step=step, status=RegistrationStatus.CONFIRMED, first_name="Léa",
                          last_name="Martin", email=email, phone="0600000000",
                          category="citoyens")
    db.session.add(person)
    return person


def contribution(campaign, step, email: str, created: str) -> Contribution:
    item = Contribution(campaign=campaign, kind=ContributionKind.TESTIMONY, body=f"Texte {email}",
                        territory_id=step.territory_id, email=email, created_at=at(created))
    db.session.add(item)
    return item


def mail(recipient: str, created: str, status: MailStatus) -> OutboundMail:
    item = OutboundMail(recipient=recipient, subject="Inscription confirmée", purpose="test",
                        message=b"To: x\r\n\r\nBonjour Lea Martin", status=status,
                        created_at=at(created))
    db.session.add(item)
    return item


def accreditation(email: str, created: str, step=None) -> PressAccreditation:
    item = PressAccreditation(name="Journaliste", outlet="Média", email=email,
                              created_at=at(created))
    if step is not None:
        item.follows.append(PressFollow(step=step))
    db.session.add(item)
    return item


def test_purge_removes_what_is_past_retention_keeps_the_rest_and_can_run_twice(app):
    # The CNR 2022 campaign is long over; a 2024 campaign is under way.
    app.config.update(CONCERTO_NOW="2024-06-01T03:00", REGISTRATION_RETENTION_DAYS=365,
                      CONTRIBUTION_EMAIL_RETENTION_DAYS=365, MAIL_RETENTION_DAYS=90,
                      PRESS_RETENTION_DAYS=365)
    region = make_region()
    old_campaign = make_campaign(region, synthesis_deadline=date(2022, 12, 31))
    new_campaign = make_campaign(region, synthesis_deadline=date(2024, 12, 31))
    old_step = make_step(old_campaign, make_departement("12", parent=region),
                         day=date(2022, 12, 9))
    new_step = make_step(new_campaign, make_departement("46", "Lot", "Cahors", parent=region),
                         day=date(2024, 3, 1))
    registration(old_step, "ancien@example.org")
    registration(new_step, "recent@example.org")
    contribution(old_campaign, old_step, "ancien@example.org", "2022-11-10")
    contribution(old_campaign, old_step, "tardif@example.org", "2024-01-15")  # after synthesis
    contribution(new_campaign, new_step, "encours@example.org", "2022-11-10")
    mail("ancien@example.org", "2024-01-01", MailStatus.SENT)
    mail("bloque@example.org", "2024-02-01", MailStatus.PENDING)
    mail("recent@example.org", "2024-05-20", MailStatus.SENT)
    accreditation("presse.ancienne@example.org", "2022-10-01", old_step)
    accreditation("presse.suivie@example.org", "2022-10-01", new_step)
    accreditation("presse.nouvelle@example.org", "2024-05-01")
    db.session.commit()

    runner = app.test_cli_runner()
    output = runner.invoke(args=["purge-personal-data"]).output
    assert "1 inscription(s) anonymisée(s) (conservation : 365 jours)" in output
    assert "1 adresse(s) de contributeurs effacée(s)" in output
    assert "2 courriel(s) purgé(s) (conservation : 90 jours)" in output
    assert "1 accréditation(s) presse supprimée(s)" in output

    db.session.expire_all()
    people = {r.step_id: r for r in db.session.scalars(sa.select(Registration))}
    assert (people[old_step.id].first_name, people[old_step.id].phone) == ("", "")
    assert people[old_step.id].email.startswith("anonyme-")
    assert people[new_step.id].email == "recent@example.org"
    assert sorted(filter(None, db.session.scalars(sa.select(Contribution.email)))) == [
        "encours@example.org", "tardif@example.org"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Contribution)) == 3
    mails = {m.subject + str(m.id): m for m in db.session.scalars(sa.select(OutboundMail))}
    assert sorted(m.recipient for m in mails.values()) == ["", "", "recent@example.org"]
    assert all(m.message == b"" for m in mails.values() if not m.recipient)
    assert MailStatus.PENDING not in {m.status for m in mails.values() if not m.recipient}
    assert sorted(db.session.scalars(sa.select(PressAccreditation.email))) == [
        "presse.nouvelle@example.org", "presse.suivie@example.org"]
    [entry] = db.session.scalars(sa.select(AuditEntry)
                                 .where(AuditEntry.action == "privacy.purge")).all()
    assert entry.summary.endswith("1 inscription(s) anonymisée(s), 1 adresse(s) de "
                                  "contributeurs effacée(s), 2 courriel(s) purgé(s), "
                                  "1 accréditation(s) presse supprimée(s)")
    assert "example.org" not in entry.summary

    again = runner.invoke(args=["purge-personal-data"]).output
    assert [line.split()[0] for line in again.splitlines()] == ["0"] * 4, again
    db.session.expire_all()
    assert sorted(db.session.scalars(sa.select(OutboundMail.recipient))) == [
        "", "", "recent@example.org"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 1
