"""A step's registration rules as app.registrations.settings keeps them: approval by hand,
seats reserved within the step's capacity, questions added at the end and removed, each
change audited."""

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.audit import AuditEntry
from app.extensions import db
from app.registrations import settings
from app.registrations.services import RegistrationError, questions
from tests.factories import make_step, make_user
from tests.registrations.helpers import open_step


def audited() -> list[tuple[str, str]]:
    return [(entry.action, entry.summary) for entry in db.session.scalars(
        sa.select(AuditEntry).order_by(AuditEntry.id))]


def test_the_rules_are_saved_and_audited():
    step, user = open_step(capacity=10), make_user(Role.ORGANISER)
    settings.save_rules(step, True, {"usagers": 4, "elus": 6}, user)
    db.session.expire_all()
    assert (step.requires_approval, step.category_quotas) == (True, {"usagers": 4, "elus": 6})
    [entry] = db.session.scalars(sa.select(AuditEntry)).all()
    assert (entry.action, entry.actor) == ("registration.settings", user.email)
    assert entry.changes == {"rules": [[False, {}], [True, {"usagers": 4, "elus": 6}]]}


def test_reserved_seats_beyond_the_capacity_are_refused_and_nothing_changes():
    step, user = open_step(capacity=5), make_user(Role.ORGANISER)
    with pytest.raises(RegistrationError, match=r"^Les places réservées \(6\) dépassent la "
                                                r"jauge de l’étape \(5\)\.$"):
        settings.save_rules(step, True, {"usagers": 4, "elus": 2}, user)
    db.session.expire_all()
    assert not step.requires_approval and not step.category_quotas
    assert audited() == []
    step.capacity = None  # no gauge: any number reserved
    settings.save_rules(step, False, {"usagers": 400}, user)
    assert step.category_quotas == {"usagers": 400}


def test_questions_go_at_the_end_and_only_a_steps_own_question_is_removed():
    step, user = open_step(), make_user(Role.ORGANISER)
    other = make_step(step.campaign, step.territory)
    first = settings.add_question(step, "Venez-vous en train ?", False, user)
    second = settings.add_question(step, "Votre régime alimentaire ?", True, user)
    assert [(q.label, q.position, q.required) for q in questions(step)] == [
        ("Venez-vous en train ?", 0, False), ("Votre régime alimentaire ?", 1, True)]
    assert not settings.remove_question(other, first.id, user)
    assert not settings.remove_question(step, 999_999, user)
    assert settings.remove_question(step, first.id, user)
    assert [q.id for q in questions(step)] == [second.id]
    assert audited() == [
        ("registration.question", "Question ajoutée : Venez-vous en train ?"),
        ("registration.question", "Question ajoutée : Votre régime alimentaire ?"),
        ("registration.question", "Question retirée : Venez-vous en train ?")]
