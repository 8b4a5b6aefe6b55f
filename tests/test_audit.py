"""The audit log records who did what, and cannot be rewritten."""

import pytest
import sqlalchemy as sa

from app import audit
from app.accounts.models import Role
from app.audit import AuditEntry
from app.extensions import db
from tests.factories import make_step, make_user


def test_record_keeps_actor_action_object_and_changes():
    user = make_user(Role.ADMIN, email="admin@ars.example")
    step = make_step()
    audit.record("step.edit", step, "Changement de ville", {"city": ("Rodez", "Millau")},
                 user=user)
    db.session.commit()
    entry = db.session.scalar(sa.select(AuditEntry))
    assert (entry.actor, entry.action, entry.object_type, entry.object_id) == (
        "admin@ars.example", "step.edit", "step", step.id)
    assert entry.changes == {"city": ["Rodez", "Millau"]}
    assert entry.at is not None and entry.at.tzinfo is not None


@pytest.mark.parametrize("rewrite", ["update", "delete"])
def test_audit_entries_cannot_be_changed_or_deleted(rewrite):
    step = make_step()
    audit.record("step.edit", step, "Une action")
    db.session.commit()
    entry = db.session.scalar(sa.select(AuditEntry))
    if rewrite == "update":
        entry.summary = "Autre chose"
    else:
        db.session.delete(entry)
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(sa.select(AuditEntry.summary)) == "Une action"


def test_entry_survives_the_deletion_of_its_author():
    user = make_user(Role.ORGANISER, email="parti@ars.example")
    step = make_step()
    audit.record("step.edit", step, "Avant départ", user=user)
    db.session.commit()
    db.session.execute(sa.delete(type(user)).where(type(user).id == user.id))
    db.session.commit()
    entry = db.session.scalar(sa.select(AuditEntry))
    assert entry.user_id is None and entry.actor == "parti@ars.example"
