"""What is new in a question's writing help since the synthesis was last validated (issue 16):
the person rereads only the themes that grew.

At each validation (services.validate), every question keeps what its help said then
(``ThemeSnapshot``): the ids of its published contributions, and its themes (label, size,
contribution ids) as the worker computed them for exactly those contributions. They are read
from the stored help; when there is none yet, its computation is queued and the worker fills
them in (``complete``): nothing is grouped in the web request. A reopened synthesis keeps its
snapshot; the next validation replaces it.

On the help page, a theme is the same as one of then when it holds at least half of that
theme's contributions (MATCH_SHARE), whatever its name now: the grouping and the names may
move when contributions arrive. A theme holding contributions published since is marked:
« +N contributions depuis… » when it continues a theme of then, « Nouveau depuis… » otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from app.accounts.models import User
from app.documents import services as document_services
from app.documents.models import PreparationStatus, PreparedDocument
from app.extensions import db
from app.french import PARIS
from app.syntheses.models import Synthesis, ThemeSnapshot

MATCH_SHARE = 0.5
KIND = "synthesis.help"


def _themes(payload: dict | list) -> list[dict] | None:
    """The themes of a help payload (or of its "themes" list), as a snapshot keeps them."""
    from app.syntheses.writing_help import PAYLOAD_VERSION

    if isinstance(payload, dict):
        if payload.get("version") != PAYLOAD_VERSION:
            return None
        payload = payload["themes"]
    return [{"label": t["label"], "size": t["size"], "members": list(t["members"])}
            for t in payload]


def _stored_themes(document: PreparedDocument | None) -> list[dict] | None:
    if document is None or document.status is not PreparationStatus.READY:
        return None
    return _themes(json.loads(document_services.ready_data(document)))


def keep(synthesis: Synthesis, user: User, moment: datetime) -> None:
    """At validation, in its transaction: what each question's help says now. The stored help
    of the current contributions when there is one; else its computation is queued (the
    worker completes the snapshot), unless it is already being computed."""
    from app.syntheses.figures import published_texts
    from app.syntheses.writing_help import variant

    existing = {s.challenge_id: s for s in db.session.scalars(
        sa.select(ThemeSnapshot).where(ThemeSnapshot.synthesis_id == synthesis.id))}
    for challenge in synthesis.campaign.challenges:
        contributions = published_texts(synthesis, challenge)
        question = variant(challenge.id, contributions)
        document = document_services.latest(KIND, synthesis.id, question)
        if document is None or document.status is PreparationStatus.FAILED:
            document_services.ask(KIND, synthesis.id, f"Aide à la rédaction — {challenge.title}",
                                  "aide.json", user, variant=question)
        snapshot = existing.get(challenge.id) or ThemeSnapshot(synthesis_id=synthesis.id,
                                                               challenge_id=challenge.id)
        snapshot.validated_at, snapshot.variant = moment, question
        snapshot.contributions = [c.id for c in contributions]
        snapshot.themes = _stored_themes(document)
        db.session.add(snapshot)


def complete(synthesis_id: int, challenge_id: int, question: str, themes: list[dict]) -> None:
    """The worker has computed the help of ``question`` (a variant): the snapshot of the latest
    validation that waited for it takes its themes (committed with the document)."""
    snapshot = db.session.scalar(sa.select(ThemeSnapshot).where(
        ThemeSnapshot.synthesis_id == synthesis_id, ThemeSnapshot.challenge_id == challenge_id,
        ThemeSnapshot.variant == question, ThemeSnapshot.themes.is_(None)))
    if snapshot is not None:
        snapshot.themes = _themes(themes)


@dataclass
class Mark:
    new: bool  # no theme of then continues in it
    added: int  # its contributions published since the validation
    since: str  # « la version validée du 04/12/2026 »

    @property
    def text(self) -> str:
        if self.new:
            return f"Nouveau depuis {self.since}"
        word = "contribution" if self.added == 1 else "contributions"
        return f"+{self.added} {word} depuis {self.since}"


@dataclass
class Changes:
    validated_at: datetime
    added: int  # contributions of the question published since
    marks: dict[int, Mark] = field(default_factory=dict)  # by index of the theme on the page

    @property
    def day(self) -> str:
        return self.validated_at.astimezone(PARIS).strftime("%d/%m/%Y")


def since_validation(synthesis: Synthesis, challenge_id: int, help_,
                     contributions: list) -> Changes | None:
    """The themes of ``help_`` (writing_help.Help, of the question's published
    ``contributions``) that grew since the latest validation; None before any."""
    snapshot = db.session.scalar(sa.select(ThemeSnapshot).where(
        ThemeSnapshot.synthesis_id == synthesis.id, ThemeSnapshot.challenge_id == challenge_id))
    if snapshot is None:
        return None
    themes = snapshot.themes
    if themes is None:  # the worker had not finished: its result may be stored by now
        themes = _stored_themes(document_services.latest(KIND, synthesis.id, snapshot.variant))
    known = set(snapshot.contributions)
    then = [set(t["members"]) for t in themes or [] if t["members"]]
    changes = Changes(snapshot.validated_at, len({c.id for c in contributions} - known))
    since = f"la version validée du {changes.day}"
    for index, theme in enumerate(help_.themes):
        members = {c.id for c in theme.members}
        added = len(members - known)
        if not added:
            continue
        if themes is None:  # only the contributions of then are known
            new = not members & known
        else:
            new = not any(len(members & old) >= MATCH_SHARE * len(old) for old in then)
        changes.marks[index] = Mark(new, added, since)
    return changes
