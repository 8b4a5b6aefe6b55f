"""What runs on a timetable: the sweeps of mails and documents every minute (retries, and any
job Redis lost), the purge of prepared documents every hour,
reminders each morning, the retention purge and the purge of import files never confirmed
each night.

Each run belongs to a time slot (this minute, this day). ``tick`` runs a task only if it wins
its slot's claim: with Redis, ``SET key NX EX`` — so `flask scheduler` may run on every host
and each slot still runs once; in one process (``thread`` mode), a set in memory. The tasks
are also safe to run twice (claims on mails, ``reminder_sent_at``, purges by date), so a lost
claim costs nothing worse than a repeat.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Protocol

from app.clock import PARIS


class Claims(Protocol):
    def __call__(self, key: str, seconds: int) -> bool:
        """Take the slot ``key`` for ``seconds``; False if another caller has it."""

    def release(self, key: str) -> None:
        """Give a slot back, its task not started (the next tick tries again)."""


@dataclass(frozen=True)
class Periodic:
    task: str
    every: timedelta | None = None  # or, once a day from this time in Paris:
    daily_from: time | None = None

    def slot(self, moment: datetime) -> str | None:
        """This run's slot at ``moment``, or None when it is not time yet today."""
        if self.every is not None:
            return str(int(moment.timestamp() // self.every.total_seconds()))
        if self.daily_from is None:
            raise ValueError(f"{self.task}: neither every nor daily_from")
        local = moment.astimezone(PARIS)
        return local.date().isoformat() if local.time() >= self.daily_from else None

    def keep_seconds(self) -> int:
        span = self.every or timedelta(days=1)
        return int(2 * span.total_seconds())


PERIODIC = (
    Periodic("mail.sweep", every=timedelta(minutes=1)),
    Periodic("documents.sweep", every=timedelta(minutes=1)),
    Periodic("documents.purge", every=timedelta(hours=1)),
    Periodic("registrations.reminders", daily_from=time(9, 0)),
    Periodic("privacy.purge", daily_from=time(3, 0)),
    Periodic("storage.purge_imports", daily_from=time(3, 30)),
)


def tick(claims: Claims, run: Callable[[str], object], moment: datetime | None = None,
         prefix: str = "concerto") -> list[str]:
    """Run (or queue, as ``run`` does) each task whose slot this caller wins; their names.
    When ``run`` returns False (the task could not be queued), the slot is given back for the
    next tick. ``prefix``: the queue's name, so that two deployments sharing a Redis keep
    their own slots."""
    moment = moment or datetime.now(UTC)
    started = []
    for periodic in PERIODIC:
        slot = periodic.slot(moment)
        key = f"{prefix}:schedule:{periodic.task}:{slot}"
        if slot is None or not claims(key, periodic.keep_seconds()):
            continue
        if run(periodic.task) is False:
            claims.release(key)
        else:
            started.append(periodic.task)
    return started


class MemoryClaims:
    """Claims for a single process (``thread`` mode)."""

    def __init__(self) -> None:
        self._won: dict[str, datetime] = {}

    def __call__(self, key: str, seconds: int) -> bool:
        moment = datetime.now(UTC)
        self._won = {k: until for k, until in self._won.items() if until > moment}
        if key in self._won:
            return False
        self._won[key] = moment + timedelta(seconds=seconds)
        return True

    def release(self, key: str) -> None:
        self._won.pop(key, None)


class RedisClaims:
    """Claims shared by every scheduler on the same Redis: ``SET key NX EX``."""

    def __init__(self, connection) -> None:
        self.connection = connection

    def __call__(self, key: str, seconds: int) -> bool:
        return bool(self.connection.set(key, "1", nx=True, ex=seconds))

    def release(self, key: str) -> None:
        self.connection.delete(key)
