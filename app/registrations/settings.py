"""A step's registration rules, set by its organisers: manual approval, seats reserved per
category, and the questions its form adds. Each change is audited."""

from __future__ import annotations

from app import audit
from app.accounts.models import User
from app.campaigns.models import Step
from app.extensions import db
from app.registrations.models import RegistrationQuestion
from app.registrations.services import RegistrationError, questions


def save_rules(step: Step, requires_approval: bool, quotas: dict[str, int], user: User
               ) -> None:
    """Approval by hand or not, and the seats reserved per category (``quotas``, only the
    categories given some). Raises RegistrationError if they add up to more than the step's
    capacity."""
    reserved = sum(quotas.values())
    if step.capacity and reserved > step.capacity:
        raise RegistrationError(f"Les places réservées ({reserved}) dépassent la jauge de "
                                f"l’étape ({step.capacity}).")
    old = (step.requires_approval, dict(step.category_quotas or {}))
    step.requires_approval, step.category_quotas = requires_approval, quotas
    audit.record("registration.settings", step, "Règles d’inscription modifiées",
                 {"rules": (list(old), [step.requires_approval, quotas])}, user=user)
    db.session.commit()


def add_question(step: Step, label: str, required: bool, user: User) -> RegistrationQuestion:
    """A question at the end of the step's registration form."""
    question = RegistrationQuestion(step_id=step.id, label=label, required=required,
                                    position=len(questions(step)))
    db.session.add(question)
    audit.record("registration.question", step, f"Question ajoutée : {label}", user=user)
    db.session.commit()
    return question


def remove_question(step: Step, question_id: int, user: User) -> bool:
    """Take a question off the step's form; False if the step has no such question."""
    question = db.session.get(RegistrationQuestion, question_id)
    if question is None or question.step_id != step.id:
        return False
    db.session.delete(question)
    audit.record("registration.question", step, f"Question retirée : {question.label}",
                 user=user)
    db.session.commit()
    return True
