"""Who is told of a step's change, and what the change mails say of it: counts (never
names nor addresses) for the organiser, the former date for the mails."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, time
from typing import Any

from app import french
from app.campaigns.models import Step


@dataclass(frozen=True)
class Recipients:
    """Mails about one change of a step, by audience: to come (a preview) or queued."""

    registrants: int = 0
    journalists: int = 0

    @classmethod
    def from_replies(cls, replies: list[tuple[Any, Any]]) -> Recipients:
        """Sum the (audience, number) answers of a signal's receivers (blinker's
        ``send`` result); receivers that answer nothing are ignored."""
        counts = dict.fromkeys((field.name for field in fields(cls)), 0)
        for _receiver, answer in replies:
            if answer is not None:
                audience, number = answer
                counts[audience] += number
        return cls(**counts)

    @property
    def total(self) -> int:
        return self.registrants + self.journalists

    def __str__(self) -> str:
        """« 42 inscrits et 3 journalistes qui suivent l’étape »."""
        parts = [french.plural(self.registrants, "inscrit")] if self.registrants else []
        if self.journalists:
            parts.append(french.plural(self.journalists, "journaliste")
                         + " qui " + ("suit" if self.journalists == 1 else "suivent")
                         + " l’étape")
        return " et ".join(parts)


def schedule_snapshot(step: Step) -> dict[str, str | None]:
    """The step's date and times as JSON values, for a mail composed later."""
    return {"day": step.day.isoformat() if step.day else None,
            "start_time": step.start_time.strftime("%H:%M") if step.start_time else None,
            "end_time": step.end_time.strftime("%H:%M") if step.end_time else None}


def snapshot_when(snapshot: dict[str, str | None] | None) -> str | None:
    """A schedule_snapshot in words, as the « when » filter says a step's date (local time of
    the step, i.e. Paris time in Occitanie); None without a snapshot."""
    if not snapshot:
        return None
    from app.templating import step_when  # templating imports the models of this domain

    day, start, end = (snapshot.get(key) for key in ("day", "start_time", "end_time"))
    # A transient step, never added to the session: only its schedule is read.
    return step_when(Step(day=date.fromisoformat(day) if day else None,
                          start_time=time.fromisoformat(start) if start else None,
                          end_time=time.fromisoformat(end) if end else None))


def step_label(step: Step) -> str:
    """« Concertation CNR santé — Aveyron » (Aveyron, 3 novembre 2022): which step, beyond a
    title that its copies share."""
    day = french.day_label(step.day, weekday=False) if step.day else "date à venir"
    territory = step.territory.name if step.territory else ""
    return f"« {step.title} » ({territory}, {day})" if territory else f"« {step.title} » ({day})"
