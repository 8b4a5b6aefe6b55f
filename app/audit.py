"""Append-only audit log: who did what, to which object, when."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, Protocol

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.clock import now
from app.db_types import UTCDateTime
from app.extensions import Model, db


class AuditEntry(Model):
    __tablename__ = "audit_entry"
    __table_args__ = (sa.Index("ix_audit_entry_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    # Kept even if the account is deleted later.
    actor: Mapped[str] = mapped_column(sa.String(254), default="système")
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(60))
    object_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(sa.String(500), default="")
    # {"field": [old, new], ...}
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    user: Mapped[User | None] = relationship()


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_rewriting_history(_mapper: object, _connection: object, target: AuditEntry) -> None:
    raise PermissionError(f"Le journal d'audit est en ajout seul (entrée {target.id}).")


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


class Recorded(Protocol):
    """What the log needs of an object: any model (its table, its primary key)."""

    __tablename__: str

    @property
    def id(self) -> int | None: ...


def record(action: str, obj: Recorded, summary: str = "",
           changes: dict[str, tuple[Any, Any]] | None = None,
           user: User | None = None) -> AuditEntry:
    """Add an audit entry to the session; the caller's transaction commits it."""
    if user is None and current_user and getattr(current_user, "is_authenticated", False):
        user = current_user._get_current_object()
    if obj.id is None:
        db.session.flush()
    entry = AuditEntry(
        user=user,
        actor=user.email if user else "système",
        action=action,
        object_type=type(obj).__tablename__,
        object_id=obj.id,
        summary=summary[:500],
        changes={field: [_jsonable(old), _jsonable(new)]
                 for field, (old, new) in (changes or {}).items()},
    )
    db.session.add(entry)
    return entry
