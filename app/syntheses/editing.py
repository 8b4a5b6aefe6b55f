"""The editorial texts of a synthesis (its introduction, one text per question), saved so that
nothing typed is lost: each text has a version, and a save based on an older version than the
stored one is refused with both texts, never applied over a colleague's work."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from app import audit
from app.accounts.models import User
from app.audit import AuditEntry
from app.campaigns.models import Challenge
from app.clock import now
from app.extensions import db
from app.syntheses.models import Synthesis, SynthesisSection
from app.syntheses.services import editable

INTRODUCTION = 0  # the key of the introduction; a question's text has its challenge's id
TEXT_LIMIT = 50_000
AUDIT_QUIET_MINUTES = 10


def digest(text: str) -> str:
    """What a page was given, so that a text sent back unchanged is known as such."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Stored:
    """A text as the database holds it."""

    key: int
    label: str
    text: str
    version: int
    updated_at: datetime | None
    updated_by: User | None

    @property
    def base(self) -> str:
        return digest(self.text)


@dataclass(frozen=True)
class Edit:
    """A text sent by a page: ``version`` and ``base`` are those of the text the page was
    given (None when the sender did not say: then the text is taken as it comes)."""

    key: int
    text: str
    version: int | None = None
    base: str | None = None


@dataclass
class Outcome:
    saved: list[Stored] = field(default_factory=list)
    # The texts refused because a colleague saved theirs since: the stored one, by key.
    conflicts: dict[int, Stored] = field(default_factory=dict)


def keys(synthesis: Synthesis) -> list[int]:
    return [INTRODUCTION, *[challenge.id for challenge in synthesis.campaign.challenges]]


def _challenge(synthesis: Synthesis, key: int) -> Challenge:
    return next(c for c in synthesis.campaign.challenges if c.id == key)


def stored(synthesis: Synthesis, key: int) -> Stored:
    if key == INTRODUCTION:
        return Stored(key, "Introduction", synthesis.introduction,
                      synthesis.introduction_version, synthesis.introduction_updated_at,
                      synthesis.introduction_updated_by)
    challenge = _challenge(synthesis, key)
    section = synthesis.section_for(challenge)
    if section is None:
        return Stored(key, challenge.title, "", 0, None, None)
    return Stored(key, challenge.title, section.text, section.version, section.updated_at,
                  section.updated_by)


def _write(synthesis: Synthesis, key: int, text: str, user: User | None) -> None:
    moment = now()
    if key == INTRODUCTION:
        synthesis.introduction = text
        synthesis.introduction_version += 1
        synthesis.introduction_updated_at, synthesis.introduction_updated_by = moment, user
    else:
        challenge = _challenge(synthesis, key)
        section = synthesis.section_for(challenge)
        if section is None:
            section = SynthesisSection(challenge=challenge, version=0)
            synthesis.sections.append(section)
        section.text = text
        section.version = (section.version or 0) + 1
        section.updated_at, section.updated_by = moment, user
    synthesis.updated_at = moment


def save(synthesis: Synthesis, edits: list[Edit], user: User | None) -> Outcome:
    """Save the texts that changed; refuse, one by one, those based on an older version than
    the stored one (the others are saved all the same). One audit entry names the texts saved.
    Raises SynthesisError when the synthesis is no longer a draft."""
    editable(synthesis)
    outcome = Outcome()
    for edit in edits:
        current = stored(synthesis, edit.key)
        untouched = edit.base is not None and digest(edit.text) == edit.base
        if untouched or edit.text == current.text:
            continue  # nothing typed in it, or the same text: neither a save nor a conflict
        if edit.version is not None and edit.version != current.version:
            outcome.conflicts[edit.key] = current
            continue
        _write(synthesis, edit.key, edit.text, user)
        outcome.saved.append(stored(synthesis, edit.key))
    if outcome.saved:
        _audit(synthesis, outcome.saved, user)
    db.session.commit()
    return outcome


def _audit(synthesis: Synthesis, saved: list[Stored], user: User | None) -> None:
    """One entry per save, except that the autosave of the same texts by the same person
    within AUDIT_QUIET_MINUTES is one entry: the journal says who wrote, not every pause."""
    summary = (f"Synthèse {synthesis.territory.display_name} : "
               + ("texte " if len(saved) == 1 else "textes ")
               + ", ".join(f"« {text.label} »" for text in saved)
               + (" enregistré" if len(saved) == 1 else " enregistrés"))
    last = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.object_type == Synthesis.__tablename__, AuditEntry.object_id == synthesis.id)
        .order_by(AuditEntry.id.desc()).limit(1))
    if (last is not None and last.action == "synthesis.text" and last.summary == summary
            and last.user_id == (user.id if user else None)
            and now() - last.at < timedelta(minutes=AUDIT_QUIET_MINUTES)):
        return
    audit.record("synthesis.text", synthesis, summary, user=user)
